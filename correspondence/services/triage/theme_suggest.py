"""Theme suggestions: a per-theme term-weight model that learns from officers' confirmations.

Cold start: each theme's keywords (strong), name and description, and the approved standard
lines tagged with it. Learned part: the letter text of cases whose themes an officer confirmed
(case_themes rows with source='officer'). Terms are stemmed unigrams and bigrams with stop
words removed; a theme's score is the idf-weighted evidence its terms find in the letter,
squashed into 0..1 so a threshold means the same for short and long letters.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Executable,
    Integer,
    Select,
    Text,
    cast,
    event,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Case,
    LineVersion,
    Setting,
    StandardLine,
    Theme,
    line_themes,
)
from correspondence.services import events
from correspondence.services.triage import theme_learned
from correspondence.services.triage.theme_model import (
    Model,
    Suggestion,
    _ThemeProfile,
    tokenize,
)
from correspondence.services.triage.theme_model import stem as stem  # the suggester's own

# A score at or above which a suggestion is worth pre-ticking.
THRESHOLD = 0.5

# Bumped whenever confirmations change, so every process rebuilds its cached model.
GENERATION_KEY = "theme_model_generation"

# Source weights: a keyword is a deliberate signal, a standard line only loosely on topic.
W_KEYWORD = 3.0
W_NAME = 1.5
W_DESCRIPTION = 1.0
W_LINE = 0.4
W_LEARNED = 4.0
LEARN_SAMPLE = 400  # confirmed letters per theme kept in the model (newest first)

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _add(weights: dict[str, float], text: str, weight: float, cap: float | None = None) -> None:
    for term, tf in tokenize(text).terms.items():
        add = weight * (1.0 + math.log(tf))
        weights[term] = weights.get(term, 0.0) + add
        if cap is not None and weights[term] > cap:
            weights[term] = cap


def fingerprint_statement() -> Read:
    """Cheap queries that change whenever the model's inputs change, asked in one statement
    (over a distant link each statement is a round trip); a click that reads other things
    too asks it with them (db/batch_reads.py) and hands the row to `suggest`."""
    return select(
        select(Setting.value).where(Setting.key == GENERATION_KEY).scalar_subquery(),
        select(func.count(Theme.id)).scalar_subquery(),
        select(func.max(Theme.updated_at)).scalar_subquery(),
        select(func.count(LineVersion.id)).scalar_subquery(),
        select(func.max(LineVersion.approved_at)).scalar_subquery(),
    )


def _fingerprint(session: Session, row: Sequence[Any] | None = None) -> tuple[object, ...]:
    if row is None:
        row = tuple(session.execute(fingerprint_statement()).one())
    return (str(session.get_bind().engine.url), row[0], (row[1], row[2]), (row[3], row[4]))


def _base_reads() -> list[Read]:
    return [
        select(Theme.id, Theme.code, Theme.name, Theme.description, Theme.keywords)
        .where(Theme.active.is_(True))
        .order_by(Theme.code),
        # A line tagged with most themes (openings, closings) says nothing about any one.
        select(line_themes.c.line_id, func.count(line_themes.c.theme_id)).group_by(
            line_themes.c.line_id
        ),
        select(line_themes.c.line_id, line_themes.c.theme_id, LineVersion.body, StandardLine.title)
        .join(StandardLine, StandardLine.id == line_themes.c.line_id)
        .join(LineVersion, LineVersion.line_id == StandardLine.id)
        .where(LineVersion.status == "approved"),
    ]


def _profiles(themes: Rows, spread_rows: Rows, approved: Rows) -> dict[int, _ThemeProfile]:
    """Each active theme's cold-start weights: keywords, name, description, lines."""
    by_id: dict[int, _ThemeProfile] = {}
    for tid, code, name, description, keywords in themes:
        p = _ThemeProfile(code, name)
        for kw in (keywords or "").split(","):
            # Keywords are deliberate: capped so a repeated word does not swamp the rest.
            _add(p.weights, kw, W_KEYWORD, cap=W_KEYWORD * 1.5)
        _add(p.weights, code, W_KEYWORD)
        _add(p.weights, name, W_NAME)
        _add(p.weights, description or "", W_DESCRIPTION)
        by_id[tid] = p

    spread: dict[int, int] = {line_id: n for line_id, n in spread_rows}
    for line_id, tid, body, title in approved:
        profile = by_id.get(tid)
        if profile is not None and spread.get(line_id, 0) <= max(3, len(by_id) // 3):
            _add(profile.weights, _TEMPLATE.sub(" ", f"{title}\n{body}"), W_LINE, cap=W_KEYWORD)
    return by_id


def _model(by_id: dict[int, _ThemeProfile], fp: tuple[object, ...], n_confirmed: int) -> Model:
    profiles = list(by_id.values())
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(t for t, w in p.weights.items() if w >= 0.2)
    n = max(len(profiles), 1)
    # A term every theme shares tells the themes apart poorly.
    idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
    return Model(profiles, idf, fp, n_confirmed)


def build_model(
    session: Session, *, learn: bool = True, fingerprint: tuple[object, ...] | None = None
) -> Model:
    """The model made afresh: every learned letter read and tokenized (`model_for` keeps
    what it learned and rebuilds from that, to the same model: theme_learned.py)."""
    fp = fingerprint if fingerprint is not None else _fingerprint(session)
    # Independent reads, asked together: a model is rebuilt in the click that finds it
    # stale (after any officer confirmed themes), so each statement is a round trip there.
    reads = _base_reads()
    postgres = session.get_bind().dialect.name == "postgresql"
    if learn and postgres:
        reads.append(_learned_by_lateral())
    themes, spread_rows, approved, *confirmed = read_together(session, reads)
    if learn and not postgres:
        confirmed = [_learned_by_union(session, [row[0] for row in themes])]
    by_id = _profiles(themes, spread_rows, approved)
    n_confirmed = 0
    if learn:
        n_confirmed = _learn(confirmed[0], by_id)
    return _model(by_id, fp, n_confirmed)


def _rebuild(
    session: Session, fp: tuple[object, ...], held: theme_learned.Learned
) -> tuple[Model, theme_learned.Learned]:
    """The model `build_model` gives, reading and tokenizing only the letters `held`
    lacks; with the same reads in the same round trips."""
    generation = _generation(fp)
    if held.generation is not None and (generation is None or generation < held.generation):
        held = theme_learned.NOTHING  # an older copy of the database (restored): start over
    reads = _base_reads()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        reads.append(theme_learned.lateral_read(held, LEARN_SAMPLE))
    themes, spread_rows, approved, *confirmed = read_together(session, reads)
    if not postgres:
        ids = [row[0] for row in themes]
        confirmed = [theme_learned.union_read(session, ids, held, LEARN_SAMPLE)]
    by_id = _profiles(themes, spread_rows, approved)
    learned, n_confirmed = theme_learned.relearn(
        confirmed[0], by_id, held, generation, LEARN_SAMPLE
    )
    learned = theme_learned.add_learned(learned, by_id, W_LEARNED, held)
    index = theme_learned.index(list(by_id.values()), held.index)
    model = Model(list(index.profiles), index.idf, fp, n_confirmed, _postings=index.postings)
    return model, replace(learned, index=index)


def _generation(fp: tuple[object, ...]) -> int | None:
    try:
        return int(str(fp[1]))
    except ValueError:
        return None


def _newest_confirmed(theme_id: Any) -> Select[Any]:
    """A theme's newest LEARN_SAMPLE confirmed letters' text (theme_learned.newest)."""
    return theme_learned.newest(theme_id, LEARN_SAMPLE, Case.letter_text)


def _learned_by_lateral() -> Select[Any]:
    """PostgreSQL: every active theme's newest letters in one statement (asked with the
    model's other reads)."""
    themes = select(Theme.id).where(Theme.active.is_(True)).subquery()
    newest = _newest_confirmed(themes.c.id).lateral()
    return select(themes.c.id, newest.c.letter_text).select_from(themes.join(newest, true()))


def _learned_by_union(session: Session, theme_ids: Sequence[int]) -> Rows:
    """SQLite (no LATERAL): the same as one compound SELECT per chunk of themes."""
    rows: Rows = []
    for start in range(0, len(theme_ids), 200):  # SQLite allows 500 parts to a compound
        parts = [
            select(literal(tid).label("theme_id"), q.c.letter_text)
            for tid in theme_ids[start : start + 200]
            for q in [_newest_confirmed(tid).subquery()]
        ]
        rows.extend(tuple(r) for r in session.execute(union_all(*parts)))
    return rows


def _learn(rows: Rows, by_id: dict[int, _ThemeProfile]) -> int:
    """Add the terms characteristic of each theme's confirmed letters (newest first)."""
    letters: dict[int, list[Counter[str]]] = defaultdict(list)
    total = 0
    for tid, text in rows:
        if tid not in by_id or not text or len(letters[tid]) >= LEARN_SAMPLE:
            continue
        letters[tid].append(tokenize(text).terms)
        total += 1
    for tid, docs in letters.items():
        # Share of the theme's confirmed letters that use the term; +2 so one letter
        # cannot make a word as strong as a keyword.
        dfreq: Counter[str] = Counter()
        for terms in docs:
            dfreq.update(terms.keys())
        denom = len(docs) + 2
        weights = by_id[tid].weights
        for term, d in dfreq.items():
            if d < 2 and len(docs) >= 20:
                continue  # one-off words of a single letter are noise once there are many
            weights[term] = weights.get(term, 0.0) + W_LEARNED * d / denom
    return total


_cache: dict[str, Model] = {}
# What each database's model learned, kept for its next rebuild (theme_learned.py).
_learned: dict[str, theme_learned.Learned] = {}
_lock = threading.Lock()


def model_for(session: Session, fingerprint_row: Sequence[Any] | None = None) -> Model:
    """The cached model for this database, rebuilt when its inputs changed
    (`fingerprint_row`: the row of `fingerprint_statement`, when already asked). A rebuild
    starts from what the model before learned: only new or changed letters are read and
    tokenized (theme_learned.py), to the model `build_model` would give."""
    fp = _fingerprint(session, fingerprint_row)
    key = str(fp[0])
    with _lock:
        m = _cache.get(key)
        held = _learned.get(key, theme_learned.NOTHING)
    if m is not None and m.fingerprint == fp:
        return m
    m, learned = _rebuild(session, fp, held)
    with _lock:
        _cache[key] = m
        _learned[key] = learned
    return m


def suggest(
    session: Session, text: str, limit: int = 5, *, fingerprint_row: Sequence[Any] | None = None
) -> list[Suggestion]:
    """Ranked theme suggestions for a letter, best first."""
    if not text.strip():
        return []
    return model_for(session, fingerprint_row).score(text, limit)


def note_confirmations(session: Session) -> None:
    """Tell every process's cached model that confirmations changed (same transaction)."""
    session.execute(_bump(session))


def _bump(session: Session) -> Executable:
    # One upsert: made if missing, else bumped under its row lock, so officers confirming
    # themes at the same moment each count once and the first ones to confirm in a new
    # office do not fail on each other's new row (and it is one round trip, not two or three).
    table = Setting.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    bumped = cast(cast(func.coalesce(func.nullif(table.c.value, ""), "0"), Integer) + 1, Text)
    return (
        dialect.insert(table)
        .values(key=GENERATION_KEY, value="1")
        .on_conflict_do_update(index_elements=[table.c.key], set_={"value": bumped})
    )


BUMP_AT_COMMIT = "correspondence_theme_generation_bump"


def note_confirmations_at_commit(session: Session) -> None:
    """`note_confirmations`, done just before this transaction commits: the bump holds the
    generation's row lock until the commit, and every officer confirming themes waits on it,
    so it is taken last (once, however many cases the transaction confirmed). On PostgreSQL
    it goes in the COMMIT's own message (events.at_commit)."""
    if session.get_bind().dialect.name == "postgresql":
        events.at_commit(session, _bump(session), key=BUMP_AT_COMMIT)
    else:
        session.info[BUMP_AT_COMMIT] = True


@event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    if session.info.pop(BUMP_AT_COMMIT, False):
        note_confirmations(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_bump(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (bumped above) or rolled back: nothing to do
        session.info.pop(BUMP_AT_COMMIT, None)


def codes(suggestions: Iterable[Suggestion]) -> list[str]:
    return [s.code for s in suggestions]
