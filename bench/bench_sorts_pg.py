"""Every sort of the case list on PostgreSQL: `python bench/bench_sorts_pg.py [--cases N]`.

Starts a throwaway PostgreSQL cluster on loopback (tests/pg.py), migrates a database with
the app's own migrations, generates N cases (default 100,000) on the server in a few
statements with the triggers on (so whatever the schema keeps per case is kept, as for any
writer) and the search index filled in batches (migration 0013), then times the first page
of each sort, each way, alone, with a search and with a status filter, and the status-bar
counts, through the same service the window calls. One table, median of 5 after a warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import pg as pg_temp  # noqa: E402

WORDS = (
    "children school safeguarding social workers inspection transport review smacking "
    "health visitors funding court fees vetting barring police online adoption"
).split()
FIRST = ["amira", "Ben", "chloe", "Dev", "Eilidh", "femi", "Grace", "harry", "Imogen", "Jonah"]
LAST = ["Abbot", "brennan", "Castell", "dunmore", "Ellery", "Fairburn", "gaskell", "Hollins"]


def generate(conn: Any, n: int) -> float:
    t0 = time.perf_counter()
    first = "ARRAY[" + ",".join(f"'{w}'" for w in FIRST) + "]"
    last = "ARRAY[" + ",".join(f"'{w}'" for w in LAST) + "]"
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    with conn.transaction():
        conn.execute(
            "INSERT INTO teams (code, name, mailbox, active, version, updated_at) "
            "SELECT 'T' || g, (ARRAY['policy','Schools','adoption','Youth'])[1 + g % 4]"
            " || ' team ' || g, '', true, 1, now() FROM generate_series(1, 12) g"
        )
        conn.execute(
            "INSERT INTO campaigns (name, organisation, canonical_text, status, created_at,"
            " version, updated_at) SELECT 'Campaign ' || g, 'Group ' || g, '', 'confirmed',"
            " now(), 1, now() FROM generate_series(1, 20) g"
        )
        conn.execute(
            f"""
            INSERT INTO correspondents (kind, title, first_name, last_name, honorific, peerage,
                peerage_full, post_nominals, organisation, job_title, constituency, party,
                address, postcode, email, phone, salutation_override, display_name,
                on_stop_list, stop_list_reason, version, updated_at)
            SELECT 'public', 'Ms', f, l, '', '', '', '', '', '', '', '', '', '', '', '', '',
                f || ' ' || l || ' ' || g, false, '', 1, now()
            FROM generate_series(1, 5000) g,
                LATERAL (SELECT ({first})[1 + g % {len(FIRST)}] AS f,
                                ({last})[1 + (g * 7) % {len(LAST)}] AS l) AS x
            """
        )
        conn.execute("SET LOCAL correspondence.search_deferred = 'on'")
        conn.execute(
            f"""
            INSERT INTO cases (reference, ref_year, ref_sequence, office_code, direction,
                channel, received_on, logged_at, due_on, status, reply_type_code, priority,
                summary, subject_phrase, letter_text, correspondent_id, team_id, campaign_id,
                transfer_to, transfer_reason, no_reply_reason, signature_method,
                dispatch_channel, is_acknowledgement, reply_channel, reply_email, version,
                updated_at)
            SELECT '2020/' || lpad(g::text, 7, '0') || 'POSoS', 2020, g, 'POSoS', 'incoming',
                'post', date '2009-01-01' + (g * 6000 / {n}), now(),
                date '2009-01-29' + (g * 6000 / {n}),
                CASE WHEN g % 40 = 0 THEN 'logged' WHEN g % 40 = 1 THEN 'triaged'
                     WHEN g % 40 = 2 THEN 'drafting' ELSE 'dispatched' END,
                'ministerial', 'normal', 'Letter about ' || w1, '',
                'I write about ' || w1 || ' and ' || w2 || '.'
                    || CASE WHEN g % 2 = 0 THEN ' The children deserve better.' ELSE '' END,
                1 + (g * 7919) % 5000, 1 + g % 12,
                CASE WHEN g % 20 = 0 THEN 1 + (g / 20) % 20 END,
                '', '', '', '', '', false, 'letter', '', 1, now()
            FROM generate_series(1, {n}) AS g,
                LATERAL (SELECT ({words})[1 + (g * 7) % {len(WORDS)}] AS w1,
                                ({words})[1 + (g * 13) % {len(WORDS)}] AS w2) AS w
            """
        )
    ids = [r[0] for r in conn.execute("SELECT id FROM cases ORDER BY id")]
    for i in range(0, len(ids), 20_000):
        conn.execute("SELECT case_search_refresh(%s)", (ids[i : i + 20_000],))
    conn.execute("ANALYZE")
    return time.perf_counter() - t0


def timed(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def measure(url: str) -> list[tuple[str, float, str]]:
    from correspondence.database import open_database
    from correspondence.services.cases.case_list import CaseFilter, SortKey
    from correspondence.services.desk import Desk
    from correspondence.services.unit_of_work import acting_as

    db = open_database(url)
    desk = Desk(acting_as(db.session_factory, "bench.officer"), clock=lambda: dt.date(2026, 1, 5))
    rows: list[tuple[str, float, str]] = []
    for sort in (SortKey.RECEIVED, SortKey.CORRESPONDENT, SortKey.TEAM, SortKey.CAMPAIGN,
                 SortKey.STATUS):  # fmt: skip
        for descending in (False, True):
            way = "down" if descending else "up"
            for what, flt in (
                ("list", CaseFilter()),
                ("search 'children'", CaseFilter(search="children")),
                ("status open", CaseFilter(status="open")),
                ("'children' + status open", CaseFilter(search="children", status="open")),
            ):
                ms, page = timed(
                    lambda flt=flt, sort=sort, descending=descending: desk.list_page(
                        flt, sort=sort, descending=descending
                    )
                )
                rows.append((f"{what}, by {sort.value} {way}", ms, f"{len(page.rows)} rows"))
    for what, flt in (
        ("counts(), search 'children'", CaseFilter(search="children")),
        ("counts(), 'children' + status open", CaseFilter(search="children", status="open")),
    ):
        ms, c = timed(lambda flt=flt: desk.counts(flt))
        rows.append((what, ms, f"shown {c.shown:,}" + (" (estimate)" if _estimated(c) else "")))
    db.close()
    return rows


def _estimated(counts: Any) -> bool:
    return bool(getattr(counts, "shown_is_estimate", False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    args = ap.parse_args()
    from correspondence.database import open_database

    server = pg_temp.start_server()
    try:
        name = server.create_database("sorts")
        url = server.url(name)
        open_database(url).close()
        with server.connect(name) as conn:
            conn.autocommit = True
            took = generate(conn, args.cases)
        print(f"generated {args.cases:,} cases in {took:.1f} s")
        rows = measure(url)
    finally:
        server.stop()
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':>10}  detail")
    for what, ms, detail in rows:
        print(f"{what:<{width}}  {ms:>7.1f} ms  {detail}")


if __name__ == "__main__":
    main()
