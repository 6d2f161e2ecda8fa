"""A draft as the editor shows it, its signatory choices, and which draft a case opens.

A draft's line paragraphs point at the exact LineVersion they used, so a revised line never
changes a draft silently: the view flags it as drifted instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Comment, Draft, Signatory, User
from correspondence.domain.states import DraftStatus
from correspondence.services.campaigns.campaign_profile import campaign_size, campaign_theme_codes
from correspondence.services.drafting.draft_loading import (
    case_of,
    latest_approved,
    load_draft,
    mapping_for,
    sample_case,
)
from correspondence.services.drafting.reply_letter import computed_salutation
from correspondence.services.lines.line_fit import fill

# Statuses in which the drafter may still change the words.
EDITABLE = frozenset({DraftStatus.DRAFTING, DraftStatus.RETURNED})
ACTIVE = frozenset(
    {
        DraftStatus.DRAFTING,
        DraftStatus.RETURNED,
        DraftStatus.IN_QA,
        DraftStatus.WITH_PRIVATE_OFFICE,
    }
)


@dataclass(frozen=True)
class ParagraphInput:
    """One paragraph as the editor holds it; ``id`` is None until first saved."""

    kind: str  # "line" or "free"
    text: str = ""  # free text (ignored for line paragraphs)
    line_version_id: int | None = None
    numbered: bool = False
    id: int | None = None


@dataclass(frozen=True)
class ParagraphView:
    id: int
    position: int
    kind: str
    text: str  # free text, or the line's template body as used
    numbered: bool
    line_version_id: int | None = None
    line_key: str = ""
    line_title: str = ""
    line_version: int | None = None
    latest_version_id: int | None = None  # newest approved version of the line
    latest_version: int | None = None
    # The line as it will print for the case ("" for own words, or when it cannot be
    # filled in: then ``unavailable`` says why, in plain words).
    wording: str = ""
    unavailable: str = ""

    @property
    def drifted(self) -> bool:
        """The line has an approved version newer than the one this draft uses."""
        return (
            self.kind == "line"
            and self.latest_version_id is not None
            and self.latest_version_id != self.line_version_id
        )

    def as_input(self) -> ParagraphInput:
        return ParagraphInput(
            kind=self.kind,
            text=self.text,
            line_version_id=self.line_version_id,
            numbered=self.numbered,
            id=self.id,
        )


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    at: dt.datetime
    body: str


@dataclass(frozen=True)
class DraftView:
    id: int
    version: int
    case_id: int | None
    case_reference: str
    case_status: str
    correspondent: str
    status: DraftStatus
    signatory_id: int | None
    salutation: str
    complimentary_close: str
    computed_salutation: str
    computed_close: str
    subject: str
    letter_date: dt.date | None
    returned_reason: str
    created_by: str
    qa_by: str
    signed_off_by: str
    signature_method: str
    paragraphs: tuple[ParagraphView, ...]
    comments: tuple[CommentView, ...]
    # A campaign's one reply: which campaign, how many letters it answers, and the
    # campaign's themes (most common among its letters first).
    campaign_id: int | None = None
    campaign_name: str = ""
    campaign_size: int = 0
    campaign_themes: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def drifted(self) -> tuple[ParagraphView, ...]:
        return tuple(p for p in self.paragraphs if p.drifted)


@dataclass(frozen=True)
class SignatoryChoice:
    id: int
    label: str


def _campaign_label(session: Session, draft: Draft) -> str:
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return f"Campaign “{campaign.name}”" if campaign else ""


def _user_name(session: Session, uid: int | None) -> str:
    if uid is None:
        return ""
    user = session.get(User, uid)
    return user.display_name if user else ""


def draft_view(session: Session, draft_id: int, *, loaded: Draft | None = None) -> DraftView:
    """The editor's view of a draft; `loaded`: the draft as this session just saved it (with
    its paragraphs and their lines), so it is not asked for again."""
    fresh = loaded is not None and loaded.id == draft_id
    draft = loaded if loaded is not None and fresh else load_draft(session, draft_id)
    case = case_of(session, draft)
    # A campaign reply shows one member's: each letter gets its own writer's.
    sample = case or sample_case(session, draft)
    dear, close = computed_salutation(sample) if sample else ("Dear colleagues", "Yours sincerely")
    line_ids = {p.line_version.line_id for p in draft.paragraphs if p.line_version}
    latest = latest_approved(session, line_ids)
    mapping = mapping_for(session, sample, draft.signatory_id, draft.letter_date)
    paragraphs = []
    for p in draft.paragraphs:
        v = p.line_version
        newest = latest.get(v.line_id) if v else None
        wording, unavailable = (
            fill(v.body, mapping) if v is not None and mapping is not None else (p.text, "")
        )
        paragraphs.append(
            ParagraphView(
                id=p.id,
                position=p.position,
                kind=p.kind,
                text=v.body if v else p.text,
                numbered=p.numbered,
                line_version_id=v.id if v else None,
                line_key=v.line.key if v else "",
                line_title=v.line.title if v else "",
                line_version=v.number if v else None,
                latest_version_id=newest.id if newest else None,
                latest_version=newest.number if newest else None,
                wording=wording,
                unavailable=unavailable,
            )
        )
    comments = tuple(
        CommentView(c.id, _user_name(session, c.author_id) or "?", c.created_at, c.body)
        for c in session.scalars(
            select(Comment).where(Comment.draft_id == draft.id).order_by(Comment.id)
        )
    )
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return DraftView(
        id=draft.id,
        version=draft.version,
        case_id=draft.case_id,
        case_reference=case.reference if case else _campaign_label(session, draft),
        case_status=case.status if case else "",
        correspondent=case.correspondent.display_name
        if case and case.correspondent
        else ("every member, each with their own salutation" if draft.campaign_id else ""),
        status=DraftStatus(draft.status),  # a str when made in this session
        signatory_id=draft.signatory_id,
        salutation=draft.salutation,
        complimentary_close=draft.complimentary_close,
        computed_salutation=dear,
        computed_close=close,
        subject=draft.subject,
        letter_date=draft.letter_date,
        returned_reason=draft.returned_reason,
        created_by=_user_name(session, draft.created_by_id),
        qa_by=_user_name(session, draft.qa_by_id),
        signed_off_by=_user_name(session, draft.signed_off_by_id),
        signature_method=draft.signature_method,
        paragraphs=tuple(paragraphs),
        comments=comments,
        campaign_id=campaign.id if campaign else None,
        campaign_name=campaign.name if campaign else "",
        campaign_size=campaign_size(session, campaign.id) if campaign else 0,
        campaign_themes=campaign_theme_codes(session, campaign.id) if campaign else (),
    )


def current_draft_id(session: Session, case_id: int) -> int | None:
    """The case's draft worth opening: the active one, else the signed-off one, else None."""
    rows = session.execute(
        select(Draft.id, Draft.status).where(Draft.case_id == case_id).order_by(Draft.id.desc())
    ).all()
    for wanted in (ACTIVE, {DraftStatus.SIGNED_OFF}):
        for draft_id, status in rows:
            if DraftStatus(status) in wanted:
                return draft_id
    return None


def signatory_choices(session: Session) -> list[SignatoryChoice]:
    return [
        SignatoryChoice(s.id, f"{' '.join(p for p in (s.honorific, s.name) if p)}, {s.title}")
        for s in session.scalars(
            select(Signatory).where(Signatory.active.is_(True)).order_by(Signatory.id)
        )
    ]
