"""What does the event chain cost with 30 writers? `python bench/bench_event_writers.py`.

30 threads, each with its own PostgreSQL connection, append events at the same time,
one event per transaction (the worst case: every commit waits for the chain lock). The
chain must serialise appends, so what matters is how long each holds the lock.

Compared on a throwaway local cluster (tests/pg.py), or on `--db URL` (a database the
script may create tables in; it is emptied first):

- **client chain (0007)**: the app took the lock, read the newest hash, computed the
  next in Python and inserted it, as releases up to 0007 did;
- **server chain (0008)**: `events.record`; the trigger takes the lock and computes the
  hash on the server;
- **server chain, team set up**: as above once `server setup` has run, so the trigger
  also stamps who and when from the login.

Prints p50/p95 per append and appends per second. Threads share one Python process
(its GIL); the server work is what differs between the rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from correspondence.db import migrate  # noqa: E402
from correspondence.db.models import now_utc  # noqa: E402
from correspondence.db.session import normalise_url  # noqa: E402
from correspondence.services import events  # noqa: E402

WRITERS = 30


def _client_chain_append(conn) -> None:  # noqa: ANN001 - a SQLAlchemy connection
    """The 0007 way: lock, read the newest hash, hash in Python, insert."""
    conn.execute(text("SELECT pg_advisory_xact_lock(724001)"))
    prev = conn.execute(text("SELECT hash FROM events ORDER BY id DESC LIMIT 1")).scalar() or ""
    at = now_utc()
    row = {"at": at, "username": "bench", "entity": "case", "entity_id": 1, "case_id": None,
           "action": "note", "field": "", "old_value": "", "new_value": "x",
           "reason": ""}  # fmt: skip
    payload = json.dumps(
        [prev, at.isoformat(timespec="microseconds"), "bench", "case", 1, None, "note", "", "",
         "x", ""],
        ensure_ascii=False,
    )  # fmt: skip
    row |= {"prev_hash": prev, "hash": hashlib.sha256(payload.encode()).hexdigest()}
    conn.execute(
        text(
            "INSERT INTO events (at, username, on_behalf_of, entity, entity_id, case_id, action,"
            " field, old_value, new_value, reason, prev_hash, hash) VALUES (:at, :username, '',"
            " :entity, :entity_id, :case_id, :action, :field, :old_value, :new_value, :reason,"
            " :prev_hash, :hash)"
        ),
        row,
    )


def _server_chain_append(conn) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        events.record(s, None, "case", 1, "note", new="x")


BULK = 10_000


def _client_bulk(conn) -> None:  # noqa: ANN001
    """The 0007 record_many: hashes chained in Python, one executemany INSERT."""
    conn.execute(text("SELECT pg_advisory_xact_lock(724001)"))
    prev = conn.execute(text("SELECT hash FROM events ORDER BY id DESC LIMIT 1")).scalar() or ""
    out = []
    for i in range(BULK):
        at = now_utc()
        payload = json.dumps(
            [prev, at.isoformat(timespec="microseconds"), "bench", "case", i, None, "logged",
             "", "", "x", ""],
            ensure_ascii=False,
        )  # fmt: skip
        h = hashlib.sha256(payload.encode()).hexdigest()
        out.append({"at": at, "e": i, "p": prev, "h": h})
        prev = h
    conn.execute(
        text(
            "INSERT INTO events (at, username, on_behalf_of, entity, entity_id, action, field,"
            " old_value, new_value, reason, prev_hash, hash) VALUES (:at, 'bench', '', 'case',"
            " :e, 'logged', '', '', 'x', '', :p, :h)"
        ),
        out,
    )


def _server_bulk(conn) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        rows = ({"entity": "case", "entity_id": i, "action": "logged", "new_value": "x"}
                for i in range(BULK))  # fmt: skip
        events.record_many(s, None, rows)


def _bulk(engine: Engine, append: Callable) -> float:
    with engine.connect() as conn:
        t0 = time.perf_counter()
        with conn.begin():
            append(conn)
        return time.perf_counter() - t0


def _run(engine: Engine, append: Callable, per_writer: int) -> tuple[list[float], float]:
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer() -> None:
        mine = []
        with engine.connect() as conn:
            start.wait()
            for _ in range(per_writer):
                t0 = time.perf_counter()
                with conn.begin():
                    append(conn)
                mine.append(time.perf_counter() - t0)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - t0


def _fresh(url: str, revision: str) -> Engine:
    engine = create_engine(normalise_url(url), pool_size=WRITERS + 2)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate.upgrade(engine, revision)
    return engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="a PostgreSQL URL to use (emptied!) instead of a throwaway")
    ap.add_argument("--appends", type=int, default=40, help="appends per writer (default 40)")
    args = ap.parse_args()
    server = None
    url = args.db
    if url is None:
        from tests import pg

        server = pg.start_server()
        server.create_database("bench")
        url = server.url("bench")
    rows = []
    try:
        for label, revision, append, bulk, team in (
            ("client chain (0007)", "0007", _client_chain_append, _client_bulk, False),
            ("server chain (0008)", "head", _server_chain_append, _server_bulk, False),
            ("server chain, team set up", "head", _server_chain_append, _server_bulk, True),
        ):
            engine = _fresh(url, revision)
            if team:
                from correspondence.services.office.server_setup import setup

                setup(url)
            times, wall = _run(engine, append, args.appends)
            bulk_s = _bulk(engine, bulk)
            with engine.connect() as conn:
                with Session(bind=conn) as s:
                    intact = events.verify_chain(s) is None if revision == "head" else True
            engine.dispose()
            ms = sorted(t * 1000 for t in times)
            p95 = ms[int(len(ms) * 0.95) - 1]
            rows.append((label, statistics.median(ms), p95, len(ms) / wall, bulk_s, intact))
    finally:
        if server is not None:
            server.stop()
    print(f"{WRITERS} writers x {args.appends} appends, one event per transaction")
    print(f"then {BULK:,} events in one record_many (an import's bulk write)")
    head = f"{'chain':<28} {'p50 ms':>8} {'p95 ms':>8} {'appends/s':>10} {'bulk s':>7}  intact"
    print(head)
    for label, p50, p95, rate, bulk_s, intact in rows:
        print(
            f"{label:<28} {p50:>8.1f} {p95:>8.1f} {rate:>10.0f} {bulk_s:>7.2f}  "
            + ("yes" if intact else "NO")
        )


if __name__ == "__main__":
    main()
