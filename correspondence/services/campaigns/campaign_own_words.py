"""Campaign members who wrote casework of their own, and how the reply answers them.

A flagged member is answered either by the campaign reply plus a paragraph written for them
(a `CampaignAddition`, put into their letter only by the bulk export), or by taking their
letter out of the campaign for a reply of its own.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Campaign, CampaignAddition, Case, Correspondent, now_utc
from correspondence.documents.letter_spec import BodyParagraph
from correspondence.domain.states import DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns import (
    campaign_forming,
    campaign_placing,
    campaign_reply,
    campaign_views,
)
from correspondence.services.campaigns.own_words import CampaignText, find_own_words
from correspondence.services.errors import NotFound, PermissionDenied, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

MAX_ADDITION = 4000  # characters: a paragraph, not a second letter
TAKEN_OUT = "taken out for its own reply: the writer's own words need an answer of their own"


@dataclass(frozen=True)
class MemberOwnWords:
    case_id: int
    reference: str
    correspondent: str
    passages: tuple[str, ...]
    addition: str  # the paragraph written for them, or ""

    @property
    def excerpt(self) -> str:
        return "\n\n".join(self.passages)


@dataclass(frozen=True)
class CampaignShow:
    """A campaign as `campaigns show ID --json` gives it."""

    id: int
    name: str
    organisation: str
    status: str
    canonical_reference: str
    canonical_text: str
    themes: tuple[tuple[str, int], ...]  # theme code, members carrying it; most first
    members: tuple[dict[str, object], ...]
    own_words: tuple[dict[str, str], ...]


# What each member's letter was found to hold, kept for the life of the process: the window
# reads the campaign again after every action, and a letter's words only change with its row
# version. Keyed by the canonical letter, so a new canonical letter starts afresh.
_CACHE_LIMIT = 200_000
_found: dict[tuple[int, int | None, int], dict[int, tuple[int, tuple[str, ...]]]] = {}
_found_lock = threading.Lock()


def own_words_in(session: Session, campaign_id: int) -> list[MemberOwnWords]:
    """Every member whose letter has words of their own, in reference order."""
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"No campaign #{campaign_id}")
    members = session.execute(
        select(
            Case.id,
            Case.reference,
            Case.version,
            Case.campaign_similarity,
            Correspondent.display_name,
        )
        .outerjoin(Correspondent, Correspondent.id == Case.correspondent_id)
        .where(Case.campaign_id == campaign_id)
        .order_by(Case.reference)
    ).all()
    key = (camp.id, camp.canonical_case_id, hash(camp.canonical_text))
    with _found_lock:
        known = dict(_found.get(key, {}))
    wanted = [m.id for m in members if known.get(m.id, (None,))[0] != m.version]
    if wanted:
        texts = _letter_texts(session, wanted)
        text = CampaignText(camp.canonical_text)
        # The canonical letter is read against the closest other member, not against itself.
        others = [m for m in members if m.id != camp.canonical_case_id]
        nearest = max(others, key=lambda m: m.campaign_similarity or 0.0, default=None)
        for m in members:
            if m.id not in texts:
                continue
            against = text
            if m.id == camp.canonical_case_id:
                if nearest is None:
                    known[m.id] = (m.version, ())
                    continue
                against = CampaignText(_letter_texts(session, [nearest.id]).get(nearest.id, ""))
            found = find_own_words(against, texts[m.id])
            known[m.id] = (m.version, tuple(p.text for p in found))
        with _found_lock:
            if sum(len(v) for v in _found.values()) > _CACHE_LIMIT:
                _found.clear()
            _found[key] = known
    additions = additions_for(session, campaign_id)
    return [
        MemberOwnWords(
            case_id=m.id,
            reference=m.reference,
            correspondent=m.display_name or "",
            passages=known[m.id][1],
            addition=additions.get(m.id, ""),
        )
        for m in members
        if known.get(m.id, (0, ()))[1]
    ]


def _letter_texts(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(case_ids), 900):  # under SQLite's bound-parameter limit
        chunk = case_ids[start : start + 900]
        for case_id, letter in session.execute(
            select(Case.id, Case.letter_text).where(Case.id.in_(chunk))
        ):
            out[case_id] = letter or ""
    return out


def additions_for(session: Session, campaign_id: int) -> dict[int, str]:
    """Case id → the paragraph written for that member, for the campaign's members."""
    return {
        case_id: body
        for case_id, body in session.execute(
            select(CampaignAddition.case_id, CampaignAddition.text)
            .join(Case, Case.id == CampaignAddition.case_id)
            .where(Case.campaign_id == campaign_id)
        )
    }


def addition_for(session: Session, case_id: int) -> str:
    row = session.get(CampaignAddition, case_id)
    return row.text if row is not None else ""


def with_addition(
    paragraphs: Sequence[BodyParagraph], addition: str | None
) -> tuple[BodyParagraph, ...]:
    """The member's paragraph goes before the reply's last paragraph (its closing words)."""
    if not addition:
        return tuple(paragraphs)
    at = len(paragraphs) - 1 if len(paragraphs) > 1 else len(paragraphs)
    return (*paragraphs[:at], BodyParagraph(addition), *paragraphs[at:])


def _member(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}")
    if case.campaign_id is None:
        raise ValidationError("Case", f"{case.reference} is not in a campaign")
    return case


def set_addition(session: Session, actor: Actor, case_id: int, text: str) -> None:
    """Write (or, with empty text, remove) the paragraph the campaign reply adds for a member."""
    actor.require("add a paragraph to a campaign reply", Role.OFFICER, Role.DRAFTER)
    case = _member(session, case_id)
    body = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    if len(body) > MAX_ADDITION:
        raise ValidationError(
            "Added paragraph", f"is {len(body):,} characters; keep it under {MAX_ADDITION:,}"
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in body):
        raise ValidationError("Added paragraph", "has control characters a letter cannot hold")
    draft = campaign_reply.current_draft(session, case.campaign_id)  # type: ignore[arg-type]
    if draft is not None and draft.status == DraftStatus.SIGNED_OFF.value:
        raise ValidationError(
            "Added paragraph",
            "the campaign reply is signed off; a paragraph added now would go out unseen by "
            "the signer. Take the letter out for its own reply instead.",
        )
    existing = session.get(CampaignAddition, case.id)
    old = existing.text if existing else ""
    if body == old:
        return
    if not body:
        session.execute(delete(CampaignAddition).where(CampaignAddition.case_id == case.id))
    elif existing is None:
        session.add(CampaignAddition(case_id=case.id, text=body, written_by_id=actor.user_id))
    else:
        existing.text = body
        existing.written_by_id = actor.user_id
        existing.written_at = now_utc()
    session.flush()
    events.record(
        session, actor, "case", case.id, "campaign paragraph", case_id=case.id,
        field="campaign_addition", old=old, new=body,
        reason=f"answers the writer's own words in campaign #{case.campaign_id}",
    )  # fmt: skip


def take_out(session: Session, actor: Actor, case_id: int) -> str:
    """Take a member's letter out of its campaign, to be answered on its own.

    An officer may take any letter out; a drafter only one with words of its own to answer.
    """
    actor.require("take a letter out of a campaign", Role.OFFICER, Role.DRAFTER)
    case = _member(session, case_id)
    camp = session.get(Campaign, case.campaign_id)
    assert camp is not None
    if not actor.has(Role.OFFICER):
        against = camp.canonical_text
        if case.id == camp.canonical_case_id:
            against = ""  # the canonical letter itself: only an officer re-centres a campaign
        if not against or not find_own_words(against, case.letter_text or ""):
            raise PermissionDenied(
                f"{actor.display_name} ({actor.username}) may take a letter out of a campaign "
                f"only when it has words of its own to answer; {case.reference} has none. "
                "An officer can remove it."
            )
    campaign_forming.leave_campaign(
        session, actor, case, camp, campaign_forming.LEFT_CAMPAIGN, TAKEN_OUT
    )
    events.record(
        session, actor, "campaign", camp.id, "members removed", new=case.reference,
        reason=TAKEN_OUT,
    )  # fmt: skip
    session.execute(delete(CampaignAddition).where(CampaignAddition.case_id == case.id))
    campaign_forming.recentre_if_needed(session, camp)
    campaign_placing.forget_pools()
    return case.reference


def show(session: Session, campaign_id: int) -> CampaignShow:
    detail = campaign_views.detail(session, campaign_id)
    themes: Counter[str] = Counter()
    for case in session.scalars(
        select(Case).where(Case.campaign_id == campaign_id).options(selectinload(Case.themes))
    ):
        themes.update(t.code for t in case.themes)
    flagged = own_words_in(session, campaign_id)
    return CampaignShow(
        id=detail.summary.id,
        name=detail.summary.name,
        organisation=detail.summary.organisation,
        status=detail.summary.status,
        canonical_reference=detail.canonical_reference,
        canonical_text=detail.canonical_text,
        themes=tuple(sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))),
        members=tuple(
            {
                "reference": m.reference,
                "correspondent": m.correspondent,
                "received_on": m.received_on,
                "status": m.status.value,
                "similarity": m.similarity,
                "canonical": m.is_canonical,
            }
            for m in detail.members
        ),
        own_words=tuple(
            {"reference": f.reference, "excerpt": f.excerpt, "addition": f.addition}
            for f in flagged
        ),
    )


class CampaignOwnWords:
    """The use cases above bound to a database and the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    @property
    def username(self) -> str:
        return self.uow.username

    def flagged(self, campaign_id: int) -> list[MemberOwnWords]:
        with self.uow.read() as uow:
            return own_words_in(uow.session, campaign_id)

    def show(self, campaign_id: int) -> CampaignShow:
        with self.uow.read() as uow:
            _ = uow.actor  # a disabled account is refused here
            return show(uow.session, campaign_id)

    def set_addition(self, case: int | str, text: str) -> None:
        """`case` is the member's case id or reference."""
        with self.uow.begin() as uow:
            set_addition(uow.session, uow.actor, _case_id(uow.session, case), text)

    def take_out(self, case: int | str) -> str:
        """`case` is the member's case id or reference; returns its reference."""
        with self.uow.begin() as uow:
            return take_out(uow.session, uow.actor, _case_id(uow.session, case))


def _case_id(session: Session, case: int | str) -> int:
    if isinstance(case, int):
        return case
    from correspondence.services.cases.cases import case_by_reference

    return case_by_reference(session, case).id
