"""A draft as the editor shows it, its signatory choices, and which draft a case opens.

A draft's line paragraphs point at the exact LineVersion they used, so a revised line never
changes a draft silently: the view flags it as drifted instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Campaign,
    Case,
    Comment,
    Draft,
    LineVersion,
    Signatory,
    User,
)
from correspondence.domain.states import DraftStatus
from correspondence.services.campaigns.campaign_profile import (
    campaign_theme_codes_from,
    campaign_theme_reads,
)
from correspondence.services.drafting.draft_loading import (
    campaign_sample_with_context,
    campaign_size_read,
    case_of,
    context_reads,
    load_draft_and_case,
    mapping_from,
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


def draft_view(session: Session, draft_id: int, *, loaded: Draft | None = None) -> DraftView:
    """The editor's view of a draft; `loaded`: the draft as this session just saved it (with
    its paragraphs and their lines), so it is not asked for again.

    Opening a draft takes two round trips: the draft with its case (draft_loading), then
    everything else the editor shows, asked together (db/batch_reads.py). A campaign's one
    reply reads the member letter it is shown against in one more."""
    if loaded is not None and loaded.id == draft_id:
        draft, case = loaded, case_of(session, loaded)
    else:
        draft, case = load_draft_and_case(session, draft_id)
    # A campaign reply shows one member's: each letter gets its own writer's.
    sample = case
    if sample is None and draft.campaign_id is not None:
        sample = campaign_sample_with_context(session, draft.campaign_id)
    answers = read_together(session, view_reads(draft, sample))
    return view_from(draft, case, sample, answers)


def view_reads(draft: Draft, sample: Case | None) -> list[Read]:
    """What the editor shows besides the draft and its case, in the order `view_from` takes
    the answers: the lines' newest versions, the comments, the people's names, the campaign,
    what the lines are filled in with (a case with a correspondent), the campaign's size
    and themes (a campaign's reply)."""
    line_ids = sorted({p.line_version.line_id for p in draft.paragraphs if p.line_version})
    people = sorted(
        {u for u in (draft.created_by_id, draft.qa_by_id, draft.signed_off_by_id) if u is not None}
    )
    reads = [
        select(LineVersion.line_id, LineVersion.id, LineVersion.number)
        .where(LineVersion.line_id.in_(line_ids), LineVersion.status == "approved")
        .order_by(LineVersion.line_id, LineVersion.number),
        select(Comment.id, User.display_name, Comment.created_at, Comment.body)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.draft_id == draft.id)
        .order_by(Comment.id),
        select(User.id, User.display_name).where(User.id.in_(people)),
        select(Campaign.id, Campaign.name).where(Campaign.id == draft.campaign_id),
    ]
    # A letter with nobody to write to has no reply to fill lines in for (line_context).
    if sample is not None and sample.correspondent is not None:
        reads += context_reads(sample, draft.signatory_id)
    if draft.campaign_id is not None:
        reads += [campaign_size_read(draft.campaign_id), *campaign_theme_reads(draft.campaign_id)]
    return reads


def view_from(
    draft: Draft, case: Case | None, sample: Case | None, answers: Sequence[Rows]
) -> DraftView:
    """The editor's view from the draft (with its paragraphs, their line versions and
    lines), its case, the case it is shown against, and the rows of `view_reads`."""
    rows = iter(answers)
    dear, close = computed_salutation(sample) if sample else ("Dear colleagues", "Yours sincerely")
    fills = sample is not None and sample.correspondent is not None
    # Each line's newest approved version: the last (highest number) wins.
    latest = {line_id: (vid, number) for line_id, vid, number in next(rows)}
    comment_rows = next(rows)
    names: dict[int, str] = {uid: name for uid, name in next(rows)}
    campaigns = next(rows)
    mapping = None
    if sample is not None and fills:
        context = [next(rows) for _ in range(4)]
        mapping = mapping_from(sample, context, draft.letter_date)
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
                latest_version_id=newest[0] if newest else None,
                latest_version=newest[1] if newest else None,
                wording=wording,
                unavailable=unavailable,
            )
        )
    comments = tuple(
        CommentView(cid, name or "?", at, body) for cid, name, at, body in comment_rows
    )
    campaign = campaigns[0] if campaigns else None
    themes: tuple[str, ...]
    size, themes = 0, ()
    if draft.campaign_id is not None:
        size_rows, counted, themed = next(rows), next(rows), next(rows)
        if campaign is not None:
            size = int(size_rows[0][0] or 0)
            themes = campaign_theme_codes_from(counted, themed)

    def name_of(uid: int | None) -> str:
        return (names.get(uid) or "") if uid is not None else ""

    return DraftView(
        id=draft.id,
        version=draft.version,
        case_id=draft.case_id,
        case_reference=case.reference
        if case
        else (f"Campaign “{campaign[1]}”" if campaign is not None else ""),
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
        created_by=name_of(draft.created_by_id),
        qa_by=name_of(draft.qa_by_id),
        signed_off_by=name_of(draft.signed_off_by_id),
        signature_method=draft.signature_method,
        paragraphs=tuple(paragraphs),
        comments=comments,
        campaign_id=campaign[0] if campaign else None,
        campaign_name=campaign[1] if campaign else "",
        campaign_size=size,
        campaign_themes=themes,
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
