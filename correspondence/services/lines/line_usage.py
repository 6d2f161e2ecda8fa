"""Where every version of a standard line went: drafts in progress and letters already sent.

A draft keeps the line version each paragraph used, so the answer is read from the drafts
themselves. A case draft is one letter; a signed-off campaign reply is one letter per member
it was dispatched to. "Old words" are any version other than the line's approved one (every
version, once the line is retired): the policy lead follows those up after a revision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Campaign, Case, Draft, DraftParagraph, LineVersion
from correspondence.domain.kinds import LineStatus
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services.lines.line_drift import CLOSED_DRAFT_STATUSES
from correspondence.services.lines.line_records import load_line

SENT = "sent"


@dataclass(frozen=True)
class LetterUse:
    """One draft or one sent letter that carried a version of the line."""

    version: int
    reference: str  # the case reference, or "campaign: <name>" for a campaign reply draft
    state: str  # "sent", "signed off", "drafting", "in QA" …
    on: dt.date | None  # dispatched, signed off, or last changed
    letter_date: dt.date | None  # the date the letter bears, once it has one
    draft_id: int
    case_id: int | None
    campaign_id: int | None
    open_draft: bool  # still being worked on (drift applies)
    old_words: bool  # the version is not the line's approved one

    @property
    def sent(self) -> bool:
        return self.state == SENT


@dataclass(frozen=True)
class VersionUsage:
    number: int
    status: str
    open_drafts: int
    sent_letters: int


@dataclass(frozen=True)
class LineUsage:
    key: str
    title: str
    approved_number: int | None  # None once retired
    versions: tuple[VersionUsage, ...]
    uses: tuple[LetterUse, ...]  # newest first

    @property
    def open_drafts_with_old_words(self) -> int:
        return sum(1 for u in self.uses if u.open_draft and u.old_words)

    @property
    def sent_with_old_words(self) -> int:
        return sum(1 for u in self.uses if u.sent and u.old_words)

    def old_words(self) -> list[LetterUse]:
        """The drafts and letters to follow up after a revision or retirement."""
        return [u for u in self.uses if u.old_words and (u.sent or u.open_draft)]


def _draft_state(draft: Draft) -> str:
    try:
        return draft.status.label.lower().replace("qa", "QA")
    except ValueError:
        return draft.status.replace("_", " ")


def _draft_day(draft: Draft) -> dt.date | None:
    if draft.status == DraftStatus.SIGNED_OFF.value and draft.signed_off_at:
        return draft.signed_off_at.date()
    when = draft.updated_at or draft.created_at
    return when.date() if when else None


def line_usage(session: Session, line: int | str) -> LineUsage:
    """Every draft and sent letter that used each version of `line` (a key or an id)."""
    row = load_line(session, line)
    versions = list(session.scalars(select(LineVersion).where(LineVersion.line_id == row.id)))
    approved = [v.number for v in versions if v.status == LineStatus.APPROVED]
    current = max(approved) if approved else None
    pairs = session.execute(
        select(LineVersion.number, Draft)
        .join(DraftParagraph, DraftParagraph.line_version_id == LineVersion.id)
        .join(Draft, Draft.id == DraftParagraph.draft_id)
        .where(LineVersion.line_id == row.id)
        .distinct()
    ).all()
    case_ids = {d.case_id for _, d in pairs if d.case_id is not None}
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    campaign_ids = {d.campaign_id for _, d in pairs if d.campaign_id is not None}
    campaign_names = {
        cid: name
        for cid, name in session.execute(
            select(Campaign.id, Campaign.name).where(Campaign.id.in_(campaign_ids))
        )
    }
    members: dict[int, list[tuple[int, str, dt.date]]] = {}
    for cid, case_id, ref, sent_on in session.execute(
        select(Case.campaign_id, Case.id, Case.reference, Case.dispatched_on).where(
            Case.campaign_id.in_(campaign_ids),
            Case.status == CaseStatus.DISPATCHED.value,
            Case.dispatched_on.is_not(None),
        )
    ):
        if cid is not None and sent_on is not None:  # both filtered on: for the checker
            members.setdefault(cid, []).append((case_id, ref, sent_on))

    uses: list[LetterUse] = []
    for number, draft in pairs:
        old = number != current
        is_open = draft.status not in CLOSED_DRAFT_STATUSES
        signed = draft.status == DraftStatus.SIGNED_OFF.value
        if draft.case_id is not None:
            case = cases[draft.case_id]
            sent = signed and case.dispatched_on is not None
            uses.append(
                LetterUse(
                    version=number,
                    reference=case.reference,
                    state=SENT if sent else _draft_state(draft),
                    on=case.dispatched_on if sent else _draft_day(draft),
                    letter_date=draft.letter_date,
                    draft_id=draft.id,
                    case_id=case.id,
                    campaign_id=None,
                    open_draft=is_open,
                    old_words=old,
                )
            )
            continue
        cid = draft.campaign_id
        name = campaign_names.get(cid or -1, f"#{cid}")
        uses.append(
            LetterUse(
                version=number,
                reference=f"campaign: {name}",
                state=_draft_state(draft),
                on=_draft_day(draft),
                letter_date=draft.letter_date,
                draft_id=draft.id,
                case_id=None,
                campaign_id=cid,
                open_draft=is_open,
                old_words=old,
            )
        )
        if not signed or cid is None:
            continue
        signed_on = draft.signed_off_at.date() if draft.signed_off_at else None
        for case_id, ref, sent_on in members.get(cid, []):
            # A member sent before this reply was signed off had an earlier reply.
            if signed_on is not None and sent_on < signed_on:
                continue
            uses.append(
                LetterUse(
                    version=number,
                    reference=ref,
                    state=SENT,
                    on=sent_on,
                    letter_date=draft.letter_date,
                    draft_id=draft.id,
                    case_id=case_id,
                    campaign_id=cid,
                    open_draft=False,
                    old_words=old,
                )
            )
    uses.sort(key=lambda u: (u.on or dt.date.min, u.reference), reverse=True)
    counts = tuple(
        VersionUsage(
            number=v.number,
            status=v.status,
            open_drafts=sum(1 for u in uses if u.version == v.number and u.open_draft),
            sent_letters=sum(1 for u in uses if u.version == v.number and u.sent),
        )
        for v in sorted(versions, key=lambda v: v.number)
    )
    return LineUsage(
        key=row.key, title=row.title, approved_number=current, versions=counts, uses=tuple(uses)
    )
