"""What the theme model learned from officers' confirmed letters, kept between rebuilds.

Any officer's confirmation makes every process rebuild its model (`theme_suggest.model_for`),
and reading and tokenizing each theme's newest LEARN_SAMPLE letters again was most of a
rebuild: yet nearly all of them are the letters of the model before. So a process keeps,
per database, the terms of each letter its model learned from, with the case's version (an
ORM flush bumps it on every edit of the case, so an edited letter is read again), and per
theme how many of its letters use each term. A rebuild still asks for every theme's newest
letters, but their text only where the process does not hold that case at that version;
when the text comes back for a case held at another version (its status changed, say) and
is the same text, the terms held are kept. Each theme's counts are then brought up to date
by the letters that joined or left its window. The result is the model a fresh
`build_model` gives (tests/db/test_theme_rebuild.py holds them equal).
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read, Rows
from correspondence.db.models import Case, Theme, case_themes
from correspondence.services.triage.theme_model import _ThemeProfile, postings_of, tokenize


@dataclass(frozen=True)
class Letter:
    """A learned letter: the case's version when read, its text's digest, its terms."""

    version: int
    digest: bytes
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Window:
    """A theme's newest confirmed letters and how many of them use each term."""

    letters: Mapping[int, Letter]  # by case id
    dfreq: Mapping[str, int]


@dataclass(frozen=True)
class Learned:
    """One database's learned letters (never changed once made: a rebuild makes a new one,
    sharing what did not change). Bounded by what the model uses: at most LEARN_SAMPLE
    letters for each active theme."""

    generation: int | None = None
    letters: Mapping[int, Letter] = field(default_factory=dict)
    windows: Mapping[int, Window] = field(default_factory=dict)
    profiles: Mapping[int, Profile] = field(default_factory=dict)  # by theme id
    index: Index | None = None


NOTHING = Learned()


def _newest(theme_id: Any, sample: int, *, text: bool) -> Select[Any]:
    """A theme's newest `sample` confirmed letters with text, by case id and version."""
    columns = [case_themes.c.case_id, Case.version]
    if text:
        columns.append(Case.letter_text)
    return newest(theme_id, sample, *columns)


def newest(theme_id: Any, sample: int, *columns: Any) -> Select[Any]:
    """`columns` of a theme's newest `sample` officer-confirmed letters with text, newest
    first: read from the newest down the partial index of migration 0018, so a rebuild reads
    at most that many letters a theme however many an office has confirmed over the years.
    A fresh build and a rebuild from held letters must read the very same letters."""
    return (
        select(*columns)
        .select_from(case_themes.join(Case, Case.id == case_themes.c.case_id))
        .where(
            case_themes.c.theme_id == theme_id,
            case_themes.c.source == "officer",
            case_themes.c.confirmed_at.is_not(None),
            Case.letter_text != "",
        )
        # Ties (themes confirmed in one go) in one order, so each read takes the same.
        .order_by(case_themes.c.confirmed_at.desc(), case_themes.c.case_id.desc())
        .limit(sample)
    )


def lateral_read(held: Learned, sample: int) -> Read:
    """PostgreSQL: every active theme's newest letters in one statement (asked with the
    model's other reads), the text only of the cases not held at that version."""
    themes = select(Theme.id).where(Theme.active.is_(True)).subquery()
    newest = _newest(themes.c.id, sample, text=True).lateral()
    # As array literals written here ('{1,2,3}'): psycopg's quoting of a list of thousands
    # of ints, value by value, costs more than the rest of the statement.
    ids = "{" + ",".join(map(str, held.letters)) + "}"
    versions = "{" + ",".join(str(letter.version) for letter in held.letters.values()) + "}"
    known = (
        func.unnest(cast(literal(ids), ARRAY(Integer)), cast(literal(versions), ARRAY(Integer)))
        .table_valued("id", "version")
        .render_derived(name="known")
    )
    return select(
        themes.c.id,
        newest.c.case_id,
        newest.c.version,
        case((known.c.id.is_(None), newest.c.letter_text)),
    ).select_from(
        themes.join(newest, true()).outerjoin(
            known, and_(known.c.id == newest.c.case_id, known.c.version == newest.c.version)
        )
    )


def union_read(session: Session, theme_ids: Sequence[int], held: Learned, sample: int) -> Rows:
    """SQLite (no LATERAL, and no link to cross): the newest letters as one compound SELECT
    per chunk of themes, then the text of those not held at that version."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(theme_ids), 200):  # SQLite allows 500 parts to a compound
        parts = [
            select(literal(tid).label("theme_id"), q.c.case_id, q.c.version)
            for tid in theme_ids[start : start + 200]
            for q in [_newest(tid, sample, text=False).subquery()]
        ]
        rows.extend(tuple(r) for r in session.execute(union_all(*parts)))
    wanted = sorted({cid for _, cid, version in rows if _held(held, cid, version) is None})
    texts: dict[int, tuple[int, str]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for cid, version, text in session.execute(
            select(Case.id, Case.version, Case.letter_text).where(Case.id.in_(chunk))
        ):
            texts[cid] = (version, text)
    out: Rows = []
    for tid, cid, version in rows:
        if cid in texts:
            # Edited since the first statement: the text read now, with its version.
            version, text = texts[cid]
            if text:
                out.append((tid, cid, version, text))
        elif _held(held, cid, version) is not None:
            out.append((tid, cid, version, None))
        # else: gone since the first statement (anonymised, deleted): not learned
    return out


def _held(held: Learned, case_id: int, version: int) -> Letter | None:
    got = held.letters.get(case_id)
    return got if got is not None and got.version == version else None


def relearn(
    rows: Rows,
    active: Mapping[int, _ThemeProfile],
    held: Learned,
    generation: int | None,
    sample: int,
) -> tuple[Learned, int]:
    """The learned letters after a rebuild's read (rows of `lateral_read` or `union_read`:
    theme id, case id, version, text or None where held at that version), newest first."""
    letters: dict[int, Letter] = {}
    chosen: dict[int, dict[int, Letter]] = {}
    for tid, cid, version, text in rows:
        if tid not in active:
            continue
        window = chosen.setdefault(tid, {})
        if len(window) >= sample:
            continue
        letter = letters.get(cid)
        if letter is None or letter.version != version:
            letter = _letter(held, cid, version, text)
            if letter is None:
                continue
            letters[cid] = letter
        window[cid] = letter
    windows = {tid: _window(held.windows.get(tid), got) for tid, got in chosen.items()}
    total = sum(len(w.letters) for w in windows.values())
    return Learned(generation, letters, windows), total


def _letter(held: Learned, cid: int, version: int, text: str | None) -> Letter | None:
    before = held.letters.get(cid)
    if text is None:
        # The read leaves the text out only for a case held at this version.
        return before if before is not None and before.version == version else None
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if before is not None and before.digest == digest:
        return before if before.version == version else Letter(version, digest, before.terms)
    terms = tuple(sys.intern(t) for t in tokenize(text).terms)
    return Letter(version, digest, terms)


def _window(before: Window | None, letters: dict[int, Letter]) -> Window:
    """The theme's counts, from the window before by the letters that joined and left."""
    if before is None:
        return Window(letters, _counts(letters.values()))
    left = [
        old.terms
        for cid, old in before.letters.items()
        if (now := letters.get(cid)) is None or now.terms is not old.terms
    ]
    joined = [
        new.terms
        for cid, new in letters.items()
        if (old := before.letters.get(cid)) is None or old.terms is not new.terms
    ]
    if not left and not joined:
        return Window(letters, before.dfreq)
    if len(left) + len(joined) >= len(letters):
        return Window(letters, _counts(letters.values()))
    dfreq = dict(before.dfreq)
    for terms in left:
        for t in terms:
            n = dfreq[t] - 1
            if n:
                dfreq[t] = n
            else:
                del dfreq[t]
    for terms in joined:
        for t in terms:
            dfreq[t] = dfreq.get(t, 0) + 1
    return Window(letters, dfreq)


def _counts(letters: Iterable[Letter]) -> dict[str, int]:
    dfreq: Counter[str] = Counter()
    for letter in letters:
        dfreq.update(letter.terms)
    return dict(dfreq)


@dataclass(frozen=True)
class Profile:
    """A theme's finished profile, and what it was made from: the next rebuild takes it as
    it is when those are the same (most themes: one confirmation changes one or two)."""

    base: dict[str, float]  # the cold-start weights (theme_suggest._profiles)
    dfreq: Mapping[str, int] | None  # its window's counts (the very object), if any
    n: int  # letters in its window
    profile: _ThemeProfile


def add_learned(
    learned: Learned, by_id: dict[int, _ThemeProfile], weight: float, held: Learned
) -> Learned:
    """Each theme's characteristic terms into its weights, as `theme_suggest._learn` adds
    them (the same counts, so the same sums); a theme whose cold-start weights and window
    are as before takes its profile from `held`. `by_id` is changed in place."""
    profiles: dict[int, Profile] = {}
    for tid, profile in by_id.items():
        window = learned.windows.get(tid)
        dfreq = window.dfreq if window is not None else None
        n = len(window.letters) if window is not None else 0
        before = held.profiles.get(tid)
        if (
            before is not None
            and before.dfreq is dfreq
            and before.n == n
            and (before.profile.code, before.profile.name) == (profile.code, profile.name)
            and before.base == profile.weights
        ):
            by_id[tid] = before.profile
            profiles[tid] = before
            continue
        base = dict(profile.weights)
        if dfreq is not None:
            denom = n + 2
            weights = profile.weights
            for term, d in dfreq.items():
                if d < 2 and n >= 20:
                    continue  # one-off words of a single letter are noise once there are many
                weights[term] = weights.get(term, 0.0) + weight * d / denom
        profiles[tid] = Profile(base, dfreq, n, profile)
    return replace(learned, profiles=profiles)


Postings = dict[str, list[tuple[int, float]]]


@dataclass(frozen=True)
class Index:
    """What a model makes of its profiles: each term's document frequency among them, its
    idf, and its postings (Model._postings), kept so the next rebuild redoes only the
    terms of the profiles that changed."""

    profiles: tuple[_ThemeProfile, ...]
    df: dict[str, int]
    idf: dict[str, float]
    postings: Postings


def _strong(p: _ThemeProfile) -> set[str]:
    return {t for t, w in p.weights.items() if w >= 0.2}


def index(profiles: list[_ThemeProfile], before: Index | None) -> Index:
    """`profiles`' Index (as theme_suggest._model and Model make it), from `before` when
    only a few profiles changed (each kept one is the very object of `before`)."""
    n = max(len(profiles), 1)
    same_themes = before is not None and [p.code for p in before.profiles] == [
        p.code for p in profiles
    ]
    if before is None or not same_themes:
        df: Counter[str] = Counter()
        for p in profiles:
            df.update(t for t, w in p.weights.items() if w >= 0.2)
        idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
        return Index(tuple(profiles), dict(df), idf, postings_of(profiles))
    changed = [i for i, p in enumerate(profiles) if p is not before.profiles[i]]
    if not changed:
        return before
    counts = dict(before.df)
    moved: set[str] = set()
    for i in changed:
        old, new = _strong(before.profiles[i]), _strong(profiles[i])
        for t in old - new:
            d = counts[t] - 1
            if d:
                counts[t] = d
            else:
                del counts[t]
        for t in new - old:
            counts[t] = counts.get(t, 0) + 1
        moved |= old ^ new
    idf = dict(before.idf)
    for t in moved:
        if t in counts:
            idf[t] = math.log((n + 1) / (counts[t] + 0.5))
        else:
            idf.pop(t, None)
    postings = dict(before.postings)
    redo = set(changed)
    terms: set[str] = set()
    for i in changed:
        terms.update(before.profiles[i].weights)
        terms.update(profiles[i].weights)
    for t in terms:
        found = [(i, w) for i, w in before.postings.get(t, ()) if i not in redo]
        for i in changed:
            w = profiles[i].weights.get(t)
            if w:
                found.append((i, w))
        if found:
            found.sort(key=lambda iw: iw[0])
            postings[t] = found
        else:
            postings.pop(t, None)
    return Index(tuple(profiles), counts, idf, postings)
