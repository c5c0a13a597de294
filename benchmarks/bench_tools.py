"""Tool-call argument validation on one core: microseconds per call (medians of several runs).

What a tool call costs before the function runs, for three schemas (``small``: two parameters;
``wide``: ten parameters with nested objects, unions, tuples and maps; ``refs``: a hand-written
MCP-style schema with ``$defs``/``$ref`` and formats), each with valid and with invalid
arguments:

- ``subset (baseline)``: the hand-written subset validator trio-realtime used before (kept as
  ``benchmarks/_subset_validator.py``); it ignores ``$ref``, ``format``, ``not`` ..., so on
  ``refs`` it checks much less than the others;
- ``jsonschema``: ``Draft202012Validator.iter_errors`` (the library's cost alone);
- ``fastjsonschema``: a compiled validator (when installed). It implements drafts 4/6/7 only:
  it ignores ``prefixItems`` (our tuples) and stops at the first error;
- ``parse_arguments``: what a session runs per call: JSON decoding, ``jsonschema`` validation
  and, for invalid arguments, the messages for the model;
- ``bind``: converting validated arguments to dataclass / pydantic instances.

One-time costs per tool are reported too: ``Tool`` construction (schema generation, the
meta-schema check, validator compilation) the first time and again (the check is cached by
schema), and each library's own check/compile. ``ratio`` = time / the baseline's time in the
same run (below 1 means faster).

Usage: ``python benchmarks/bench_tools.py [--quick] [--repeats N] [--out PATH]``
"""

from __future__ import annotations

import dataclasses
import enum
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypedDict

from _util import measure, parse_args, print_table, ratio, single_core, write_json

CPUS = single_core()

import attrs  # noqa: E402
import orjson  # noqa: E402
from _subset_validator import validate as subset_validate  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from trio_realtime.tools import Tool, ToolArgumentsError, ToolContext  # noqa: E402
from trio_realtime.tools._validation import _schema_problem  # noqa: E402

try:
    import fastjsonschema
except ImportError:  # optional: `pip install fastjsonschema` to compare
    fastjsonschema = None
try:
    import pydantic
except ImportError:  # optional
    pydantic = None


class Units(enum.Enum):
    C = "c"
    F = "f"


@attrs.frozen
class Address:
    city: str
    zip: int | None = None


class Limits(TypedDict, total=False):
    max: float


def small(city: str, units: Literal["c", "f"] = "c") -> str:
    """Current weather."""
    return city


def wide(
    city: str,
    days: int = 1,
    units: Units = Units.C,
    where: Address | None = None,
    tags: list[str] | None = None,
    pair: tuple[int, str] | None = None,
    scores: dict[str, float] | None = None,
    mode: Literal["brief", "full"] = "brief",
    limits: Limits | None = None,
    flag: bool = False,
) -> str:
    """Current weather, with options."""
    return city


REFS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "$defs": {
        "address": {
            "type": "object",
            "properties": {
                "street": {"type": "string", "minLength": 1},
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
            },
            "required": ["street"],
        },
        "person": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "home": {"$ref": "#/$defs/address"},
            },
            "required": ["name"],
        },
    },
    "properties": {
        "owner": {"$ref": "#/$defs/person"},
        "friends": {"type": "array", "items": {"$ref": "#/$defs/person"}},
        "when": {"type": "string", "format": "date"},
    },
    "required": ["owner"],
    "additionalProperties": False,
}

CASES: dict[str, tuple[Callable[[], Tool], str, str]] = {
    "small": (
        lambda: Tool.from_callable(small),
        '{"city": "Oslo", "units": "f"}',
        '{"city": 3, "units": "k"}',
    ),
    "wide": (
        lambda: Tool.from_callable(wide),
        '{"city": "Oslo", "days": 2, "units": "f", "where": {"city": "a", "zip": null},'
        ' "tags": ["x", "y"], "pair": [1, "b"], "scores": {"x": 1.5}, "mode": "full",'
        ' "limits": {"max": 3}, "flag": true}',
        '{"days": "2", "where": {"zip": "x"}, "tags": [1], "pair": ["a", "b"], "extra": 1}',
    ),
    "refs": (
        lambda: Tool(name="ship", parameters=REFS_SCHEMA),
        '{"owner": {"name": "Ada", "email": "ada@example.org", "home": {"street": "Main 1",'
        ' "zip": "12345"}}, "friends": [{"name": "Alan"}, {"name": "Kurt"}], "when": "2025-05-01"}',
        '{"owner": {"email": "x", "home": {"street": ""}}, "friends": [{"name": 1}],'
        ' "when": "soon"}',
    ),
}


def per_call(fn: Callable[[], object], calls: int, repeats: int) -> float:
    """Median microseconds per call of *fn*, timed in batches of *calls*."""

    def batch() -> None:
        for _ in range(calls):
            fn()

    return measure(batch, repeats=repeats).median / calls * 1e6


def _all_errors(checker: Any, value: Any) -> list[Any]:
    return list(checker.iter_errors(value))


def _swallow(fn: Callable[[], object], *errors: type[BaseException]) -> Callable[[], object]:
    def run() -> object:
        try:
            return fn()
        except errors:
            return None

    return run


def bench_validation(calls: int, repeats: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, (make, good, bad) in CASES.items():
        tool = make()
        schema = dict(tool.parameters)
        checker = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        fast = fastjsonschema.compile(schema) if fastjsonschema is not None else None
        for validity, raw in (("valid", good), ("invalid", bad)):
            value = orjson.loads(raw)
            impls: dict[str, Callable[[], object]] = {
                "subset (baseline)": partial(subset_validate, value, schema),
                "jsonschema": partial(_all_errors, checker, value),
            }
            if fast is not None:
                impls["fastjsonschema"] = _swallow(
                    partial(fast, value), fastjsonschema.JsonSchemaException
                )
            impls["parse_arguments"] = _swallow(
                partial(tool.parse_arguments, raw), ToolArgumentsError
            )
            base = None
            for impl, fn in impls.items():
                us = per_call(fn, calls, repeats)
                base = us if base is None else base
                rows.append(
                    {
                        "case": f"{name} {validity}",
                        "impl": impl,
                        "us_per_call": us,
                        "ratio": ratio(us, base),
                    }
                )
    return rows


@dataclasses.dataclass
class Passenger:
    name: str
    age: int = 30


def bench_conversion(calls: int, repeats: int) -> list[dict[str, Any]]:
    class Flag:
        def is_set(self) -> bool:
            return False

        async def wait(self) -> None:
            raise NotImplementedError

    ctx = ToolContext(call_id="c", turn_id="r", name="book", interrupted=Flag())
    raw = '{"lead": {"name": "Ada", "age": 36}, "others": [{"name": "Alan"}, {"name": "Kurt"}]}'
    variants: dict[str, Any] = {"dataclass": Passenger}
    if pydantic is not None:
        variants["pydantic"] = pydantic.create_model(
            "PassengerModel", name=(str, ...), age=(int, 30)
        )
    rows: list[dict[str, Any]] = []
    for label, cls in variants.items():

        def book(lead: Any, others: Any) -> None:
            pass

        book.__annotations__ = {"lead": cls, "others": list[cls], "return": None}
        tool = Tool.from_callable(book)
        args = tool.parse_arguments(raw)
        rows.append(
            {
                "case": f"bind 3 {label} instances",
                "impl": "bind",
                "us_per_call": per_call(lambda t=tool, a=args: t.bind(a, ctx), calls, repeats),
                "ratio": None,
            }
        )
    return rows


def bench_construction(repeats: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, (make, _, _) in CASES.items():
        schema = dict(make().parameters)
        one_time: dict[str, Callable[[], object]] = {
            "Tool(...) first build": lambda m=make: (_schema_problem.cache_clear(), m()),
            "Tool(...) again (check cached)": make,
            "jsonschema check + compile": lambda s=schema: (
                Draft202012Validator.check_schema(s),
                Draft202012Validator(s),
            ),
        }
        if fastjsonschema is not None:
            one_time["fastjsonschema compile"] = lambda s=schema: fastjsonschema.compile(s)
        for impl, fn in one_time.items():
            rows.append(
                {
                    "case": f"construct {name}",
                    "impl": impl,
                    "us_per_call": per_call(fn, 5, repeats),
                    "ratio": None,
                }
            )
    return rows


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], default_out="benchmarks/results/tools.json")
    calls = 200 if args.quick else 2000
    rows = bench_validation(calls, args.repeats)
    rows += bench_conversion(calls, args.repeats)
    rows += bench_construction(args.repeats)
    print(f"tool argument validation on one core (CPUs {CPUS}), medians of {args.repeats} runs\n")
    print_table(rows, ["case", "impl", "us_per_call", "ratio"])
    out = write_json(
        args.out,
        {
            "benchmark": "tools",
            "unit": "microseconds per call (median of batches on one pinned core)",
            "quick": args.quick,
            "repeats": args.repeats,
            "libraries": {
                "jsonschema": _version("jsonschema"),
                "fastjsonschema": _version("fastjsonschema"),
                "pydantic": _version("pydantic"),
            },
            "results": rows,
        },
    )
    print(f"\nwrote {out}")


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
