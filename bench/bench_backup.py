"""Backups at 100,000 cases: one command, one table.

    python bench/bench_backup.py [--cases N] [--db PATH] [--events-per-case K]

Generates N cases (default 100,000) with `bench_cases.generate` and K chained events per
case (default 3, written by `events.record_many`, so the hash chain is real), then measures
what a person at the desk would notice: the automatic daily copy made on start (online
backup API + `quick_check` of the copy, on a worker thread), `backup --out` with its full
checks (`integrity_check` and `audit verify`), the start-up check of the file (header and
length; `quick_check` for the window), and a restore. A database already holding N cases
is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_DB = ROOT / "bench" / "out" / "backup-100k.db"  # git-ignored


def _count(path: Path, table: str) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def add_events(path: Path, per_case: int) -> None:
    """K events per case, chained by the production code (`record_many`)."""
    from sqlalchemy import select

    from correspondence.database import open_database
    from correspondence.db.models import Case
    from correspondence.services import events

    db = open_database(f"sqlite:///{path}")
    try:
        with db.session_factory() as s:
            ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        for start in range(0, len(ids), 20_000):
            with db.session_factory.begin() as s:
                events.record_many(
                    s,
                    None,
                    (
                        {
                            "entity": "case",
                            "entity_id": cid,
                            "case_id": cid,
                            "action": "note",
                            "new_value": f"step {k}",
                        }
                        for cid in ids[start : start + 20_000]
                        for k in range(per_case)
                    ),
                )
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def timed(fn, runs: int = 3) -> tuple[float, object]:  # noqa: ANN001
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--events-per-case", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from bench_cases import generate

    from correspondence.db import health
    from correspondence.services.office import backup

    db: Path = args.db
    rows: list[tuple[str, str]] = []
    if _count(db, "cases") != args.cases:
        took = generate(db, args.cases)
        t = time.perf_counter()
        add_events(db, args.events_per_case)
        rows.append(("generate cases + events", f"{took:.0f} s + {time.perf_counter() - t:.0f} s"))
    size = db.stat().st_size
    n_events = _count(db, "events")
    rows.append(("database", f"{args.cases:,} cases, {n_events:,} events, {size / 1e6:.0f} MB"))

    with tempfile.TemporaryDirectory(dir=db.parent, prefix="tmp-backup-") as tmp:
        work = Path(tmp)
        day = dt.date(2026, 12, 4)

        def daily() -> object:
            shutil.rmtree(work / "backups", ignore_errors=True)
            return backup.daily_backup(f"sqlite:///{db}", today=day, folder=work / "backups")

        t, _ = timed(daily, args.runs)
        rows.append(("automatic daily copy (copy + quick_check), on a worker", f"{t:.2f} s"))
        t, _ = timed(lambda: backup.daily_backup(f"sqlite:///{db}", today=day,
                                                 folder=work / "backups"), args.runs)  # fmt: skip
        rows.append(("  … on a later start the same day (already made)", f"{t * 1000:.2f} ms"))
        t, _ = timed(lambda: backup.copy_sqlite(db, work / "plain.db", thorough=False,
                                                audit=False), args.runs)  # fmt: skip
        rows.append(("  of which: copy + quick_check alone", f"{t:.2f} s"))
        t, made = timed(lambda: backup.copy_sqlite(db, work / "full.db"), 1)
        rows.append(("backup --out (copy, integrity_check, audit verify)", f"{t:.2f} s"))
        t, _ = timed(lambda: backup.check_copy(work / "full.db", audit=False), 1)
        rows.append(("  of which: integrity_check", f"{t:.2f} s"))
        t, _ = timed(lambda: backup._audit(work / "full.db"), 1)
        rows.append((f"  of which: audit verify ({n_events:,} events)", f"{t:.2f} s"))
        t, _ = timed(lambda: health.file_problem(db, thorough=False), 20)
        rows.append(("start-up check, every command (header and length)", f"{t * 1000:.2f} ms"))
        t, _ = timed(lambda: health.file_problem(db, thorough=True), args.runs)
        rows.append(("start-up check, the window (+ quick_check)", f"{t:.2f} s"))
        target = work / "restored.db"
        shutil.copy(db, target)
        t, _ = timed(
            lambda: backup.restore(work / "full.db", f"sqlite:///{target}", "bench.officer"), 1
        )
        rows.append(("restore (check, copy, audit verify, record, swap)", f"{t:.2f} s"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  ------")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
