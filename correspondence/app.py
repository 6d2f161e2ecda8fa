"""Composition root: settings → database → services → window."""

from __future__ import annotations

import os


def run_gui(db_url: str | None = None, username: str | None = None) -> int:
    """Open the database and show the window. The default database is made, with the demo
    office, on a first run; a database the person named is made only if they say so."""
    from correspondence.db.session import ENV_DB, default_url, normalise_url
    from correspondence.ui.application import application, run
    from correspondence.ui.startup import prepare

    application()
    named = db_url is not None or bool(os.environ.get(ENV_DB))
    opening = prepare(normalise_url(db_url or default_url()), named=named)
    if opening is None:
        return 1
    return run(opening.opener, username, _label, demo_when_empty=opening.demo_when_empty)


def _label(url: str) -> str:
    if url.startswith("sqlite"):
        return url.rsplit("/", 1)[-1]
    return url.split("@")[-1]
