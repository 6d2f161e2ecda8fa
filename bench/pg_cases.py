"""The benchmark's cases loaded into PostgreSQL with COPY.

    python bench/pg_cases.py URL [--cases N] [--seed 2009]

The same data as `bench_cases.generate` makes for SQLite (the same random draws in the
same order, so case 7 of either holds the same letter), loaded into a database that
the application's own migrations built (`open_database`, as `correspondence init`
does): never `create_all`, never triggers switched off. Each batch of cases goes in
one transaction of three COPYs (cases, constituents, case_themes) with the per-row
search triggers deferred (`SET LOCAL correspondence.search_deferred`, migration 0013);
two more connections build the committed batches' search documents, each batch with one
`case_search_refresh`, while the next batches are being copied, so generating, copying
and indexing share the cores. Every other trigger fires for COPY as for INSERT, so
columns the schema fills itself (sort keys kept by triggers) come out right; the
COPY names only the columns the generator knows.

Afterwards the serial sequences are moved past the ids used, the reference counters
set, and the tables vacuumed and analysed (a fresh load has no visibility map, so
index-only scans would still read the table until autovacuum came by).
"""

from __future__ import annotations

import argparse
import datetime as dt
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cases as bc  # noqa: E402 - the letters, names and rates of the SQLite generator

BATCH = 20_000
DEFERRED = "SET LOCAL correspondence.search_deferred = 'on'"
REFRESH = "SELECT case_search_refresh(ARRAY(SELECT generate_series(%s::integer, %s::integer)))"

# Columns the generator fills, in the order of its rows; the schema fills the rest
# (server defaults, or triggers such as sort keys kept on the case).
CASE_COLUMNS = (
    "id", "reference", "ref_year", "ref_sequence", "office_code", "direction", "channel",
    "received_on", "logged_at", "due_on", "status", "reply_type_code", "priority", "summary",
    "letter_text", "correspondent_id", "team_id", "campaign_id", "transfer_to",
    "transfer_reason", "no_reply_reason", "signature_method", "dispatch_channel",
    "is_acknowledgement", "version", "updated_at",
)  # fmt: skip
CONSTITUENT_COLUMNS = (
    "case_id", "title", "first_name", "last_name", "address", "postcode", "email",
)  # fmt: skip
THEME_COLUMNS = ("case_id", "theme_id", "source")
CORRESPONDENT_COLUMNS = (
    "id", "kind", "title", "first_name", "last_name", "honorific", "peerage", "peerage_full",
    "post_nominals", "organisation", "job_title", "constituency", "party", "address",
    "postcode", "email", "phone", "salutation_override", "display_name", "on_stop_list",
    "stop_list_reason", "version", "updated_at",
)  # fmt: skip
# Tables given explicit ids here, whose sequences must then be moved on.
SERIAL_TABLES = ("teams", "users", "campaigns", "correspondents", "cases")


def conninfo(url: str) -> str:
    """A libpq URL from the application's (`postgresql+psycopg://` → `postgresql://`)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


@dataclass
class Loaded:
    """What a database holds: its cases, their search documents, and its size."""

    cases: int
    documents: int
    size_mb: float


def inspect(url: str) -> Loaded | None:
    """What the database at `url` holds; None when it has no schema yet."""
    with psycopg.connect(conninfo(url)) as conn:
        if conn.execute("SELECT to_regclass('cases')").fetchone() == (None,):
            return None
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]  # type: ignore[index]
        docs = conn.execute("SELECT count(*) FROM case_search").fetchone()[0]  # type: ignore[index]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    return Loaded(cases, docs, size / 1e6)


# --- the generated rows ------------------------------------------------------------------


@dataclass
class Ids:
    """Where the generator's 1-based ids start in this database (0 on a fresh one)."""

    team: int
    campaign: int
    correspondent: int
    case: int
    user: int
    themes: list[int] = field(default_factory=list)


@dataclass
class Batch:
    first: int  # database ids of its first and last case
    last: int
    people: list[tuple[Any, ...]] = field(default_factory=list)
    themes: list[tuple[Any, ...]] = field(default_factory=list)


class Generator:
    """`bench_cases.generate`'s rows, drawn in its order (the same seed gives the same data)."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.now = dt.datetime(2026, 11, 23, 9, 0).isoformat(sep=" ")
        # Drawn first, as the SQLite generator does.
        self.campaign_orgs = [self.rng.choice(bc.ORGS) for _ in range(20)]
        self.correspondents = bc._correspondents(self.rng)
        self.writer = bc.LetterWriter(self.rng)
        self.seq_by_year: dict[int, int] = {}

    def correspondent_rows(self, ids: Ids) -> Iterator[tuple[Any, ...]]:
        for k, (kind, title, first, last, post, org, constituency, name) in enumerate(
            self.correspondents, start=1
        ):
            yield (
                ids.correspondent + k, kind, title, first, last, "", "", "", post, org, "",
                constituency, "", "", "", "", "", "", name, False, "", 1, self.now,
            )  # fmt: skip

    def cases(
        self, ids: Ids, reply_codes: list[str], batch: int
    ) -> Iterator[tuple[Batch, Iterator[tuple[Any, ...]]]]:
        """Batches of cases: each a Batch (filled with its constituents and themes as its
        case rows are drawn) and the case rows themselves, to be consumed in order."""
        for lo in range(1, self.n + 1, batch):
            hi = min(self.n, lo + batch - 1)
            b = Batch(ids.case + lo, ids.case + hi)
            yield b, self._case_rows(ids, reply_codes, lo, hi, b)

    def _case_rows(
        self, ids: Ids, reply_codes: list[str], lo: int, hi: int, b: Batch
    ) -> Iterator[tuple[Any, ...]]:
        rng, n = self.rng, self.n
        first_day = dt.date(2009, 1, 5)
        span = (dt.date(2026, 11, 20) - first_day).days
        today = dt.date(2026, 11, 23)
        kinds = [c[0] for c in self.correspondents]
        for i in range(lo, hi + 1):
            day = first_day + dt.timedelta(
                days=min(span, max(0, int(span * i / n + rng.gauss(0, 20))))
            )
            seq = self.seq_by_year[day.year] = self.seq_by_year.get(day.year, 0) + 1
            status = bc._status(rng, (today - day).days)
            cid = bc._pick_correspondent(rng)
            summary, text = self.writer.letter(i)
            case_id = ids.case + i
            yield (
                case_id,
                f"{day.year}/{seq:07d}POSoS",
                day.year,
                seq,
                "POSoS",
                "incoming",
                rng.choice(("post", "email", "email", "email")),
                day.isoformat(),
                f"{day.isoformat()} 10:00:00.000000",
                (day + dt.timedelta(days=28)).isoformat(),
                status,
                reply_codes[i % len(reply_codes)],
                "urgent" if rng.random() < 0.02 else "normal",
                summary,
                text,
                ids.correspondent + cid,
                ids.team + rng.randint(1, 12),
                ids.campaign + rng.randint(1, 20) if rng.random() < 0.05 else None,
                "", "", "", "", "", False, 1, self.now,
            )  # fmt: skip
            if kinds[cid - 1] == "mp" and rng.random() < 0.8:
                for _ in range(rng.choice((1, 1, 1, 2, 3))):
                    title = rng.choice(("Mr", "Mrs", "Ms", "Dr", ""))
                    b.people.append((case_id, title, *bc._person(rng), "", "", ""))
            for theme in rng.sample(ids.themes, rng.choice((1, 1, 2))):
                b.themes.append((case_id, theme, "officer"))


# --- loading -------------------------------------------------------------------------------


def _copy(cur: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], rows: Any) -> None:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)


def _scalar(conn: psycopg.Connection[Any], query: str) -> Any:
    return conn.execute(query).fetchone()[0]  # type: ignore[index]


def _start_ids(conn: psycopg.Connection[Any]) -> Ids:
    def top(table: str) -> int:
        return int(_scalar(conn, f"SELECT coalesce(max(id), 0) FROM {table}"))

    ids = Ids(top("teams"), top("campaigns"), top("correspondents"), top("cases"), top("users"))
    # In the order SQLite gives them to the generator there (its index on code).
    ids.themes = [r[0] for r in conn.execute('SELECT id FROM themes ORDER BY code COLLATE "C"')]
    return ids


def _reference_rows(conn: psycopg.Connection[Any], gen: Generator, ids: Ids) -> None:
    """Teams, the benchmark's officer, campaigns and correspondents."""
    now = gen.now
    with conn.transaction(), conn.cursor() as cur:
        _copy(
            cur,
            "teams",
            ("id", "code", "name", "mailbox", "active", "version", "updated_at"),
            (
                (ids.team + i, f"T{ids.team + i}", f"Policy team {i}", "", True, 1, now)
                for i in range(1, 13)
            ),
        )
        uid = ids.user + 1
        cur.execute(
            "INSERT INTO users (id, username, display_name, email, active, version, updated_at)"
            " VALUES (%s, %s, 'Bench Officer', '', true, 1, %s)"
            " ON CONFLICT (username) DO NOTHING",
            (uid, bc.USERNAME, now),
        )
        cur.execute(
            "INSERT INTO user_roles (user_id, role)"
            " SELECT id, r FROM users, unnest(ARRAY['officer', 'admin']) AS r"
            " WHERE username = %s ON CONFLICT DO NOTHING",
            (bc.USERNAME,),
        )
        _copy(
            cur,
            "campaigns",
            ("id", "name", "organisation", "canonical_text", "status", "created_at", "version",
             "updated_at"),
            (
                (ids.campaign + i, f"Campaign {i}", org, "", "confirmed", now, 1, now)
                for i, org in enumerate(gen.campaign_orgs, start=1)
            ),
        )  # fmt: skip
        _copy(cur, "correspondents", CORRESPONDENT_COLUMNS, gen.correspondent_rows(ids))


class Indexer(threading.Thread):
    """Builds the search documents of committed batches on a connection of its own."""

    def __init__(self, url: str, todo: queue.Queue[tuple[int, int] | None]) -> None:
        super().__init__(name="search-index", daemon=True)
        self.url = url
        self.todo = todo
        self.busy_s = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(conninfo(self.url), autocommit=True) as conn:
                while (item := self.todo.get()) is not None:
                    t0 = time.perf_counter()
                    conn.execute(REFRESH, item)
                    self.busy_s += time.perf_counter() - t0
        except BaseException as exc:  # reported by the loader, which waits for this thread
            self.error = exc


def load(
    url: str,
    n: int,
    seed: int = 2009,
    batch: int = BATCH,
    jobs: int = 2,
    per_row: bool = False,
    say: Callable[[str], None] = lambda _line: None,
) -> dict[str, float]:
    """Migrate the (empty) database at `url` and load `n` cases; returns seconds per step.

    `jobs` connections build search documents side by side (each batch on one of them).
    `per_row` leaves the search triggers on instead (one document per inserted row, as
    before migration 0013): for comparison only."""
    from correspondence.database import open_database
    from correspondence.services.office.defaults import REPLY_TYPES

    took: dict[str, float] = {}
    t0 = time.perf_counter()
    open_database(url).close()  # the real migrations and reference data, as `init` does
    took["migrate"] = time.perf_counter() - t0
    reply_codes = [code for code, *_ in REPLY_TYPES if code in ("ministerial", "official")]
    gen = Generator(n, seed)
    # Autocommit: each `transaction()` below is a real transaction (a batch), not a savepoint.
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        if have := _scalar(conn, "SELECT count(*) FROM cases"):
            raise SystemExit(
                f"{_safe(url)} already holds {have:,} cases: give it --cases {have} to measure "
                "it as it is, or an empty database to load"
            )
        ids = _start_ids(conn)
        t1 = time.perf_counter()
        _reference_rows(conn, gen, ids)
        took["teams, campaigns, correspondents"] = time.perf_counter() - t1

        t1 = time.perf_counter()
        todo: queue.Queue[tuple[int, int] | None] = queue.Queue()
        indexers = [] if per_row else [Indexer(url, todo) for _ in range(max(1, jobs))]
        for indexer in indexers:
            indexer.start()
        try:
            for b, rows in gen.cases(ids, reply_codes, batch):
                with conn.transaction(), conn.cursor() as cur:
                    if not per_row:
                        cur.execute(DEFERRED)
                    _copy(cur, "cases", CASE_COLUMNS, rows)
                    _copy(cur, "constituents", CONSTITUENT_COLUMNS, b.people)
                    _copy(cur, "case_themes", THEME_COLUMNS, b.themes)
                todo.put((b.first, b.last))
                if any(i.error for i in indexers):
                    break
                done = b.last - ids.case
                if done % 100_000 == 0 or done == n:
                    say(f"  {done:,} cases copied, {time.perf_counter() - t1:.0f} s")
        finally:
            for _ in indexers:
                todo.put(None)
            for indexer in indexers:
                indexer.join()
        for indexer in indexers:
            if indexer.error is not None:
                raise indexer.error
        took["cases (COPY, search index alongside)"] = time.perf_counter() - t1
        took["… search documents, busy time summed over connections"] = sum(
            i.busy_s for i in indexers
        )

        t1 = time.perf_counter()
        with conn.transaction():
            conn.cursor().executemany(
                "INSERT INTO reference_counters (year, last_sequence) VALUES (%s, %s)"
                " ON CONFLICT (year) DO UPDATE SET last_sequence ="
                " greatest(reference_counters.last_sequence, EXCLUDED.last_sequence)",
                sorted(gen.seq_by_year.items()),
            )
            for table in SERIAL_TABLES:
                conn.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({t}, 'id'),"
                        " (SELECT max(id) FROM {i}))"
                    ).format(t=sql.Literal(table), i=sql.Identifier(table))
                )
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("VACUUM (ANALYZE)")
        took["sequences, counters, VACUUM ANALYZE"] = time.perf_counter() - t1
    took["total"] = time.perf_counter() - t0
    return took


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"


def ensure_database(url: str) -> None:
    """Create the database named in `url` if the server has none by that name."""
    try:
        psycopg.connect(conninfo(url)).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    base, _, name = conninfo(url).rpartition("/")
    name = name.split("?", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def case_count(url: str) -> int:
    """The cases in the database at `url`; 0 when it has none, no schema, or is missing."""
    try:
        found = inspect(url)
    except psycopg.OperationalError:
        return 0
    return found.cases if found else 0


def prepare(url: str, n: int) -> tuple[str, float]:
    """Reuse the database at `url` if it holds `n` indexed cases, else make it and load
    them: (the time the load took, or "reused"; its size in MB)."""
    ensure_database(url)
    found = inspect(url)
    if found and found.cases and found.documents != found.cases:
        raise SystemExit(
            f"{_safe(url)} holds {found.cases:,} cases but {found.documents:,} search documents "
            "(a load stopped half-way?): give an empty database"
        )
    if found and found.cases == n:
        print(f"reusing {_safe(url)} ({n:,} cases)")
        return "reused", found.size_mb
    print(f"loading {n:,} cases into {_safe(url)} with COPY ...", flush=True)
    took = load(url, n, say=lambda line: print(line, flush=True))
    for step, seconds in took.items():
        print(f"  {step}: {seconds:.1f} s")
    after = inspect(url)
    return f"{took['total']:.1f} s", after.size_mb if after else 0.0


@contextmanager
def throwaway_server() -> Iterator[str]:
    """A PostgreSQL cluster of our own on loopback (the tests' tests/pg.py), with an empty
    database for the benchmark; the URL of that database. Stopped and removed after."""
    from tests import pg

    server = pg.start_server()
    try:
        server.create_database("bench_cases")
        yield server.url("bench_cases")
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("url", help="postgresql://user@host[:port]/database (made if missing)")
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2009)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--jobs", type=int, default=2, help="connections building search documents")
    ap.add_argument(
        "--per-row-search",
        action="store_true",
        help="leave the per-row search triggers on (the way before batches, for comparison)",
    )
    args = ap.parse_args()
    if not is_postgres(args.url):
        raise SystemExit(f"{args.url}: not a postgresql:// URL")
    ensure_database(args.url)
    took = load(
        args.url,
        args.cases,
        args.seed,
        args.batch,
        args.jobs,
        args.per_row_search,
        say=lambda s: print(s, flush=True),
    )
    for step, s in took.items():
        print(f"{step:<40} {s:8.1f} s")


if __name__ == "__main__":
    main()
