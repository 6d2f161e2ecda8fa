"""At intake: a just-logged letter into the campaign it belongs to, or into a new one.

A letter joins a campaign when it matches the campaign's canonical letter; a new campaign
is born (status "proposed") from ``MIN_SIZE`` near-identical letters by as many different
correspondents. Each database has a pool in memory of the campaigns' canonical
fingerprints and the unassigned letters seen so far, so a letter is not compared with the
whole database; membership changed any other way forgets the pools (``forget_pools``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, bindparam, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import Campaign, Case, now_utc
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.campaigns.campaign_forming import (
    CLOSED_VALUES,
    JOINED_CAMPAIGN,
    append_events,
    distinct_writers,
    excluded_case_ids,
    new_campaign,
)
from correspondence.services.cases import sort_keys

POOL_LIMIT = 20_000  # unassigned letters kept in memory as seeds of new campaigns


class _Pool:
    """Per database: canonical fingerprints and the unassigned letters seen so far."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.letters = detect.LetterIndex()
        self.max_id = -1
        self.excluded: set[int] = set()
        self.canonicals: dict[int, tuple[str, detect.Fingerprint]] = {}


_POOLS: weakref.WeakKeyDictionary[Engine, _Pool] = weakref.WeakKeyDictionary()


_POOLS_LOCK = threading.Lock()


def _pool_for(session: Session) -> _Pool:
    engine = session.get_bind().engine
    with _POOLS_LOCK:
        pool = _POOLS.get(engine)
        if pool is None:
            pool = _POOLS[engine] = _Pool()
        return pool


def forget_pools() -> None:
    """Membership changed outside the intake path: rebuild the pools on next use."""
    with _POOLS_LOCK:
        _POOLS.clear()


def _sync(
    session: Session,
    pool: _Pool,
    taken: dict[int, detect.Fingerprint] | None = None,
    known: Mapping[int, detect.Fingerprint] | None = None,
) -> None:
    """Add the unassigned letters logged since the last sync; their fingerprints go into
    ``taken`` too, so the letters of the batch being placed are not fingerprinted twice
    (nor those whose fingerprints are ``known`` already)."""
    if pool.max_id < 0:
        pool.excluded = excluded_case_ids(session)
    q = (
        select(Case.id, Case.letter_text)
        .where(
            Case.id > pool.max_id,
            Case.campaign_id.is_(None),
            Case.direction == "incoming",
            Case.letter_text != "",
            Case.status.not_in(CLOSED_VALUES),
        )
        .order_by(Case.id.desc())
        .limit(POOL_LIMIT)
    )
    top = session.scalar(select(func.max(Case.id))) or 0
    for cid, text in session.execute(q):
        if cid not in pool.excluded:
            fp = (known.get(cid) if known else None) or detect.fingerprint(text)
            pool.letters.add(cid, fp)
            if taken is not None:
                taken[cid] = fp
    pool.max_id = max(pool.max_id, top)


@dataclass(frozen=True)
class NewLetter:
    """A letter an import has just logged: a new incoming case, in no campaign yet."""

    case_id: int
    text: str
    fingerprint: detect.Fingerprint | None = None  # worked out beforehand, or None
    # (campaign id, similarity) when `joins_ahead` placed it and the case was written in it
    joined: tuple[int, float] | None = None


def joins_ahead(
    session: Session, letters: Sequence[tuple[str, detect.Fingerprint | None]]
) -> list[tuple[int, float, str] | None]:
    """For an import batch's letters, (text, fingerprint) in order and not yet written:
    (campaign id, similarity, name) of each at the head of the batch that joins an existing
    campaign by its canonical letter, else None.

    The decision `place_new_cases` makes first for each letter, made before the cases are
    written, so the import writes them in their campaign instead of updating each row
    (and its campaign indexes) a moment later; `place_new_cases` then takes it as made
    (`NewLetter.joined`). Only while every letter joins (or is passed over): the first one
    offered to the pool may start a campaign, which the letters after it could join, so
    from there on `place_new_cases` decides. Call it in the transaction that writes them,
    once it holds the database's write lock, so no campaign changes in between.
    """
    out: list[tuple[int, float, str] | None] = [None] * len(letters)
    if not letters:
        return out
    pool = _pool_for(session)
    with pool.lock:
        names = _refresh_canonicals(session, pool)
        for k, (text, ready) in enumerate(letters):
            if not text.strip():
                continue
            fp = ready or detect.fingerprint(text)
            if len(fp) < detect.MIN_WORDS:
                continue
            best = detect.best_campaign(fp, ((cid, f) for cid, (_, f) in pool.canonicals.items()))
            if best is None or best[0] not in names:
                break
            out[k] = (best[0], round(best[1], 4), names[best[0]])
    return out


def place_new_case(session: Session, case: Case) -> str | None:
    """Put a just-logged letter into the campaign it belongs to, creating one when this
    letter is the ``MIN_SIZE``-th copy; the campaign's name, or None."""
    return place_new_cases(session, [case])[0]


def place_new_cases(session: Session, cases: Sequence[Case | NewLetter]) -> list[str | None]:
    """``place_new_case`` for each just-logged letter, in order; their campaigns' names.

    The same decisions as one call per letter, made cheaper for an import batch: the
    campaigns' canonical letters are read once, the pool is brought up to date once, and
    the "joined campaign" events are appended together rather than one flush each. An
    import passes its letters as ``NewLetter``s, so no case is loaded for the letters that
    simply join a campaign, and their fingerprints may come ready-made.
    """
    out: list[str | None] = [None] * len(cases)
    if not cases:
        return out
    pool = _pool_for(session)
    with pool.lock:
        try:
            _place(session, pool, cases, out)
        except BaseException:
            # The transaction is going to be rolled back: what the pool learnt would be
            # letters and campaigns that never existed.
            forget_pools()
            raise
    return out


def _place(
    session: Session, pool: _Pool, cases: Sequence[Case | NewLetter], out: list[str | None]
) -> None:
    names = _refresh_canonicals(session, pool)
    joins = _Joins()
    taken: dict[int, detect.Fingerprint] = {}  # fingerprints _sync took in this transaction
    ready = {c.case_id: c.fingerprint for c in cases if isinstance(c, NewLetter) and c.fingerprint}
    # The cases loaded while placing (peers of a new campaign), held so a letter of the
    # batch taken in as a peer is seen as such at its turn.
    held: dict[int, Case] = {}
    synced = False
    for k, item in enumerate(cases):
        if isinstance(item, NewLetter) and item.joined is not None:
            # Decided by joins_ahead and written so: only its event and the pool remain.
            cid, similarity = item.joined
            joins.add(item.case_id, cid, similarity, names[cid], written=True)
            pool.letters.remove(item.case_id)
            out[k] = names[cid]
            continue
        if isinstance(item, NewLetter):
            case_id, text, case = item.case_id, item.text, held.get(item.case_id)
        else:
            case_id, text, case = item.id, item.letter_text, item
        if case is not None and case.campaign_id is not None:
            # Logged into one, or taken in as a peer just now.
            out[k] = names.get(case.campaign_id) or (case.campaign.name if case.campaign else None)
            continue
        if (case is not None and case.direction != "incoming") or not text.strip():
            continue
        fp = ready.get(case_id) or taken.get(case_id) or detect.fingerprint(text)
        if len(fp) < detect.MIN_WORDS:
            continue

        # 1. An existing campaign, by its canonical letter.
        best = detect.best_campaign(fp, ((cid, f) for cid, (_, f) in pool.canonicals.items()))
        if best is not None and best[0] in names:
            joins.add(case if case is not None else case_id, best[0], round(best[1], 4),
                      names[best[0]])  # fmt: skip
            pool.letters.remove(case_id)
            out[k] = names[best[0]]
            continue

        # 2. Enough unassigned copies of it to call it a campaign.
        if not synced:
            joins.write(session)  # the pool reads unassigned letters from the database
            _sync(session, pool, taken, ready)
            synced = True
        camp = _campaign_from_pool(session, pool, case_id, case, fp, joins, held)
        if camp is not None:
            names[camp.id] = camp.name
            out[k] = camp.name
            continue
        pool.letters.add(case_id, fp)
        pool.max_id = max(pool.max_id, case_id)
    joins.write(session)
    session.flush()


def _refresh_canonicals(session: Session, pool: _Pool) -> dict[int, str]:
    """Bring the pool's canonical fingerprints up to date; campaign id -> name."""
    rows = session.execute(select(Campaign.id, Campaign.name, Campaign.canonical_text)).all()
    live = {cid for cid, _, _ in rows}
    for cid in list(pool.canonicals):
        if cid not in live:
            del pool.canonicals[cid]
    for cid, _, text in rows:
        cached = pool.canonicals.get(cid)
        if cached is None or cached[0] != text:
            pool.canonicals[cid] = (text, detect.fingerprint(text or ""))
    return {cid: name for cid, name, _ in rows}


def _campaign_from_pool(
    session: Session,
    pool: _Pool,
    case_id: int,
    case: Case | None,
    fp: detect.Fingerprint,
    joins: _Joins,
    held: dict[int, Case],
) -> Campaign | None:
    """A new campaign of the case and its unassigned copies in the pool, when there are
    enough of them by enough different writers. The cases loaded go into ``held``."""
    near = pool.letters.near(fp, exclude=case_id)
    if len(near) + 1 < detect.MIN_SIZE:
        return None
    joins.write(session)  # peers are checked against the database
    if case is None:
        case = held[case_id] = session.get_one(Case, case_id)
    peers = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_([k for k, _ in near]))
            .options(selectinload(Case.correspondent))
        )
    }
    held.update(peers)
    members = [case]
    fps = [fp]
    for k, _ in near:
        peer = peers.get(k)
        # Checked against the database: the pool only proposes.
        if peer is None or peer.campaign_id is not None or not peer.letter_text:
            pool.letters.remove(k)
            continue
        peer_fp = detect.fingerprint(peer.letter_text)
        if detect.matches(fp, peer_fp) is not None:
            members.append(peer)
            fps.append(peer_fp)
    if len(members) < detect.MIN_SIZE or distinct_writers(members) < detect.MIN_SIZE:
        return None
    camp = new_campaign(session, None, members, fps=fps, why="near-identical letters at intake")
    for m in members:
        pool.letters.remove(m.id)
    pool.canonicals[camp.id] = (camp.canonical_text, fps[detect.medoid(fps)])
    return camp


class _Joins:
    """Letters matched to an existing campaign's canonical letter, written together.

    Each case shows its campaign at once (so the rest of the batch sees it); the rows and
    their "joined campaign" events reach the database in one statement each, before
    anything reads them back. An ORM flush would update the rows one by one. A letter an
    import passes by id (no case loaded) is a new case: version 1, becoming 2; one it
    wrote in its campaign already (`written`) needs only its event.
    """

    def __init__(self) -> None:
        # (case id, the case if loaded, version it had, campaign id, similarity, name,
        # whether its row is written so already)
        self.rows: list[tuple[int, Case | None, int, int, float, str, bool]] = []

    def add(
        self,
        case: Case | int,
        campaign_id: int,
        similarity: float,
        name: str,
        *,
        written: bool = False,
    ) -> None:
        if isinstance(case, int):
            self.rows.append((case, None, 1, campaign_id, similarity, name, written))
            return
        state = sa_inspect(case)
        if state.modified or state.pending:
            assert state.session is not None  # a changed or new case belongs to a session
            state.session.flush()  # its own changes go first, by the usual route
        was = case.version
        set_committed_value(case, "campaign_id", campaign_id)
        set_committed_value(case, "campaign_similarity", similarity)
        set_committed_value(case, "version", was + 1)
        if "campaign" in state.dict:
            assert state.session is not None  # loaded, so it belongs to a session
            state.session.expire(case, ["campaign"])  # loaded again from campaign_id
        self.rows.append((case.id, case, was, campaign_id, similarity, name, False))

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        if any(not row[6] for row in self.rows):
            self._update(session)
        append_events(
            session,
            None,
            [
                ("case", case_id, case_id, JOINED_CAMPAIGN, "campaign", "", name,
                 "matched the campaign's letter")
                for case_id, _, _, _, _, name, _ in self.rows
            ],
        )  # fmt: skip
        self.rows.clear()

    def _update(self, session: Session) -> None:
        rows = [row for row in self.rows if not row[6]]
        now = now_utc()
        table = Case.__table__
        result = session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_was"))
            .values(
                campaign_id=bindparam("b_campaign"),
                # Given right, SQLite's sort-key trigger need not write the row again.
                campaign_sort=bindparam("b_sort"),
                campaign_similarity=bindparam("b_similarity"),
                version=bindparam("b_version"),
                updated_at=now,
            ),
            [
                {
                    "b_id": case_id,
                    "b_was": was,
                    "b_campaign": cid,
                    "b_sort": sort_keys.sort_key(name),
                    "b_similarity": similarity,
                    "b_version": was + 1,
                }
                for case_id, _, was, cid, similarity, name, _ in rows
            ],
        )
        written = cast(CursorResult[Any], result)  # an UPDATE's result: it has a rowcount
        dialect = session.get_bind().dialect
        if dialect.supports_sane_multi_rowcount and written.rowcount != len(rows):
            # What the ORM's version check would say: someone else saved one of them.
            raise StaleDataError(
                f"{len(rows) - written.rowcount} of {len(rows)} cases changed "
                "while they were being put into campaigns"
            )
        for _, case, *_rest in rows:
            if case is not None:
                set_committed_value(case, "updated_at", now)
