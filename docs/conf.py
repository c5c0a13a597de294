"""Sphinx configuration of the documentation site: ``nox -s docs`` builds it into docs/_build/html.

Pages are Markdown (MyST), the API reference comes from the docstrings (autodoc, with
sphinxcontrib-trio for async functions and context managers), and links to trio's documentation
resolve offline through the inventory in ``_inventories/trio.txt`` (see docs/contributing.md).
"""

from __future__ import annotations

import pathlib
import re
import zlib

from sphinx.application import Sphinx
from sphinx.ext.napoleon import Config as NapoleonConfig
from sphinx.ext.napoleon.docstring import GoogleDocstring

import trio_realtime

HERE = pathlib.Path(__file__).resolve().parent

project = "trio-realtime"
author = "trio-realtime developers"
copyright = "trio-realtime developers"
release = trio_realtime.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinxcontrib_trio",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "_inventories", "README.md"]
root_doc = "index"

# Pages other branches are writing: listed in the navigation, left out until they exist.
PENDING_PAGES: set[str] = set()

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

nitpicky = True  # every cross-reference must resolve (with -W: or the build fails)
nitpick_ignore_regex = [
    # Names outside trio and trio-realtime are shown as text, not linked: we keep no inventory
    # for the standard library, numpy or attrs (the build is offline).
    (r"py:.*", r"(typing|typing_extensions|collections\.abc|contextlib|enum|ssl|os|pathlib)\..*"),
    (r"py:.*", r"(numpy|np)\..*"),
    (r"py:.*", r"(attrs|attr|cattrs)\..*"),
    (r"py:class", r"(NDArray|Any|Literal|TypeAlias|Self|ParamSpec|P|T|T_co|Path|JSON)"),
    # A type alias, documented as data in the protocol reference (annotations look for a class).
    (r"py:class", r"Decoded"),
    # Instance attributes that class docstrings name but autodoc cannot list.
    (r"py:attr", r"frame_bytes|dropped_ms|underruns|underrun_ms|pcm"),
    # Private modules (trio_realtime.x._y.Name) that appear in signatures, and type aliases
    # that annotations look up as classes.
    (r"py:.*", r"trio_realtime(\.\w+)*\._\w+\..*"),
    (r"py:.*", r"~?\.?_\w+(\.\w+)*"),  # relative references to private modules
    (r"py:class", r"Messages?|InterruptFlag|FrameVad|trio_realtime\.config\.ToolSource"),
    # Type aliases of the configuration and the local server, and httpx (no inventory).
    (r"py:class", r"ToolSource|ReasoningEffort|TruncationSetting|ApprovalPolicy"),
    (r"py:class", r"(trio_realtime\.server\.config\.)?ResponseConfig"),
    (r"py:class", r"httpx\..*"),
    (r"py:data", r"trio_realtime\.server\.(synth\.Voice|vad\.VadFactory)"),
    (r"py:class", r"functools\.partial|random\.Random"),
    (r"py:attr", r"is_async"),
    # Private helpers that appear in signatures.
    (
        r"py:class",
        r"trio_realtime\.transport\._target\.Target|trio_realtime\.audio\.devices\._Clear",
    ),
]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autoclass_content = "class"

html_theme = "furo"
html_title = f"trio-realtime {release}"
html_static_path: list[str] = []
pygments_style = "friendly"
pygments_dark_style = "monokai"


def _trio_inventory() -> str:
    """Compress the plain-text inventory ``_inventories/trio.txt`` into an ``objects.inv``."""
    text = (HERE / "_inventories" / "trio.txt").read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    body = "".join(line + "\n" for line in text.splitlines() if line and line[0] != "#")
    out = HERE / "_build" / "inventories" / "trio.inv"
    out.parent.mkdir(parents=True, exist_ok=True)
    header += "# The remainder of this file is compressed using zlib.\n"
    out.write_bytes(header.encode() + zlib.compress(body.encode()))
    return str(out)


intersphinx_mapping = {"trio": ("https://trio.readthedocs.io/en/stable/", _trio_inventory())}


GOOGLE_SECTION = re.compile(r"^\s*(Args|Arguments|Attributes|Returns|Raises|Yields):\s*$")


def _google_sections(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Render Google-style sections (``Args:``, ``Attributes:`` ...) where a docstring has them.

    Napoleon, applied only there: as an extension it would also read every property docstring
    of the form "Text: more text" as "type: description".
    """
    if any(GOOGLE_SECTION.match(line) for line in lines):
        config = NapoleonConfig(napoleon_use_rtype=False, napoleon_use_ivar=True)
        parsed = GoogleDocstring(lines, config, app, what, name, obj, options)  # type: ignore[arg-type]
        lines[:] = parsed.lines()


def _hide_pending_pages(app: Sphinx, docname: str, source: list[str]) -> None:
    """Drop the navigation entries of pending pages that have not landed yet."""
    if docname != root_doc:
        return
    missing = {page for page in PENDING_PAGES if not (HERE / f"{page}.md").exists()}
    lines = source[0].splitlines(keepends=True)
    source[0] = "".join(line for line in lines if line.strip() not in missing)


def setup(app: Sphinx) -> None:
    app.connect("source-read", _hide_pending_pages)
    app.connect("autodoc-process-docstring", _google_sections)
