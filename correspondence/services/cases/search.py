"""Full-text search: what a person types, turned into a safe index query.

Typed text becomes terms that must all match: a quoted "phrase" is one term,
and so is each bare word (a word with punctuation inside, such as a reference
"2009/0007948POSoS", is a phrase of its parts). The last bare word also
matches as a prefix, so results follow the typing. Only letters and digits
ever reach the index's query language, so no input can be a syntax error.

SQLite uses the FTS5 table `case_search` (migration 0002); PostgreSQL the
tsvector table `case_search`. On SQLite the plan depends on how many letters
match: a few hundred are fetched and sorted, while a word in half the letters
is probed row by row while walking the list's own order (see `many_matches`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    column,
    exists,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnClause

from correspondence.db.models import Case

# Letters and digits, as FTS5's unicode61 tokenizer splits words (underscore splits too).
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 16
MIN_PREFIX = 2  # "a*" would match nearly every letter and tell nobody anything
PREFIX_INDEXED = 3  # FTS5 keeps prefixes of 2 and 3 letters (prefix='2 3', migration 0002)
MAX_COMPLETIONS = 32
# Above this many matches, walking the list in order and probing each row beats
# fetching every match and sorting them (see bench/README.md for the figures).
MANY_MATCHES = 20_000

_fts = table("case_search", column("rowid"))
_pg = table("case_search", column("case_id"), column("document"))


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of words in order; `prefix`: the last word may continue."""

    words: tuple[str, ...]
    prefix: bool = False
    # SQLite: the index's words the last word may complete to (then `prefix` is off).
    completions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse(text: str) -> SearchQuery:
    """Split typed text into terms; an unclosed quote runs to the end of the text."""
    text = unicodedata.normalize("NFC", text or "")
    terms: list[Term] = []
    last_is_bare = False
    for i, part in enumerate(text.split('"')):
        if i % 2:  # inside quotes: one phrase
            words = tuple(_WORD.findall(part))
            if words:
                terms.append(Term(words))
                last_is_bare = False
            continue
        for chunk in part.split():
            words = tuple(_WORD.findall(chunk))
            if words:
                terms.append(Term(words))
                last_is_bare = True
    as_typed = last_is_bare and not text[-1:].isspace() and len(terms) <= MAX_TERMS
    terms = terms[:MAX_TERMS]
    if terms and as_typed and len(terms[-1].words[-1]) >= MIN_PREFIX:
        terms[-1] = Term(terms[-1].words, prefix=True)
    return SearchQuery(tuple(terms))


# --- SQLite FTS5 ---------------------------------------------------------------------


def _quoted(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH string: every term quoted, so AND, NEAR, * and ( ) are just words."""
    parts = []
    for term in query.terms:
        if term.completions:
            head = term.words[:-1]
            either = " OR ".join(_quoted((*head, word)) for word in term.completions)
            parts.append(f"({either})")
        else:
            parts.append(_quoted(term.words) + (" *" if term.prefix else ""))
    return " AND ".join(parts)


def _fold(word: str) -> str:
    """As FTS5's unicode61 tokenizer stores a word: lower case, accents removed."""
    plain = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()


def complete_prefixes(session: Session, query: SearchQuery) -> SearchQuery | None:
    """SQLite: a typed prefix longer than the indexed prefixes becomes its completions.

    FTS5 answers such a prefix by merging the rows of every word it begins,
    again for every row probed (18 ms each for "child" in a million letters);
    a handful of whole words are looked up directly. Returns None when no word
    in the index begins so: nothing can match. More completions than
    MAX_COMPLETIONS leave the prefix as it is (see `broad_prefix`).
    """
    terms = list(query.terms)
    for i, term in enumerate(terms):
        last = _fold(term.words[-1])
        if not term.prefix or len(last) <= PREFIX_INDEXED:
            continue
        upper = last[:-1] + chr(ord(last[-1]) + 1)
        words: Sequence[str] = session.scalars(
            select(column("term"))
            .select_from(table("case_search_vocab"))
            .where(column("term") >= last, column("term") < upper)
            .limit(MAX_COMPLETIONS + 1)
        ).all()
        if not words:
            return None
        if len(words) <= MAX_COMPLETIONS:
            terms[i] = Term(term.words, completions=tuple(words))
    return SearchQuery(tuple(terms))


def broad_prefix(query: SearchQuery) -> bool:
    """A prefix with many completions: costly per row, so fetch the matches once instead."""
    return any(t.prefix and len(_fold(t.words[-1])) > PREFIX_INDEXED for t in query.terms)


def _fts_match(query: SearchQuery) -> ColumnElement[bool]:
    return literal_column("case_search").op("MATCH")(literal(fts5_match(query)))


def count_matches(session: Session, query: SearchQuery, cap: int | None = None) -> int:
    """How many cases match, counting no further than `cap` (cheap even for common words)."""
    if session.get_bind().dialect.name == "postgresql":
        inner = select(_pg.c.case_id).where(_pg.c.document.op("@@")(pg_tsquery(query)))
    else:
        inner = select(_fts.c.rowid).where(_fts_match(query))
    if cap is not None:
        inner = inner.limit(cap)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def estimate_matches(session: Session, query: SearchQuery, windows: int = 8) -> int:
    """SQLite: about how many cases match, from windows spread over the id range (2 % of
    the ids in all; ids follow logging, so each window is a slice of the office's
    history, and FTS5 seeks straight to a rowid range)."""
    top = session.scalar(select(func.max(Case.id))) or 0
    span = max(top // (windows * 50), 1)
    hits = 0
    for i in range(windows):
        lo = 1 + (top - span) * i // max(windows - 1, 1)
        inside = _fts.c.rowid.between(lo, lo + span - 1)
        hits += (
            session.scalar(select(func.count()).select_from(_fts).where(_fts_match(query), inside))
            or 0
        )
    return round(hits * top / (span * windows))


def count_in_range(
    session: Session,
    query: SearchQuery,
    lo: int,
    hi: int,
    among: Select[Any] | None = None,
    cap: int | None = None,
) -> int:
    """SQLite: matches with ids from `lo` to `hi` (and among the ids `among` selects),
    counting no further than `cap`.

    FTS5 reads the words' lists from `lo` on (~0.2 µs a match); `among` is built once
    into a temporary index and each match tested against it (`+` keeps it from being
    handed to FTS5, which would look each id up, ~15 µs a probe)."""
    inner = select(_fts.c.rowid).where(_fts_match(query), _fts.c.rowid.between(lo, hi))
    if among is not None:
        inner = inner.where(literal_column("+case_search.rowid").in_(among))
    if cap is not None:
        inner = inner.limit(cap)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def many_matches(session: Session, query: SearchQuery) -> bool:
    return count_matches(session, query, MANY_MATCHES) >= MANY_MATCHES


def has_phrase(query: SearchQuery) -> bool:
    return any(len(t.words) > 1 for t in query.terms)


def few_matches(session: Session, query: SearchQuery) -> list[int] | None:
    """SQLite: the ids of every match when fewer than MANY_MATCHES, else None.

    For a phrase, whose matching (word positions) costs more than fetching the ids:
    they are handed back to the list's query (`among`), so the phrase is matched once,
    not once to count and again to list. A single word counts cheaper than it fetches.
    """
    ids = session.scalars(select(_fts.c.rowid).where(_fts_match(query)).limit(MANY_MATCHES)).all()
    return list(ids) if len(ids) < MANY_MATCHES else None


def walk_for(session: Session, matches: int) -> bool:
    """Walk the sort order testing each row against the matches, rather than fetch
    every match and sort them: when they are dense enough that 200 come soon.

    Walking costs ~0.2 µs an index entry and 200·N/matches entries; fetching a match's
    row ~10 µs (a random page): walking wins above about 2·√N matches.
    """
    top = session.scalar(select(func.max(Case.id))) or 0
    return matches * matches > 4 * top


def among(ids: Sequence[int], walk: bool) -> ColumnElement[bool]:
    """`Case.id` is one of `ids`, passed as one JSON value (not thousands of parameters).

    With `walk`, written so the id's index cannot be used (`id + 0`): SQLite then walks
    the sort order's index and tests each row against the set, stopping at a page.
    """
    each = func.json_each(literal(json.dumps(list(ids)))).table_valued("value")
    return (Case.id + 0).in_(select(each.c.value)) if walk else Case.id.in_(select(each.c.value))


def matching_ids(query: SearchQuery, dialect: str, walk: bool = False) -> ColumnElement[bool]:
    """`Case.id` is among the matches: for few matches, fetched first and then sorted;
    with `walk` (SQLite), the sort order's index is walked testing each row (see `among`)."""
    if dialect == "postgresql":
        return Case.id.in_(select(_pg.c.case_id).where(_pg.c.document.op("@@")(pg_tsquery(query))))
    matches = select(_fts.c.rowid).where(_fts_match(query))
    return (Case.id + 0).in_(matches) if walk else Case.id.in_(matches)


def pg_table() -> Any:
    """PostgreSQL's `case_search` (case_id, document), for statements built elsewhere."""
    return _pg


def pg_candidates(query: SearchQuery) -> SearchQuery:
    """The words of each phrase apart (a phrase's matches are among theirs): what the
    index finds without reading a row. Terms with digits stay whole, as they are also
    matched as written (see pg_tsquery)."""
    terms: list[Term] = []
    for term in query.terms:
        if len(term.words) == 1 or any(ch.isdigit() for w in term.words for ch in w):
            terms.append(term)
            continue
        terms += [Term((w,)) for w in term.words[:-1]]
        terms.append(Term(term.words[-1:], prefix=term.prefix))
    return SearchQuery(tuple(terms))


def pg_matching(query: SearchQuery) -> Select[Any]:
    """PostgreSQL: the ids of the matching cases, from the index's table alone (each
    document belongs to a case: a foreign key), for counting without the cases."""
    return select(_pg.c.case_id).where(_pg.c.document.op("@@")(pg_tsquery(query)))


def probe_each_row(query: SearchQuery, dialect: str) -> ColumnElement[bool]:
    """This row matches, asked row by row: for common words while walking the sort order."""
    if dialect == "postgresql":
        return matching_ids(query, dialect)  # PostgreSQL's planner chooses for itself
    return exists(select(literal(1)).where(_fts_match(query), _fts.c.rowid == Case.id))


# --- PostgreSQL ----------------------------------------------------------------------

# The same accent table as migration 0002's case_search_words().
_PLAIN = str.maketrans(
    "àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžſơưǎǐǒǔ"
    "ǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳøđłħıŧƀɨ",
    "aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzsouaiou"
    "uuuuaagkoojgnaaaeeiioorruusthaeooooyodlhitbi",
)


def _tsquery_text(term: Term) -> str:
    # Only letters and digits reach here, so no tsquery operator can be smuggled in.
    words = [f"'{w.lower().translate(_PLAIN)}'" for w in term.words]
    if term.prefix:
        words[-1] += ":*"
    return " <-> ".join(words)


def pg_tsquery(query: SearchQuery) -> ColumnElement[object]:
    """AND of the terms, stemmed and without stop words as the document is ('english').

    A term with digits may also match the reference as written ('simple'), so a
    sequence number is never stemmed away. A term of stop words only ("the")
    drops out, as PostgreSQL does (numnode of the result is 0 when nothing is left).
    """
    english: ColumnClause[object] = literal_column("'english'::regconfig")
    simple: ColumnClause[object] = literal_column("'simple'::regconfig")
    combined: ColumnElement[object] | None = None
    for term in query.terms:
        text = literal(_tsquery_text(term))
        one: ColumnElement[object] = func.to_tsquery(english, text)
        if any(ch.isdigit() for w in term.words for ch in w):
            one = one.op("||")(func.to_tsquery(simple, text))
        combined = one if combined is None else combined.op("&&")(one)
    assert combined is not None, "an empty query has no tsquery"
    return combined
