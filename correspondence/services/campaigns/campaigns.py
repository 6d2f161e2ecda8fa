"""Campaigns: grouping near-identical letters, and what an officer does with the groups.

Functions take ``(session, actor, ...)`` and never commit; ``Campaigns`` owns the
transaction. Detection itself is the pure algorithm in ``campaign_detect``.

Rules kept here:
- a letter joins a campaign when it matches the campaign's canonical letter; new campaigns
  are born (status "proposed") from ``MIN_SIZE`` near-identical letters by as many
  different correspondents;
- an officer's "remove from campaign" sticks: detection never puts that letter back (the
  event log is the record of it);
- letters already closed (dispatched, no reply, transferred) are left alone by detection;
- every change is an event on the campaign and, for membership, on the case.
"""

from __future__ import annotations

import builtins
import datetime as dt
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, bindparam, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import Campaign, Case, Draft, Event, now_utc
from correspondence.domain.states import CLOSED_STATUSES, CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.errors import ConflictError, NotFound, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

LEFT_CAMPAIGN = "left campaign"  # the case event that keeps a letter out of detection
JOINED_CAMPAIGN = "joined campaign"
POOL_LIMIT = 20_000  # unassigned letters kept in memory as seeds of new campaigns
CLOSED_VALUES = tuple(s.value for s in CLOSED_STATUSES)
LIVE_DRAFT_VALUES = tuple(s.value for s in DraftStatus if s not in (DraftStatus.SUPERSEDED,))


# --- plain results -----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    name: str
    organisation: str
    status: str  # proposed|confirmed
    size: int
    first_received: dt.date | None
    last_received: dt.date | None
    canonical_case_id: int | None
    version: int


@dataclass(frozen=True)
class MemberView:
    case_id: int
    reference: str
    correspondent: str
    kind: str  # the correspondent's kind: mp, public, ...
    on_behalf_of: tuple[str, ...]
    received_on: dt.date
    status: CaseStatus
    similarity: float | None
    is_canonical: bool


@dataclass(frozen=True)
class WeekCount:
    week_of: dt.date  # the Monday
    count: int


@dataclass(frozen=True)
class CampaignDetail:
    summary: CampaignSummary
    canonical_text: str
    canonical_reference: str
    members: tuple[MemberView, ...]
    weeks: tuple[WeekCount, ...]
    draft_id: int | None
    draft_status: str  # a DraftStatus value, or ""


@dataclass(frozen=True)
class DetectReport:
    examined: int
    joined: int  # letters added to campaigns that already existed
    created: tuple[CampaignSummary, ...]


# --- reading -----------------------------------------------------------------------------


def _summaries(session: Session, ids: Sequence[int] | None = None) -> list[CampaignSummary]:
    stats = (
        select(
            Case.campaign_id,
            func.count(Case.id),
            func.min(Case.received_on),
            func.max(Case.received_on),
        )
        .where(Case.campaign_id.is_not(None))
        .group_by(Case.campaign_id)
    )
    if ids is not None:
        stats = stats.where(Case.campaign_id.in_(ids))
    by_id = {cid: (n, first, last) for cid, n, first, last in session.execute(stats)}
    q = select(Campaign).order_by(Campaign.id)
    if ids is not None:
        q = q.where(Campaign.id.in_(ids))
    out = []
    for c in session.scalars(q):
        n, first, last = by_id.get(c.id, (0, None, None))
        out.append(
            CampaignSummary(
                c.id,
                c.name,
                c.organisation,
                c.status,
                n,
                first,
                last,
                c.canonical_case_id,
                c.version,
            )
        )
    return out


def list_campaigns(session: Session) -> list[CampaignSummary]:
    """Every campaign, largest first."""
    return sorted(_summaries(session), key=lambda c: (-c.size, c.name.lower(), c.id))


def summary(session: Session, campaign_id: int) -> CampaignSummary:
    found = _summaries(session, [campaign_id])
    if not found:
        raise NotFound(f"No campaign #{campaign_id}")
    return found[0]


def member_references(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Case.reference).where(Case.campaign_id == campaign_id).order_by(Case.id)
        )
    )


def detail(session: Session, campaign_id: int) -> CampaignDetail:
    camp = _get(session, campaign_id)
    cases = session.scalars(
        select(Case)
        .where(Case.campaign_id == campaign_id)
        .options(selectinload(Case.correspondent), selectinload(Case.constituents))
        .order_by(Case.received_on, Case.id)
    ).all()
    members = tuple(
        MemberView(
            case_id=c.id,
            reference=c.reference,
            correspondent=c.correspondent.display_name if c.correspondent else "",
            kind=c.correspondent.kind if c.correspondent else "",
            on_behalf_of=tuple(
                " ".join(p for p in (k.title, k.first_name, k.last_name) if p)
                for k in c.constituents
            ),
            received_on=c.received_on,
            status=CaseStatus(c.status),
            similarity=c.campaign_similarity,
            is_canonical=c.id == camp.canonical_case_id,
        )
        for c in cases
    )
    weeks: dict[dt.date, int] = {}
    for m in members:
        monday = m.received_on - dt.timedelta(days=m.received_on.weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    week_rows: list[WeekCount] = []
    if weeks:
        # Every week between the first and the last, so quiet weeks show as gaps.
        day, last = min(weeks), max(weeks)
        while day <= last:
            week_rows.append(WeekCount(day, weeks.get(day, 0)))
            day += dt.timedelta(days=7)
    canonical_ref = ""
    if camp.canonical_case_id is not None:
        canonical_ref = (
            session.scalar(select(Case.reference).where(Case.id == camp.canonical_case_id)) or ""
        )
    draft = current_draft(session, campaign_id)
    return CampaignDetail(
        summary=summary(session, campaign_id),
        canonical_text=camp.canonical_text,
        canonical_reference=canonical_ref,
        members=members,
        weeks=tuple(week_rows),
        draft_id=draft.id if draft else None,
        draft_status=draft.status if draft else "",
    )


def _get(session: Session, campaign_id: int) -> Campaign:
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"No campaign #{campaign_id}")
    return camp


# --- an officer's changes ----------------------------------------------------------------


def rename(
    session: Session,
    actor: Actor,
    campaign_id: int,
    name: str,
    organisation: str | None = None,
    expected_version: int | None = None,
) -> None:
    actor.require("rename a campaign", Role.OFFICER)
    camp = _get(session, campaign_id)
    _check_version(camp, expected_version)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Name", "a campaign needs a name")
    if len(name) > 200:
        raise ValidationError("Name", "keep the name under 200 characters")
    if name != camp.name:
        events.record(
            session, actor, "campaign", camp.id, "renamed", field="name", old=camp.name, new=name
        )
        camp.name = name
    if organisation is not None:
        organisation = " ".join(organisation.split())[:200]
        if organisation != camp.organisation:
            events.record(
                session,
                actor,
                "campaign",
                camp.id,
                "organisation",
                field="organisation",
                old=camp.organisation,
                new=organisation,
            )
            camp.organisation = organisation
    session.flush()


def confirm(session: Session, actor: Actor, campaign_id: int) -> None:
    actor.require("confirm a campaign", Role.OFFICER)
    camp = _get(session, campaign_id)
    if camp.status == "confirmed":
        return
    events.record(
        session, actor, "campaign", camp.id, "confirmed", field="status", old=camp.status,
        new="confirmed",
    )  # fmt: skip
    camp.status = "confirmed"
    session.flush()


def remove_members(
    session: Session, actor: Actor, campaign_id: int, case_ids: Iterable[int], reason: str = ""
) -> int:
    """Take letters out of a campaign for good (detection will not put them back)."""
    actor.require("remove letters from a campaign", Role.OFFICER)
    camp = _get(session, campaign_id)
    cases = _members(session, camp, case_ids)
    for case in cases:
        _leave(session, actor, case, camp, LEFT_CAMPAIGN, reason or "removed by an officer")
    events.record(
        session, actor, "campaign", camp.id, "members removed",
        new=", ".join(c.reference for c in cases), reason=reason,
    )  # fmt: skip
    _recentre_if_needed(session, camp)
    _forget_pools()
    return len(cases)


def split(
    session: Session,
    actor: Actor,
    campaign_id: int,
    case_ids: Iterable[int],
    name: str = "",
) -> int:
    """Move the chosen members into a new campaign; its id."""
    actor.require("split a campaign", Role.OFFICER)
    camp = _get(session, campaign_id)
    cases = _members(session, camp, case_ids)
    remaining = session.scalar(select(func.count(Case.id)).where(Case.campaign_id == camp.id))
    if len(cases) == remaining:
        raise ValidationError("Members", "leave at least one letter in the campaign to split it")
    new = _new_campaign(session, actor, cases, name=name, why=f"split from campaign #{camp.id}")
    events.record(
        session, actor, "campaign", camp.id, "split", new=str(new.id),
        reason=f"{len(cases)} letters moved to “{new.name}”",
    )  # fmt: skip
    _recentre_if_needed(session, camp)
    return new.id


def merge(session: Session, actor: Actor, keep_id: int, other_id: int) -> int:
    """Move every member of ``other_id`` into ``keep_id`` and delete the emptied campaign."""
    actor.require("merge campaigns", Role.OFFICER)
    if keep_id == other_id:
        raise ValidationError("Campaigns", "choose two different campaigns to merge")
    keep, other = _get(session, keep_id), _get(session, other_id)
    if session.scalar(select(Draft.id).where(Draft.campaign_id == other.id).limit(1)):
        raise ValidationError(
            "Merge",
            f"“{other.name}” already has a reply draft; merge it the other way round "
            f"(keep “{other.name}”)",
        )
    canonical = _fingerprint_of(keep)
    moved = session.scalars(select(Case).where(Case.campaign_id == other.id)).all()
    for case in moved:
        case.campaign_id = keep.id
        case.campaign_similarity = _similarity(case, canonical)
        events.record(
            session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
            field="campaign", old=other.name, new=keep.name, reason="campaigns merged",
        )  # fmt: skip
    events.record(
        session, actor, "campaign", keep.id, "merged", old=other.name,
        new=keep.name, reason=f"{len(moved)} letters from campaign #{other.id}",
    )  # fmt: skip
    events.record(session, actor, "campaign", other.id, "deleted", reason=f"merged into #{keep.id}")
    if keep.status != "confirmed" and other.status == "confirmed":
        keep.status = "confirmed"
    session.flush()
    session.delete(other)
    session.flush()
    return keep.id


def add_members(session: Session, actor: Actor, campaign_id: int, case_ids: Iterable[int]) -> int:
    """An officer puts letters into a campaign by hand (a removal is undone this way)."""
    actor.require("add letters to a campaign", Role.OFFICER)
    camp = _get(session, campaign_id)
    canonical = _fingerprint_of(camp)
    added = 0
    for cid in dict.fromkeys(case_ids):
        case = session.get(Case, cid)
        if case is None:
            raise NotFound(f"No case #{cid}")
        if case.campaign_id == camp.id:
            continue
        old = case.campaign.name if case.campaign else ""
        case.campaign_id = camp.id
        case.campaign_similarity = _similarity(case, canonical)
        events.record(
            session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
            field="campaign", old=old, new=camp.name, reason="added by an officer",
        )  # fmt: skip
        added += 1
    session.flush()
    _forget_pools()
    return added


def set_canonical(session: Session, actor: Actor, campaign_id: int, case_id: int) -> None:
    """Make one member's letter the campaign's canonical text; rescore the members."""
    actor.require("choose a campaign's canonical letter", Role.OFFICER)
    camp = _get(session, campaign_id)
    case = session.get(Case, case_id)
    if case is None or case.campaign_id != camp.id:
        raise ValidationError("Canonical letter", "choose one of the campaign's own letters")
    _make_canonical(session, actor, camp, case)


def _members(session: Session, camp: Campaign, case_ids: Iterable[int]) -> list[Case]:
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise ValidationError("Members", "select at least one letter")
    cases = session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)).all()
    strays = set(ids) - {c.id for c in cases if c.campaign_id == camp.id}
    if strays:
        raise ValidationError("Members", f"{len(strays)} of the letters are not in “{camp.name}”")
    return list(cases)


def _leave(
    session: Session, actor: Actor | None, case: Case, camp: Campaign, action: str, reason: str
) -> None:
    case.campaign_id = None
    case.campaign_similarity = None
    events.record(
        session, actor, "case", case.id, action, case_id=case.id, field="campaign",
        old=camp.name, new="", reason=reason,
    )  # fmt: skip


def _check_version(camp: Campaign, expected: int | None) -> None:
    if expected is not None and camp.version != expected:
        raise ConflictError(
            f"The campaign “{camp.name}” was changed by someone else since you opened it; "
            "reload to see their changes."
        )


def _fingerprint_of(camp: Campaign) -> detect.Fingerprint:
    return detect.fingerprint(camp.canonical_text or "")


def _similarity(case: Case, canonical: detect.Fingerprint) -> float | None:
    if not case.letter_text or not len(canonical):
        return None
    return round(detect.score(detect.fingerprint(case.letter_text), canonical).value, 4)


def _recentre_if_needed(session: Session, camp: Campaign) -> None:
    """After members left: if the canonical letter went with them, pick the new medoid."""
    session.flush()
    members = session.scalars(select(Case).where(Case.campaign_id == camp.id)).all()
    if not members or any(m.id == camp.canonical_case_id for m in members):
        return
    fps = [detect.fingerprint(m.letter_text) for m in members]
    _make_canonical(session, None, camp, members[detect.medoid(fps)], members, fps)


def _make_canonical(
    session: Session,
    actor: Actor | None,
    camp: Campaign,
    case: Case,
    members: Sequence[Case] | None = None,
    fps: Sequence[detect.Fingerprint] | None = None,
) -> None:
    if members is None:
        members = session.scalars(select(Case).where(Case.campaign_id == camp.id)).all()
    if fps is None:
        fps = [detect.fingerprint(m.letter_text) for m in members]
    events.record(
        session, actor, "campaign", camp.id, "canonical letter", field="canonical_case_id",
        old=camp.canonical_case_id, new=case.id, reason=case.reference,
    )  # fmt: skip
    camp.canonical_case_id = case.id
    camp.canonical_text = case.letter_text
    canonical = detect.fingerprint(case.letter_text)
    for m, fp in zip(members, fps, strict=True):
        m.campaign_similarity = round(detect.score(fp, canonical).value, 4)
    session.flush()


def _new_campaign(
    session: Session,
    actor: Actor | None,
    cases: Sequence[Case],
    *,
    name: str = "",
    why: str,
    canonical_index: int | None = None,
    fps: Sequence[detect.Fingerprint] | None = None,
) -> Campaign:
    """A proposed campaign of ``cases``, named after its organisation when one is named."""
    if fps is None:
        fps = [detect.fingerprint(c.letter_text) for c in cases]
    if canonical_index is None:
        canonical_index = detect.medoid(fps)
    canonical = cases[canonical_index]
    organisation = detect.organisation_in(
        [canonical.letter_text], [c.correspondent.organisation for c in cases if c.correspondent]
    )
    name = " ".join(name.split()) or _unique_name(
        session, detect.campaign_name(canonical.letter_text, organisation)
    )
    camp = Campaign(
        name=name,
        organisation=organisation,
        canonical_text=canonical.letter_text,
        canonical_case_id=canonical.id,
        status="proposed",
    )
    session.add(camp)
    session.flush()
    events.record(
        session, actor, "campaign", camp.id, "created", new=name,
        reason=f"{len(cases)} near-identical letters; {why}",
    )  # fmt: skip
    joined: list[_EventSpec] = []
    for case, fp in zip(cases, fps, strict=True):
        old = case.campaign.name if case.campaign is not None else ""
        case.campaign_id = camp.id
        case.campaign_similarity = round(detect.score(fp, fps[canonical_index]).value, 4)
        joined.append(("case", case.id, case.id, JOINED_CAMPAIGN, "campaign", old, name, why))
    _append_events(session, actor, joined)
    session.flush()
    return camp


def _unique_name(session: Session, name: str) -> str:
    taken = set(session.scalars(select(Campaign.name).where(Campaign.name.like(f"{name}%"))))
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


# --- detection ---------------------------------------------------------------------------


def _excluded_case_ids(session: Session) -> set[int]:
    """Letters an officer took out of a campaign: detection leaves them alone."""
    return set(
        session.scalars(
            select(Event.case_id).where(Event.entity == "case", Event.action == LEFT_CAMPAIGN)
        )
    )


def detect_campaigns(
    session: Session, actor: Actor | None, *, min_size: int = detect.MIN_SIZE
) -> DetectReport:
    """Re-run grouping over every open letter not in a campaign: join the existing
    campaigns they match and propose new campaigns for the new groups."""
    if actor is not None:
        actor.require("detect campaigns", Role.OFFICER)
    excluded = _excluded_case_ids(session)
    rows = [
        r
        for r in session.execute(
            select(Case.id, Case.letter_text)
            .where(
                Case.campaign_id.is_(None),
                Case.direction == "incoming",
                Case.letter_text != "",
                Case.status.not_in(CLOSED_VALUES),
            )
            .order_by(Case.received_on, Case.id)
        )
        if r.id not in excluded
    ]
    camps = [c for c in session.scalars(select(Campaign).order_by(Campaign.id)) if c.canonical_text]
    fps = [detect.fingerprint(t) for _, t in rows]
    groups = detect.group_fingerprints(
        fps, seeds=[detect.fingerprint(c.canonical_text) for c in camps], min_size=min_size
    )
    joined = 0
    created: list[int] = []
    for g in groups:
        ids = [rows[i].id for i, _ in g.members]
        cases = {
            c.id: c
            for c in session.scalars(
                select(Case).where(Case.id.in_(ids)).options(selectinload(Case.correspondent))
            )
        }
        if g.seed is not None:
            camp = camps[g.seed]
            for i, value in g.members:
                case = cases[rows[i].id]
                case.campaign_id = camp.id
                case.campaign_similarity = value
                events.record(
                    session, actor, "case", case.id, JOINED_CAMPAIGN, case_id=case.id,
                    field="campaign", new=camp.name, reason="matched the campaign's letter",
                )  # fmt: skip
            joined += len(g.members)
            continue
        members = [cases[rows[i].id] for i, _ in g.members]
        if _distinct_writers(members) < min_size:
            continue
        canonical_index = next(k for k, (i, _) in enumerate(g.members) if i == g.canonical)
        camp = _new_campaign(
            session,
            actor,
            members,
            why="found by campaign detection",
            canonical_index=canonical_index,
            fps=[fps[i] for i, _ in g.members],
        )
        created.append(camp.id)
    session.flush()
    _forget_pools()
    return DetectReport(
        examined=len(rows),
        joined=joined,
        created=tuple(s for s in list_campaigns(session) if s.id in set(created)),
    )


def _distinct_writers(cases: Iterable[Case]) -> int:
    # A case without a correspondent counts as its own writer.
    return len({c.correspondent_id if c.correspondent_id is not None else -c.id for c in cases})


# --- at intake: one new letter -----------------------------------------------------------


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


def _forget_pools() -> None:
    """Membership changed outside the intake path: rebuild the pools on next use."""
    with _POOLS_LOCK:
        _POOLS.clear()


def _sync(
    session: Session, pool: _Pool, taken: dict[int, detect.Fingerprint] | None = None
) -> None:
    """Add the unassigned letters logged since the last sync; their fingerprints go into
    ``taken`` too, so the letters of the batch being placed are not fingerprinted twice."""
    if pool.max_id < 0:
        pool.excluded = _excluded_case_ids(session)
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
            fp = detect.fingerprint(text)
            pool.letters.add(cid, fp)
            if taken is not None:
                taken[cid] = fp
    pool.max_id = max(pool.max_id, top)


def place_new_case(session: Session, case: Case) -> str | None:
    """Put a just-logged letter into the campaign it belongs to, creating one when this
    letter is the ``MIN_SIZE``-th copy; the campaign's name, or None."""
    return place_new_cases(session, [case])[0]


def place_new_cases(session: Session, cases: Sequence[Case]) -> list[str | None]:
    """``place_new_case`` for each just-logged letter, in order; their campaigns' names.

    The same decisions as one call per letter, made cheaper for an import batch: the
    campaigns' canonical letters are read once, the pool is brought up to date once, and
    the "joined campaign" events are appended together rather than one flush each.
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
            _forget_pools()
            raise
    return out


def _place(session: Session, pool: _Pool, cases: Sequence[Case], out: list[str | None]) -> None:
    names = _refresh_canonicals(session, pool)
    joins = _Joins()
    taken: dict[int, detect.Fingerprint] = {}  # fingerprints _sync took in this transaction
    synced = False
    for k, case in enumerate(cases):
        if case.campaign_id is not None:  # logged into one, or taken in as a peer just now
            out[k] = names.get(case.campaign_id) or (case.campaign.name if case.campaign else None)
            continue
        if case.direction != "incoming" or not case.letter_text.strip():
            continue
        fp = taken.get(case.id) or detect.fingerprint(case.letter_text)
        if len(fp) < detect.MIN_WORDS:
            continue

        # 1. An existing campaign, by its canonical letter.
        best = detect.best_campaign(fp, ((cid, f) for cid, (_, f) in pool.canonicals.items()))
        if best is not None and best[0] in names:
            joins.add(case, best[0], round(best[1], 4), names[best[0]])
            pool.letters.remove(case.id)
            out[k] = names[best[0]]
            continue

        # 2. Enough unassigned copies of it to call it a campaign.
        if not synced:
            joins.write(session)  # the pool reads unassigned letters from the database
            _sync(session, pool, taken)
            synced = True
        camp = _campaign_from_pool(session, pool, case, fp, joins)
        if camp is not None:
            names[camp.id] = camp.name
            out[k] = camp.name
            continue
        pool.letters.add(case.id, fp)
        pool.max_id = max(pool.max_id, case.id)
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
    session: Session, pool: _Pool, case: Case, fp: detect.Fingerprint, joins: _Joins
) -> Campaign | None:
    """A new campaign of ``case`` and its unassigned copies in the pool, when there are
    enough of them by enough different writers."""
    near = pool.letters.near(fp, exclude=case.id)
    if len(near) + 1 < detect.MIN_SIZE:
        return None
    joins.write(session)  # peers are checked against the database
    peers = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_([k for k, _ in near]))
            .options(selectinload(Case.correspondent))
        )
    }
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
    if len(members) < detect.MIN_SIZE or _distinct_writers(members) < detect.MIN_SIZE:
        return None
    camp = _new_campaign(session, None, members, fps=fps, why="near-identical letters at intake")
    for m in members:
        pool.letters.remove(m.id)
    pool.canonicals[camp.id] = (camp.canonical_text, fps[detect.medoid(fps)])
    return camp


class _Joins:
    """Letters matched to an existing campaign's canonical letter, written together.

    Each case shows its campaign at once (so the rest of the batch sees it); the rows and
    their "joined campaign" events reach the database in one statement each, before
    anything reads them back. An ORM flush would update the rows one by one.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[Case, int, float, str]] = []

    def add(self, case: Case, campaign_id: int, similarity: float, name: str) -> None:
        state = sa_inspect(case)
        if state.modified or state.pending:
            assert state.session is not None  # a changed or new case belongs to a session
            state.session.flush()  # its own changes go first, by the usual route
        set_committed_value(case, "campaign_id", campaign_id)
        set_committed_value(case, "campaign_similarity", similarity)
        set_committed_value(case, "version", case.version + 1)
        if "campaign" in state.dict:
            assert state.session is not None  # loaded, so it belongs to a session
            state.session.expire(case, ["campaign"])  # loaded again from campaign_id
        self.rows.append((case, campaign_id, similarity, name))

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        now = now_utc()
        table = Case.__table__
        result = session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_was"))
            .values(
                campaign_id=bindparam("b_campaign"),
                campaign_similarity=bindparam("b_similarity"),
                version=bindparam("b_version"),
                updated_at=now,
            ),
            [
                {
                    "b_id": case.id,
                    "b_was": case.version - 1,
                    "b_campaign": cid,
                    "b_similarity": similarity,
                    "b_version": case.version,
                }
                for case, cid, similarity, _ in self.rows
            ],
        )
        written = cast(CursorResult[Any], result)  # an UPDATE's result: it has a rowcount
        dialect = session.get_bind().dialect
        if dialect.supports_sane_multi_rowcount and written.rowcount != len(self.rows):
            # What the ORM's version check would say: someone else saved one of them.
            raise StaleDataError(
                f"{len(self.rows) - written.rowcount} of {len(self.rows)} cases changed "
                "while they were being put into campaigns"
            )
        for case, *_ in self.rows:
            set_committed_value(case, "updated_at", now)
        _append_events(
            session,
            None,
            [
                ("case", case.id, case.id, JOINED_CAMPAIGN, "campaign", "", name,
                 "matched the campaign's letter")
                for case, _, _, name in self.rows
            ],
        )  # fmt: skip
        self.rows.clear()


# entity, entity_id, case_id, action, field, old, new, reason
_EventSpec = tuple[str, int | None, int | None, str, str, str, str, str]


def _append_events(session: Session, actor: Actor | None, specs: Sequence[_EventSpec]) -> None:
    """The events ``events.record`` would write one by one, in one statement."""
    keys = ("entity", "entity_id", "case_id", "action", "field", "old_value", "new_value", "reason")
    events.record_many(session, actor, (dict(zip(keys, spec, strict=True)) for spec in specs))


# --- the reply -----------------------------------------------------------------------------


def current_draft(session: Session, campaign_id: int) -> Draft | None:
    """The campaign's reply: the newest draft that has not been superseded."""
    return session.scalar(
        select(Draft)
        .where(Draft.campaign_id == campaign_id, Draft.status.in_(LIVE_DRAFT_VALUES))
        .order_by(Draft.id.desc())
        .limit(1)
    )


def reply_draft(session: Session, actor: Actor, campaign_id: int) -> int:
    """The id of the campaign's one reply draft, created (empty, drafting) if it has none."""
    actor.require("start a campaign reply", Role.OFFICER, Role.DRAFTER)
    camp = _get(session, campaign_id)
    draft = current_draft(session, campaign_id)
    if draft is not None:
        return draft.id
    signatory = session.scalar(
        select(func.coalesce(Case.signatory_id, Case.addressed_to_id))
        .where(Case.campaign_id == camp.id)
        .group_by(func.coalesce(Case.signatory_id, Case.addressed_to_id))
        .order_by(func.count().desc())
        .limit(1)
    )
    draft = Draft(
        campaign_id=camp.id,
        status=DraftStatus.DRAFTING.value,
        signatory_id=signatory,
        created_by_id=actor.user_id,
    )
    session.add(draft)
    session.flush()
    events.record(
        session, actor, "draft", draft.id, "created", new=f"campaign #{camp.id}",
        reason=f"one reply for “{camp.name}”",
    )  # fmt: skip
    return draft.id


# --- the facade ----------------------------------------------------------------------------


class Campaigns:
    """Campaign use cases bound to a database and the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def list(self) -> list[CampaignSummary]:
        with self.uow.read() as uow:
            s = uow.session
            return list_campaigns(s)

    def detail(self, campaign_id: int) -> CampaignDetail:
        with self.uow.read() as uow:
            s = uow.session
            return detail(s, campaign_id)

    def member_references(self, campaign_id: int) -> builtins.list[str]:
        with self.uow.read() as uow:
            s = uow.session
            return member_references(s, campaign_id)

    def rename(
        self,
        campaign_id: int,
        name: str,
        organisation: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            rename(s, uow.actor, campaign_id, name, organisation, expected_version)

    def confirm(self, campaign_id: int) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            confirm(s, uow.actor, campaign_id)

    def remove_members(self, campaign_id: int, case_ids: Iterable[int], reason: str = "") -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return remove_members(s, uow.actor, campaign_id, case_ids, reason)

    def add_members(self, campaign_id: int, case_ids: Iterable[int]) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return add_members(s, uow.actor, campaign_id, case_ids)

    def split(self, campaign_id: int, case_ids: Iterable[int], name: str = "") -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return split(s, uow.actor, campaign_id, case_ids, name)

    def merge(self, keep_id: int, other_id: int) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return merge(s, uow.actor, keep_id, other_id)

    def set_canonical(self, campaign_id: int, case_id: int) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            set_canonical(s, uow.actor, campaign_id, case_id)

    def detect(self) -> DetectReport:
        with self.uow.begin() as uow:
            s = uow.session
            return detect_campaigns(s, uow.actor)

    def reply_draft(self, campaign_id: int) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return reply_draft(s, uow.actor, campaign_id)
