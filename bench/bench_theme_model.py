"""What does a stale theme model cost to bring up to date? `python bench/bench_theme_model.py`.

An office with many officer-confirmed letters (default 20 themes x 450 letters, each a few
hundred words) on SQLite and on a throwaway PostgreSQL (tests/pg.py), or `--db URL` (a
PostgreSQL database the script may fill: it is emptied first). Then, after each of several
more confirmations (a new letter, one theme), the model is brought up to date two ways:

- **fresh**: `build_model`, as every rebuild did before: every theme's newest
  LEARN_SAMPLE letters read and tokenized again;
- **from held**: what `model_for` now does: the letters the process already learned are
  kept, only the new one is read and tokenized (theme_learned.py).

Prints the median wall and CPU time (this process's: the server's own work is in the wall
time only) of each, and checks the two models are equal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text, update  # noqa: E402

from bench.pg_cases import throwaway_server  # noqa: E402
from correspondence.database import Database, open_database  # noqa: E402
from correspondence.db.models import Case, Theme, case_themes  # noqa: E402
from correspondence.services.triage import theme_learned, theme_suggest  # noqa: E402

GENERAL = 3000  # everyday words of the office's letters
TOPICAL = 60  # words of each theme's own


def _words(rng: random.Random, n: int) -> list[str]:
    syllables = "ka lo mi ne ra tu po sel var den qui mar ost lin bre cha fo gu".split()
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(out)


class Letters:
    """Letters of a few hundred words: mostly everyday words, some of their theme's own."""

    def __init__(self, themes: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        pool = _words(self.rng, GENERAL + TOPICAL * themes)
        self.rng.shuffle(pool)
        self.general = pool[:GENERAL]
        self.topical = [pool[GENERAL + i * TOPICAL : GENERAL + (i + 1) * TOPICAL] for i in
                        range(themes)]  # fmt: skip

    def text(self, theme: int) -> str:
        rng = self.rng
        words = []
        for _ in range(rng.randint(150, 350)):
            r = rng.random()
            if r < 0.15:
                words.append(rng.choice(self.topical[theme]))
            elif r < 0.35:
                words.append(rng.choice(("the", "and", "of", "to", "minister", "my", "we")))
            else:
                words.append(rng.choice(self.general))
        return "Dear Minister,\n\n" + " ".join(words) + ".\n\nYours sincerely"


def _build(db: Database, themes: int, per_theme: int, letters: Letters) -> list[int]:
    """The office: `themes` active themes, `per_theme` confirmed letters each."""
    with db.session_factory.begin() as s:
        have = list(s.scalars(select(Theme.id).where(Theme.active.is_(True)).order_by(Theme.id)))
        for i in range(len(have), themes):
            s.add(Theme(code=f"BENCH{i}", name=f"Bench theme {i}", keywords=f"bench{i}"))
        s.flush()
        ids = list(s.scalars(select(Theme.id).where(Theme.active.is_(True)).order_by(Theme.id)))
    ids = ids[:themes]
    with db.session_factory.begin() as s:  # only the bench's themes learn
        s.execute(update(Theme).where(Theme.id.not_in(ids)).values(active=False))
    n = 0
    at = dt.datetime(2026, 1, 5, 9, 0)
    for _ in range(per_theme):
        with db.session_factory.begin() as s:
            numbers = list(range(n + 1, n + 1 + len(ids)))
            n += len(ids)
            rows = [_case_row(k, letters.text(t)) for t, k in enumerate(numbers)]
            got = s.execute(insert(Case).returning(Case.id), rows).scalars().all()
            links = []
            for t, (tid, cid, k) in enumerate(zip(ids, got, numbers, strict=True)):
                links.append(_link(cid, tid, at + dt.timedelta(seconds=k)))
                # One letter in ten is about a second theme too.
                if k % 10 == 0:
                    other = ids[(t + 1) % len(ids)]
                    links.append(_link(cid, other, at + dt.timedelta(seconds=k)))
            s.execute(insert(case_themes), links)
    with db.session_factory.begin() as s:
        theme_suggest.note_confirmations(s)
    return ids


_SEQ = [0]


def _case_row(n: int, letter: str) -> dict[str, Any]:
    _SEQ[0] += 1
    seq = _SEQ[0]
    return {
        "reference": f"2026/{seq:07d}BENCH",
        "ref_year": 2026,
        "ref_sequence": seq,
        "office_code": "POSoS",
        "received_on": dt.date(2026, 1, 5),
        "logged_at": dt.datetime(2026, 1, 5, 9, 0),
        "status": "dispatched",
        "summary": f"Letter {n}",
        "letter_text": letter,
    }


def _link(case_id: int, theme_id: int, at: dt.datetime) -> dict[str, Any]:
    return {"case_id": case_id, "theme_id": theme_id, "source": "officer",
            "confirmed_at": at}  # fmt: skip


def _confirm_one(db: Database, theme_id: int, letters: Letters, t: int, at: dt.datetime) -> None:
    """An officer confirms a theme on a new letter (as triage does: the generation bumped)."""
    with db.session_factory.begin() as s:
        cid = s.execute(insert(Case).returning(Case.id), [_case_row(0, letters.text(t))]).scalar()
        s.execute(insert(case_themes), [_link(int(cid or 0), theme_id, at)])
        theme_suggest.note_confirmations(s)


def _timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    got = work()
    return got, time.perf_counter() - w0, time.process_time() - c0


def measure(db: Database, label: str, themes: int, per_theme: int, reps: int) -> list[str]:
    letters = Letters(themes)
    t0 = time.perf_counter()
    ids = _build(db, themes, per_theme, letters)
    built_s = time.perf_counter() - t0
    with db.session_factory() as s:
        fp = theme_suggest._fingerprint(s)
        _, held = theme_suggest._rebuild(s, fp, theme_learned.NOTHING)
        n_letters = len(held.letters)
    fresh_w: list[float] = []
    fresh_c: list[float] = []
    new_w: list[float] = []
    new_c: list[float] = []
    at = dt.datetime(2026, 2, 1, 9, 0)
    for rep in range(reps):
        t = rep % len(ids)
        _confirm_one(db, ids[t], letters, t, at + dt.timedelta(minutes=rep))
        with db.session_factory() as s:
            fp = theme_suggest._fingerprint(s)
            (model, held), w, c = _timed(lambda: theme_suggest._rebuild(s, fp, held))  # noqa: B023
            new_w.append(w)
            new_c.append(c)
            fresh, w, c = _timed(lambda: theme_suggest.build_model(s, fingerprint=fp))  # noqa: B023
            fresh_w.append(w)
            fresh_c.append(c)
        if model != fresh:
            raise SystemExit(f"{label}: the model rebuilt from held letters differs from fresh")

    def ms(xs: list[float]) -> str:
        return f"{statistics.median(xs) * 1000:>9.0f}"

    return [
        f"{label:<11} {themes:>6} {n_letters:>8} {built_s:>8.1f}   fresh       "
        f"{ms(fresh_w)} {ms(fresh_c)}",
        f"{'':<11} {'':>6} {'':>8} {'':>8}   from held   {ms(new_w)} {ms(new_c)}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--themes", type=int, default=20)
    ap.add_argument("--per-theme", type=int, default=450, help="confirmed letters a theme")
    ap.add_argument("--reps", type=int, default=7, help="confirmations timed (median)")
    ap.add_argument("--db", help="a PostgreSQL URL to use (emptied!) instead of a throwaway")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    out: list[str] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(f"sqlite:///{tmp}/bench.db")
            try:
                out += measure(db, "SQLite", args.themes, args.per_theme, args.reps)
            finally:
                db.close()
    with contextlib.nullcontext(args.db) if args.db else throwaway_server() as url:
        db = open_database(url)
        try:
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM case_themes"))
            out += measure(db, "PostgreSQL", args.themes, args.per_theme, args.reps)
        finally:
            db.close()
    print(
        f"theme model after one more confirmation, median of {args.reps} "
        f"(LEARN_SAMPLE {theme_suggest.LEARN_SAMPLE})"
    )
    print(f"{'database':<11} {'themes':>6} {'letters':>8} {'fill s':>8}   {'way':<11} "
          f"{'wall ms':>9} {'CPU ms':>9}")  # fmt: skip
    for line in out:
        print(line)


if __name__ == "__main__":
    main()
