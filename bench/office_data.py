"""Extra cases for the office-load benchmark, generated on the server in a few statements.

Runs as the cluster's superuser before `server setup`, with triggers off for the session
(`session_replication_role = replica`), then fills the search index in batches with the
schema's own `case_search_refresh`, as the issue found fastest. The cases are closed,
older letters (2008) from the demo's correspondents with one theme each, and a share of
open ones in every state the list shows; their history is empty (no events), so opening
one reads fewer rows than opening a demo case.
"""

from __future__ import annotations

import time

import psycopg

BATCH = 20_000
WORDS = (
    "children school safeguarding social workers inspection Haringey Laming review "
    "smacking health visitors funding court fees Cafcass vetting barring police online"
).split()


def add_cases(conn: psycopg.Connection, n: int) -> float:
    """Add `n` cases to the database of `conn` (a superuser's, autocommit); seconds taken."""
    t0 = time.perf_counter()
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        start = conn.execute(
            "SELECT coalesce(max(ref_sequence), 0) FROM cases WHERE ref_year = 2008"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            f"""
            INSERT INTO cases (reference, ref_year, ref_sequence, office_code, direction,
                channel, received_on, logged_at, due_on, status, reply_type_code, priority,
                summary, subject_phrase, letter_text, correspondent_id, team_id,
                transfer_to, transfer_reason, no_reply_reason, signature_method,
                dispatch_channel, is_acknowledgement, reply_channel, reply_email, version,
                updated_at, dispatched_on)
            SELECT '2008/' || lpad((%(start)s + g)::text, 7, '0') || 'POSoS', 2008,
                %(start)s + g, 'POSoS', 'incoming', 'post',
                date '2008-01-01' + (g %% 700), now(), date '2008-01-29' + (g %% 700),
                CASE WHEN g %% 50 = 0 THEN 'logged' WHEN g %% 50 = 1 THEN 'triaged'
                     WHEN g %% 50 = 2 THEN 'drafting' ELSE 'dispatched' END,
                'ministerial', 'normal',
                'Letter about ' || w1, '',
                'Dear Minister, I write about ' || w1 || ' and ' || w2 || ' in my area. '
                    || 'The ' || w2 || ' of ' || w1 || ' matters to many families here.',
                (SELECT id FROM correspondents ORDER BY id OFFSET (g %% ncorr) LIMIT 1),
                (SELECT id FROM teams ORDER BY id OFFSET (g %% nteam) LIMIT 1),
                '', '', '', '', CASE WHEN g %% 50 > 2 THEN 'post' ELSE '' END, false,
                'letter', '', 1, now(),
                CASE WHEN g %% 50 > 2 THEN date '2008-02-20' + (g %% 700) END
            FROM generate_series(1, %(n)s) AS g,
                LATERAL (SELECT ({words})[1 + (g * 7) %% {len(WORDS)}] AS w1,
                                ({words})[1 + (g * 13) %% {len(WORDS)}] AS w2) AS w,
                (SELECT count(*) AS ncorr FROM correspondents) AS c,
                (SELECT count(*) AS nteam FROM teams) AS t
            """,
            {"start": start, "n": n},
        )
        conn.execute(
            """
            INSERT INTO case_themes (case_id, theme_id, source)
            SELECT c.id, (SELECT id FROM themes ORDER BY id OFFSET (c.id %% nth) LIMIT 1),
                'officer'
            FROM cases c, (SELECT count(*) AS nth FROM themes) t
            WHERE c.ref_year = 2008 AND c.ref_sequence > %(start)s
            """,
            {"start": start},
        )
        # Triggers are off for this session, so the list's sort keys (migration 0014) are
        # filled here, as the triggers would have.
        conn.execute(
            """
            UPDATE cases SET
                correspondent_sort = coalesce(
                    (SELECT lower(display_name) FROM correspondents
                     WHERE id = cases.correspondent_id), ''),
                team_sort = coalesce((SELECT lower(name) FROM teams WHERE id = cases.team_id), '')
            WHERE ref_year = 2008 AND ref_sequence > %(start)s
            """,
            {"start": start},
        )
        conn.execute(
            """
            INSERT INTO reference_counters (year, last_sequence) VALUES (2008, %(top)s)
            ON CONFLICT (year) DO UPDATE
            SET last_sequence = greatest(reference_counters.last_sequence, %(top)s)
            """,
            {"top": start + n},
        )
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM cases WHERE ref_year = 2008 AND ref_sequence > %s ORDER BY id",
            (start,),
        )
    ]
    for i in range(0, len(ids), BATCH):
        conn.execute("SELECT case_search_refresh(%s)", (ids[i : i + BATCH],))
    conn.execute("ANALYZE")
    return time.perf_counter() - t0
