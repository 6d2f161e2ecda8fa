"""Composition root: settings → database → services → window."""

from __future__ import annotations

import sys

from correspondence.database import open_database


def run_gui(db_url: str | None = None, username: str | None = None) -> int:
    """Open the database (creating it with demo data on first run) and show the window."""
    from correspondence.ui.application import run

    return run(lambda: open_database(db_url), username, _label)


def _label(url: str) -> str:
    if url.startswith("sqlite"):
        return url.rsplit("/", 1)[-1]
    return url.split("@")[-1]


def main() -> int:
    """Entry point of the `correspondence-desk` GUI script."""
    from correspondence.cli import main as cli_main

    return cli_main(["gui", *sys.argv[1:]])
