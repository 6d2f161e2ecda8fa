"""The bundle's entry script: run the pyproject entry point named after this executable.

One analysis serves both executables: `correspondence-desk` finds its gui-script, and
`correspondence` (or any other name) the command line, which opens the window when it is
given no arguments. The entry points come from the package metadata the spec copies in.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path


def main() -> int:
    name = Path(sys.executable).stem
    for group in ("gui_scripts", "console_scripts"):
        for entry in metadata.entry_points(group=group, name=name):
            return entry.load()()
    from correspondence.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    # Campaign export runs worker processes ("spawn"); in a frozen bundle they re-enter here.
    import multiprocessing

    multiprocessing.freeze_support()
    raise SystemExit(main())
