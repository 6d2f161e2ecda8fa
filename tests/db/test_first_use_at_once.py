"""Many at once never fails: eight people whose first command starts at the same instant.

On SQLite they are new people (each gets a user row on first use, created race-free); on
PostgreSQL they were added by an administrator with a login each, and each connects as
that login with only the grants the README's team section gives `desk_users`.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from pathlib import Path

import pytest
from sqlalchemy import func, select

from correspondence.database import open_database
from correspondence.db.models import Case, User, user_roles
from correspondence.services.actors import Role, actor_for
from tests.db.concurrent_logging import first_command
from tests.pg import PgServer

PEOPLE = 8


def _letters(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for n in range(PEOPLE):
        path = folder / f"letter-{n}.txt"
        path.write_text(
            f"Dear Minister,\n\nI write about school place number {n * 7919} in my town.\n\n"
            f"Yours sincerely,\nRowan Example{n}\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def _run_together(commands: list[list[str]]) -> list[tuple[str, int, str]]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(commands))
    results = ctx.Queue()
    procs = [ctx.Process(target=first_command, args=(c, barrier, results)) for c in commands]
    for p in procs:
        p.start()
    outcomes: list[tuple[str, int, str]] = []
    try:
        for _ in procs:
            outcomes.append(results.get(timeout=300))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {len(commands)} commands finished")
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    return outcomes


def test_eight_new_people_import_at_once_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    open_database(url).close()  # the schema; no users yet
    letters = _letters(tmp_path / "letters")
    outcomes = _run_together(
        [
            ["import", str(letter), "--json", "--db", url, "--user", f"new.person{n}"]
            for n, letter in enumerate(letters)
        ]
    )
    assert [o for o in outcomes if o[0] != "ok"] == []
    db = open_database(url)
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Case.id))) == PEOPLE
        assert s.scalar(select(func.count(User.id))) == PEOPLE
        admins = s.scalar(select(func.count()).where(user_roles.c.role == Role.ADMIN.value))
    db.close()
    assert admins == 1  # the very first user of the file, whoever won the race


@pytest.mark.postgres
def test_eight_added_people_import_at_once_on_postgresql(
    pg_server: PgServer, pg_database: str, tmp_path: Path
) -> None:
    dbname = pg_database.rsplit("/", 1)[1]
    setup = open_database(pg_database)
    urls = []
    with setup.session_factory.begin() as s:
        actor_for(s, "office.admin")  # the first user: the admin, not one of the eight
        for n in range(PEOPLE):
            user = User(username=f"officer.{n}", display_name=f"Officer {n}", db_login=f"desk{n}")
            s.add(user)
            s.flush()
            s.execute(user_roles.insert(), [{"user_id": user.id, "role": Role.OFFICER.value}])
    for n in range(PEOPLE):
        urls.append(pg_server.create_login(f"desk{n}", dbname))
    setup.close()
    letters = _letters(tmp_path / "letters")
    outcomes = _run_together(
        [
            ["import", str(letter), "--json", "--db", url]
            for letter, url in zip(letters, urls, strict=True)
        ]
    )
    assert [o for o in outcomes if o[0] != "ok"] == []
    db = open_database(pg_database)
    with db.session_factory() as s:
        assert s.scalar(select(func.count(Case.id))) == PEOPLE
        assert s.scalar(select(func.count(User.id))) == PEOPLE + 1  # nobody joined by connecting
    db.close()
