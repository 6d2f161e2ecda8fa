"""Theme suggestions: a per-theme term-weight model that learns from officers' confirmations.

Cold start: each theme's keywords (strong), name and description, and the approved standard
lines tagged with it. Learned part: the letter text of cases whose themes an officer confirmed
(case_themes rows with source='officer'). Terms are stemmed unigrams and bigrams with stop
words removed; a theme's score is the idf-weighted evidence its terms find in the letter,
squashed into 0..1 so a threshold means the same for short and long letters.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Integer, Text, cast, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Case,
    LineVersion,
    Setting,
    StandardLine,
    Theme,
    case_themes,
    line_themes,
)
from correspondence.services import events


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float
    because: tuple[str, ...]  # the words of the letter that led to it


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
# Raw evidence at which the score reaches 1 - 1/e (about 0.63).
SCALE = 10.0
LEARN_SAMPLE = 400  # confirmed letters per theme kept in the model (newest first)

STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
dear yours sincerely faithfully regards write writing wrote letter letters thank thanks
minister secretary state rt hon mp mps please would like wish ask asking asked know
re concern concerned concerns constituent constituents behalf enclose enclosed attached
one two many much may might must shall also however therefore whether within without
government department dcsf sir madam mr mrs ms miss dr lord lady
""".split()
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
# Evidence piles up in a long letter; beyond this many words it is damped (square root).
LONG_LETTER = 80
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


@functools.lru_cache(maxsize=32_768)  # a letter's words are mostly the office's usual few thousand
def stem(word: str) -> str:
    """A light suffix stripper: enough to join plurals and -ing/-ed forms."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) <= 4:
        return word[:-1] if len(word) == 4 and word.endswith("s") and word[-2] != "s" else word
    for suffix, repl in (
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + repl
    return word


@dataclass
class _Tokens:
    terms: Counter[str]
    seq: list[tuple[str, str] | None]  # (stem, word as written); None where a stop word was
    # pairs[i]: the bigram term of seq[i] and seq[i + 1] when both are words, else None
    pairs: list[str | None] = field(default_factory=list)


def tokenize(text: str) -> _Tokens:
    """Stemmed unigrams and bigrams (bigrams never span a stop word)."""
    terms: Counter[str] = Counter()
    seq: list[tuple[str, str] | None] = []
    pairs: list[str | None] = []
    prev: str | None = None
    for m in _WORD.finditer(text.lower().translate(_QUOTES)):
        raw = m.group(0)
        if raw in STOP_WORDS or raw.isdigit() or len(raw) < 2:
            if seq and seq[-1] is not None:
                seq.append(None)
                pairs.append(None)
            prev = None
            continue
        s = stem(raw)
        terms[s] += 1
        seq.append((s, raw))
        pairs.append(None)
        if prev is not None:
            bigram = f"{prev} {s}"
            terms[bigram] += 1
            pairs[-2] = bigram
        prev = s
    return _Tokens(terms, seq, pairs)


@dataclass
class _ThemeProfile:
    code: str
    name: str
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Model:
    profiles: list[_ThemeProfile]
    idf: dict[str, float]
    fingerprint: tuple[object, ...]
    confirmed_letters: int = 0
    # term -> [(profile index, weight)]: a letter's few hundred terms are looked up once,
    # not once per theme.
    _postings: dict[str, list[tuple[int, float]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, p in enumerate(self.profiles):
            for term, w in p.weights.items():
                if w:
                    postings.setdefault(term, []).append((i, w))
        self._postings = postings

    def score(self, text: str, limit: int = 5) -> list[Suggestion]:
        toks = tokenize(text)
        hits: dict[int, list[tuple[str, float]]] = {}
        ranked = self._ranked(toks, hits)
        # The "because" words cost more than the scores: only for the themes shown.
        return [
            Suggestion(code, self.profiles[i].name, score, _because(dict(hits[i]), toks))
            for score, code, i in ranked[:limit]
        ]

    def scores(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """The codes and scores `score` gives, in its order, without the "because" words
        (an import stores only these, and works them out in its worker processes)."""
        return [(code, score) for score, code, _ in self._ranked(tokenize(text), None)[:limit]]

    def _ranked(
        self, toks: _Tokens, hits: dict[int, list[tuple[str, float]]] | None
    ) -> list[tuple[float, str, int]]:
        """(score, code, profile index), best first; each theme's evidence into `hits`."""
        words = sum(1 for t in toks.seq if t is not None)
        damp = max(1.0, math.sqrt(words / LONG_LETTER))
        idf = self.idf
        postings = self._postings
        # Per theme, the evidence in the letter's term order (the same sum, term by term,
        # as adding up each theme on its own).
        raw: dict[int, float] = {}
        for term, tf in toks.terms.items():
            found = postings.get(term)
            if not found:
                continue
            lift = 1.0 + math.log(tf)  # sublinear tf: five mentions are not five times the evidence
            term_idf = idf.get(term, 1.0)
            for i, w in found:
                c = lift * w * term_idf
                raw[i] = raw.get(i, 0.0) + c
                if hits is not None:
                    hits.setdefault(i, []).append((term, c))
        ranked: list[tuple[float, str, int]] = []
        for i, total in raw.items():
            if total <= 0:
                continue
            score = round(1.0 - math.exp(-total / damp / SCALE), 3)
            ranked.append((score, self.profiles[i].code, i))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        return ranked


def _because(contrib: dict[str, float], toks: _Tokens, n: int = 4) -> tuple[str, ...]:
    """The strongest phrases as written: runs of words joined by matching bigrams."""
    phrases: dict[tuple[str, ...], tuple[float, str]] = {}
    seq = toks.seq
    pairs = toks.pairs
    i = 0
    while i < len(seq):
        tok = seq[i]
        if tok is None:
            i += 1
            continue
        j = i
        while pairs[j] is not None and pairs[j] in contrib:
            j += 1
        if j == i:
            # A single word (most of a letter): its own weight, if it has any.
            c = contrib.get(tok[0], 0.0)
            if c > 0 and (tok[0],) not in phrases:
                phrases[(tok[0],)] = (c, tok[1])
            i += 1
            continue
        run = [t for t in seq[i : j + 1] if t is not None]
        stems = tuple(t[0] for t in run)
        terms = set(stems) | {f"{x} {y}" for x, y in zip(stems, stems[1:], strict=False)}
        score = sum(contrib.get(t, 0.0) for t in terms)
        if score > 0 and stems not in phrases:
            phrases[stems] = (score, " ".join(t[1] for t in run))
        i = j + 1
    chosen: list[str] = []
    covered: set[str] = set()
    for stems, (_, text) in sorted(phrases.items(), key=lambda kv: (-kv[1][0], kv[1][1])):
        if len(stems) == 1 and stems[0] in covered:
            continue
        chosen.append(text)
        covered.update(stems)
        if len(chosen) == n:
            break
    return tuple(chosen)


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


def build_model(
    session: Session, *, learn: bool = True, fingerprint: tuple[object, ...] | None = None
) -> Model:
    fp = fingerprint if fingerprint is not None else _fingerprint(session)
    # Independent reads, asked together: a model is rebuilt in the click that finds it
    # stale (after any officer confirmed themes), so each statement is a round trip there.
    reads = [
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
    if learn:
        reads.append(
            select(case_themes.c.theme_id, Case.letter_text)
            .join(Case, Case.id == case_themes.c.case_id)
            .where(case_themes.c.source == "officer", case_themes.c.confirmed_at.is_not(None))
            .order_by(case_themes.c.confirmed_at.desc())
        )
    themes, spread_rows, approved, *confirmed = read_together(session, reads)
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

    n_confirmed = 0
    if learn:
        n_confirmed = _learn(confirmed[0], by_id)

    profiles = list(by_id.values())
    df: Counter[str] = Counter()
    for p in profiles:
        df.update(t for t, w in p.weights.items() if w >= 0.2)
    n = max(len(profiles), 1)
    # A term every theme shares tells the themes apart poorly.
    idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
    return Model(profiles, idf, fp, n_confirmed)


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
_lock = threading.Lock()


def model_for(session: Session, fingerprint_row: Sequence[Any] | None = None) -> Model:
    """The cached model for this database, rebuilt when its inputs changed
    (`fingerprint_row`: the row of `fingerprint_statement`, when already asked)."""
    fp = _fingerprint(session, fingerprint_row)
    key = str(fp[0])
    with _lock:
        m = _cache.get(key)
    if m is not None and m.fingerprint == fp:
        return m
    m = build_model(session, fingerprint=fp)
    with _lock:
        _cache[key] = m
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
