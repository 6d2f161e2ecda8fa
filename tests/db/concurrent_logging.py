"""The body of one concurrent writer, in an importable module so `spawn` can run it."""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

from correspondence.database import open_database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


def log_cases(url: str, username: str, count: int, barrier: Any, results: Any) -> None:
    """Log `count` cases as `username`; put ("ok", references) or ("error", traceback)."""
    try:
        db = open_database(url, upgrade=False)
        desk = Desk(acting_as(db.session_factory, username), clock=lambda: TODAY)
        barrier.wait(timeout=120)  # every writer starts together, to really contend
        refs = [
            desk.log_case(
                NewCase(
                    received_on=TODAY,
                    new_correspondent=NewCorrespondent(
                        kind=CorrespondentKind.PUBLIC,
                        title="Ms",
                        first_name="Iris",
                        last_name=f"Quill{i}",
                    ),
                    summary=f"Letter {i} logged by {username}",
                )
            )
            for i in range(count)
        ]
        db.close()
        results.put(("ok", refs))
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put(("error", f"{username}: {traceback.format_exc()}"))


def first_command(argv: list[str], barrier: Any, results: Any) -> None:
    """Run one `correspondence` command the moment every process is ready; put
    ("ok"|"error", exit code, what it printed to stderr)."""
    import contextlib
    import io

    from correspondence import cli

    err = io.StringIO()
    try:
        barrier.wait(timeout=120)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(argv)
        results.put(("ok" if code == 0 else "error", code, err.getvalue()))
    except BaseException:  # noqa: BLE001 - a raw traceback is the failure being tested for
        results.put(("error", -1, err.getvalue() + traceback.format_exc()))
