"""``python -m trio_realtime``: see :mod:`trio_realtime.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
