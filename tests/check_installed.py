"""Check an installed trio-realtime (``nox -s package`` runs it with a fresh venv's Python).

Run from outside the source tree, so that ``import trio_realtime`` finds the installed copy.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources

import trio_realtime

assert "site-packages" in trio_realtime.__file__, (
    f"not the installed copy: {trio_realtime.__file__}"
)
assert (importlib.resources.files("trio_realtime") / "py.typed").is_file(), "py.typed is missing"
version = importlib.metadata.version("trio-realtime")
assert version == trio_realtime.__version__, (version, trio_realtime.__version__)
print(f"trio-realtime {version} installed at {trio_realtime.__file__}")
