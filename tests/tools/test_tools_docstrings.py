"""Tool descriptions and per-parameter descriptions from Google, NumPy and Sphinx docstrings."""

from typing import Any

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


@pytest.mark.parametrize(
    "doc",
    [
        "Args:\n    a: x\n",
        "Parameters\n----------\na : int\n    x\n",
        ":param a: x\n",
    ],
)
def test_docstring_starting_with_a_section_has_no_summary(doc: str) -> None:
    parsed = parse_docstring(doc)
    assert parsed.summary == ""
    assert parsed.params == {"a": "x"}


def test_section_on_the_first_line_of_a_real_docstring() -> None:
    def f(a: int, b: int) -> None:
        """Args:
        a: The a.
        b: The b.

        Returns:
            nothing: really.
        """

    assert parse_docstring(f.__doc__).params == {"a": "The a.", "b": "The b."}
    tool = Tool.from_callable(f)
    assert tool.description == ""
    assert tool.parameters["properties"] == {
        "a": {"type": "integer", "description": "The a."},
        "b": {"type": "integer", "description": "The b."},
    }


def test_google_variants() -> None:
    doc = """Summary.

    Arguments:
        *args: Positional things.
        **kwargs: Keyword things.
        nested (dict[str, tuple(int)]): Has (parens): and colons.

    Keyword Args:
        flag: A flag.

    Attributes:
        attr: An attribute.
    """
    assert parse_docstring(doc).params == {
        "args": "Positional things.",
        "kwargs": "Keyword things.",
        "nested": "Has (parens): and colons.",
        "flag": "A flag.",
        "attr": "An attribute.",
    }


def test_numpy_multiple_names_and_sections() -> None:
    doc = """Summary.

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
    """
    assert parse_docstring(doc).params == {"x": "Coordinates.", "y": "Coordinates.", "w": "Extra."}


def test_sphinx_fields_variants() -> None:
    doc = """Summary.

    :param dict[str, int] mapping: A mapping.
    :keyword opt: An option.
    :ivar attr: An attribute.
    :raises ValueError: never.
    """
    assert parse_docstring(doc).params == {
        "mapping": "A mapping.",
        "opt": "An option.",
        "attr": "An attribute.",
    }


def test_empty_and_blank() -> None:
    assert parse_docstring(None).summary == ""
    assert parse_docstring("   \n  ").params == {}
    assert parse_docstring("Only a summary.").summary == "Only a summary."
