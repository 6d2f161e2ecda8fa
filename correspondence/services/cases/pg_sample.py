"""PostgreSQL: how many cases a search matches, from a fixed sample of the documents.

Counting a common search reads one table row per candidate: PostgreSQL 15.18 visits the
heap for every match of a bitmap scan, even for `count(*)`, and a phrase is rechecked on
each row holding its words (the index keeps no positions). For `"school transport"` at a
million cases that is 56,737 rows on 46,572 pages, 550–660 ms, and the planner's figure
for a phrase is that of its words (46,834 against the 16,798 that match).

The sample reads the documents of SAMPLE_WINDOWS runs of SAMPLE_SPAN consecutive case
ids spread evenly over the ids (16,000 documents: ~2,000 pages, 10–40 ms), each tested
against the search and against its words alone (the candidates a count would read). Ids
follow logging, so the runs are slices of the office's history; they are the same for
every search, so a repeated count shows the same figure and finds its pages cached.
When the ids are few enough that the runs cover them all, the sample is the whole
table and its count exact.

Also here: how the counts' statements are sent (`run`: values written in as literals, so
never a generic plan) and built (`then`: each figure read once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, column, func, literal, select, true
from sqlalchemy import case as when
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select, Subquery

from correspondence.db.models import Case
from correspondence.services.cases import search

SAMPLE_WINDOWS = 16
SAMPLE_SPAN = 1_000  # consecutive ids per window
# With other filters, the search's share among the sample's kept cases is used when the
# sample keeps at least this many and that share differs from the search's share of all
# cases beyond chance (else the latter, which rests on the whole sample).
ENOUGH_KEPT = 50


@dataclass(frozen=True)
class Sample:
    hits: int  # documents in the sample matching the search
    candidates: int  # documents in the sample holding its words (what a count reads)
    documents: int  # documents in the sample
    top: int  # the highest case id of any document
    kept_hits: int = 0  # with other filters: the sample's cases they keep that match
    kept_documents: int = 0  # and the sample's cases they keep

    @property
    def whole(self) -> bool:
        """Whether the windows covered every id (then `hits` is the exact count)."""
        return self.top // SAMPLE_WINDOWS <= SAMPLE_SPAN

    def scaled(self, found: int, total: int) -> int:
        """`found` in the sample, scaled to `total` documents (the statistics' figure;
        without one, to the ids: each case has one document)."""
        if self.whole:
            return found
        if total <= 0:
            total = self.documents * self.top // (SAMPLE_WINDOWS * SAMPLE_SPAN)
        return round(found * max(total, self.documents) / max(self.documents, 1))


def sample(query: search.SearchQuery, others: list[ColumnElement[bool]]) -> Subquery:
    """The sample as one row (hits, candidates, documents, top; and with other filters,
    the sample's cases they keep and how many of those match), for a statement that
    reads other figures beside it. Nothing is read when every word is a stop word (the
    planner folds that test away: to_tsquery of a constant is immutable)."""
    pg = search.pg_table().alias("sampled")
    doc = pg.c.document
    terms = func.numnode(search.pg_tsquery(query))
    ids = search.pg_table().alias("ids")
    top = select(func.max(ids.c.case_id, type_=Integer).label("top")).subquery("top")
    k = (
        func.generate_series(0, SAMPLE_WINDOWS - 1)
        .table_valued(column("value", Integer))
        .render_derived("k")
    )
    stride = func.greatest(top.c.top // SAMPLE_WINDOWS, 1)
    first = 1 + k.c.value * stride
    # Consecutive windows when they can cover every id (the last one runs to the top).
    last = when(
        (
            stride <= SAMPLE_SPAN,
            when((k.c.value == SAMPLE_WINDOWS - 1, top.c.top), else_=first + stride - 1),
        ),
        else_=first + SAMPLE_SPAN - 1,
    )
    window = (
        select(
            func.count().filter(doc.op("@@")(search.pg_tsquery(query))).label("hits"),
            func.count()
            .filter(doc.op("@@")(search.pg_tsquery(search.pg_candidates(query))))
            .label("candidates"),
            func.count().label("documents"),
        )
        .where(pg.c.case_id.between(first, last), terms > 0)
        .lateral("w")
    )
    sums = [func.coalesce(func.sum(c), 0).label(c.name) for c in window.c]
    joined = top.join(k, true()).join(window, true())
    if others:
        # The same windows' cases the filters keep, each tested: the share of them that
        # match (a status and a search are seldom independent: open cases are the newest).
        mine = search.pg_table().alias("kept_doc")
        kept = (
            select(
                func.count()
                .filter(mine.c.document.op("@@")(search.pg_tsquery(query)))
                .label("kept_hits"),
                func.count().label("kept_documents"),
            )
            .select_from(mine.join(Case, Case.id == mine.c.case_id))
            # The window on both sides: the planner then merges two short index ranges
            # (a join it estimates cheap; a test per case it costed so high that the
            # statement was compiled by JIT first, 500 ms).
            .where(mine.c.case_id.between(first, last), Case.id.between(first, last))
            .where(*others, terms > 0)
            .lateral("kw")
        )
        sums += [func.coalesce(func.sum(c), 0).label(c.name) for c in kept.c]
        joined = joined.join(kept, true())
    top_id = func.coalesce(func.max(top.c.top), 0).label("top")
    return select(*sums, top_id).select_from(joined).subquery("sample")


def read(row: Any) -> Sample:
    kept = [int(getattr(row, name, 0) or 0) for name in ("kept_hits", "kept_documents")]
    return Sample(int(row.hits), int(row.candidates), int(row.documents), int(row.top), *kept)


def exact_among_few(query: search.SearchQuery, cap: int) -> ColumnElement[Any]:
    """The exact count of the matches, read from at most `cap` candidates (documents
    holding the words); -1 when there are more candidates than that."""
    pg = search.pg_table()
    candidates = (
        select(pg.c.document)
        .where(pg.c.document.op("@@")(search.pg_tsquery(search.pg_candidates(query))))
        .limit(cap + 1)
        .subquery("candidates")
    )
    hits = func.count().filter(candidates.c.document.op("@@")(search.pg_tsquery(query)))
    return (
        select(when((func.count() <= cap, hits), else_=literal(-1)))
        .select_from(candidates)
        .scalar_subquery()
    )


def probe(query: search.SearchQuery) -> ColumnElement[Any]:
    """This case's document matches, asked of each case kept by the other filters: a
    condition the planner cannot turn into a join, which for a phrase it misjudged (its
    figure is the words') and answered by reading the words' 8,445 candidates for 2,073
    kept cases (100 ms, where testing each kept case takes 20)."""
    pg = search.pg_table().alias("probed")
    return (
        select(pg.c.document.op("@@")(search.pg_tsquery(query)))
        .where(pg.c.case_id == Case.id)
        .scalar_subquery()
    )


def run(session: Session, stmt: Select[Any]) -> Any:
    """The statement's one row, with its values written into it as literals.

    psycopg prepares a statement on its fifth use on a connection, and after five more
    PostgreSQL may plan it once for any values: such a plan cannot know whether a word is
    rare or a status small, and chose scans that took 2.7–5 s where a plan for the values
    took 13–97 ms (`children` + status drafting or open, at a million cases).
    """
    compiled = stmt.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    return session.connection().exec_driver_sql(str(compiled)).one()


def then(figures: Any, name: str, value: Any) -> Any:
    """`figures` with one more column, `value`, which may use theirs: each in a subquery
    of its own that OFFSET 0 keeps whole, so that each figure is read once (a subquery
    pulled up into the statement counted a figure again at each use)."""
    return select(figures, value.label(name)).offset(0).subquery(name)
