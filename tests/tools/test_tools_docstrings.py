"""Tool descriptions and per-parameter descriptions from Google, NumPy and Sphinx docstrings."""

from typing import Any, NamedTuple

import pytest

from trio_realtime.tools import Tool
from trio_realtime.tools._docstrings import parse_docstring


def google(city: str, days: int = 1, *, units: str = "c") -> str:
    """Current weather for a city.

    Looks the forecast up in the cache
    first.

    Args:
        city (str): The city name,
            e.g. "Oslo".
        days: How many days
            ahead.
        units (str, optional): "c" or "f".

    Returns:
        str: The weather.

    Raises:
        ValueError: never.
    """
    return city


def numpy_style(city: str, days: int = 1, *, units: str = "c") -> str:
    """
    Current weather for a city.

    Parameters
    ----------
    city : str
        The city name,
        e.g. "Oslo".
    days : int, optional
        How many days ahead.
    units
        "c" or "f".

    Returns
    -------
    str
        The weather.
    """
    return city


def sphinx(city: str, days: int = 1, *, units: str = "c") -> str:
    """Current weather for a city.

    :param city: The city name,
        e.g. "Oslo".
    :param int days: How many days ahead.
    :type days: int
    :param units: "c" or "f".
    :returns: The weather.
    :rtype: str
    """
    return city


EXPECTED = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": 'The city name, e.g. "Oslo".'},
        "days": {"type": "integer", "description": "How many days ahead.", "default": 1},
        "units": {"type": "string", "description": '"c" or "f".', "default": "c"},
    },
    "required": ["city"],
    "additionalProperties": False,
}


@pytest.mark.parametrize("fn", [google, numpy_style, sphinx], ids=["google", "numpy", "sphinx"])
def test_docstring_styles(fn: Any) -> None:
    tool = Tool.from_callable(fn)
    assert tool.parameters == EXPECTED
    assert tool.description == "Current weather for a city."


def test_summary_is_first_paragraph_joined() -> None:
    def f() -> None:
        """First line
        continues here.

        Second paragraph.
        """

    assert Tool.from_callable(f).description == "First line continues here."


def test_no_docstring_gives_empty_description() -> None:
    def f(a: int) -> None:
        pass

    tool = Tool.from_callable(f)
    assert tool.description == ""
    assert tool.parameters["properties"] == {"a": {"type": "integer"}}


def _section_first() -> None:
    """Args:
    a: The a.
    b: The b.

    Returns:
        nothing: really.
    """


def _first_paragraph() -> None:
    """First line
    continues here.

    Second paragraph.
    """


class DocCase(NamedTuple):
    id: str
    doc: str | None
    summary: str
    params: dict[str, str]


P3 = {"city": 'The city name, e.g. "Oslo".', "days": "How many days ahead.", "units": '"c" or "f".'}

# The docstring corpus: what a parser must get from each docstring (summary and parameters).
# benchmarks/compare_docstrings.py runs other parsers on it.
CORPUS = [
    DocCase("google", google.__doc__, "Current weather for a city.", P3),
    DocCase("numpy", numpy_style.__doc__, "Current weather for a city.", P3),
    DocCase("sphinx", sphinx.__doc__, "Current weather for a city.", P3),
    DocCase("first paragraph joined", _first_paragraph.__doc__, "First line continues here.", {}),
    DocCase("google section first", "Args:\n    a: x\n", "", {"a": "x"}),
    DocCase("numpy section first", "Parameters\n----------\na : int\n    x\n", "", {"a": "x"}),
    DocCase("sphinx field first", ":param a: x\n", "", {"a": "x"}),
    DocCase(
        "section on the first line", _section_first.__doc__, "", {"a": "The a.", "b": "The b."}
    ),
    DocCase(
        "google variants",
        """Summary.

        Arguments:
            *args: Positional things.
            **kwargs: Keyword things.
            nested (dict[str, tuple(int)]): Has (parens): and colons.

        Keyword Args:
            flag: A flag.

        Attributes:
            attr: An attribute.
        """,
        "Summary.",
        {
            "args": "Positional things.",
            "kwargs": "Keyword things.",
            "nested": "Has (parens): and colons.",
            "flag": "A flag.",
            "attr": "An attribute.",
        },
    ),
    DocCase(
        "numpy names and sections",
        """Summary.

        Parameters
        ----------
        x, y : float
            Coordinates.
        z : int

        Other Parameters
        ----------------
        w : str
            Extra.

        Notes
        -----
        q : not a parameter
            Ignored.
        """,
        "Summary.",
        {"x": "Coordinates.", "y": "Coordinates.", "w": "Extra."},
    ),
    DocCase(
        "sphinx variants",
        """Summary.

        :param dict[str, int] mapping: A mapping.
        :keyword opt: An option.
        :ivar attr: An attribute.
        :raises ValueError: never.
        """,
        "Summary.",
        {"mapping": "A mapping.", "opt": "An option.", "attr": "An attribute."},
    ),
    DocCase("none", None, "", {}),
    DocCase("blank", "   \n  ", "", {}),
    DocCase("only a summary", "Only a summary.", "Only a summary.", {}),
]


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus(case: DocCase) -> None:
    parsed = parse_docstring(case.doc)
    assert (parsed.summary, parsed.params) == (case.summary, case.params)


def test_section_on_the_first_line_of_a_real_docstring() -> None:
    tool = Tool.from_callable(_section_first)
    assert tool.description == ""
    assert tool.parameters["properties"] == {}

    def f(a: int, b: int) -> None:
        """Args:
        a: The a.
        b: The b.
        """

    assert Tool.from_callable(f).parameters["properties"] == {
        "a": {"type": "integer", "description": "The a."},
        "b": {"type": "integer", "description": "The b."},
    }
