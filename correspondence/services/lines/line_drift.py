"""Drift: paragraphs of open drafts whose line has since been revised, and updating them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft, DraftParagraph, LineVersion, StandardLine, now_utc
from correspondence.documents.word_diff import Segment, word_diff
from correspondence.domain.kinds import LineStatus
from correspondence.domain.states import DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_records import usernames
from correspondence.services.lines.line_roles import require_drafting
from correspondence.services.lines.line_views import approved_version

CLOSED_DRAFT_STATUSES = frozenset({DraftStatus.SIGNED_OFF.value, DraftStatus.SUPERSEDED.value})


@dataclass(frozen=True)
class DriftItem:
    """A paragraph of an open draft built from a line that has since been revised."""

    draft_id: int
    draft_status: str
    case_id: int | None
    case_reference: str
    drafter: str
    paragraph_id: int
    position: int
    line_id: int
    line_key: str
    line_title: str
    old_version_id: int
    old_number: int
    new_version_id: int
    new_number: int
    diff: tuple[Segment, ...] = field(repr=False)


def drifted_paragraphs(
    session: Session, draft_id: int | None = None, line_id: int | None = None
) -> list[DriftItem]:
    """Paragraphs of open drafts that use an older version than the line's approved one.

    Computed, not stored: a draft is open until it is signed off or superseded.
    """
    current = (
        select(
            LineVersion.line_id.label("line_id"),
            func.max(LineVersion.number).label("number"),
        )
        .where(LineVersion.status == LineStatus.APPROVED)
        .group_by(LineVersion.line_id)
        .subquery()
    )
    stmt = (
        select(DraftParagraph, Draft, LineVersion, current.c.number)
        .join(Draft, DraftParagraph.draft_id == Draft.id)
        .join(LineVersion, DraftParagraph.line_version_id == LineVersion.id)
        .join(current, current.c.line_id == LineVersion.line_id)
        .where(Draft.status.not_in(CLOSED_DRAFT_STATUSES), current.c.number > LineVersion.number)
        .order_by(Draft.id, DraftParagraph.position)
    )
    if draft_id is not None:
        stmt = stmt.where(Draft.id == draft_id)
    if line_id is not None:
        stmt = stmt.where(LineVersion.line_id == line_id)
    rows = session.execute(stmt).all()
    if not rows:
        return []
    line_ids = {old.line_id for _, _, old, _ in rows}
    newest = {
        (v.line_id, v.number): v
        for v in session.scalars(
            select(LineVersion).where(
                LineVersion.line_id.in_(line_ids), LineVersion.status == LineStatus.APPROVED
            )
        )
    }
    lines = {
        line.id: line
        for line in session.scalars(select(StandardLine).where(StandardLine.id.in_(line_ids)))
    }
    case_ids = {d.case_id for _, d, _, _ in rows if d.case_id is not None}
    refs = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())
    names = usernames(session, [d.created_by_id for _, d, _, _ in rows])
    out: list[DriftItem] = []
    for paragraph, draft, old, number in rows:
        new = newest[(old.line_id, number)]
        line = lines[old.line_id]
        out.append(
            DriftItem(
                draft_id=draft.id,
                draft_status=draft.status,
                case_id=draft.case_id,
                case_reference=refs.get(draft.case_id, "") if draft.case_id else "",
                drafter=names.get(draft.created_by_id or -1, ("", ""))[1],
                paragraph_id=paragraph.id,
                position=paragraph.position,
                line_id=line.id,
                line_key=line.key,
                line_title=line.title,
                old_version_id=old.id,
                old_number=old.number,
                new_version_id=new.id,
                new_number=new.number,
                diff=tuple(word_diff(old.body, new.body)),
            )
        )
    return out


def update_paragraph_to_latest(
    session: Session, actor: Actor, draft_id: int, paragraph_id: int
) -> DraftParagraph:
    """Put the line's approved wording into the paragraph, in one recorded action."""
    require_drafting(actor, "update a draft")
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft #{draft_id}")
    if draft.status in CLOSED_DRAFT_STATUSES:
        raise ValidationError("Draft", f"the draft is {draft.status} and cannot be changed")
    paragraph = session.get(DraftParagraph, paragraph_id)
    if paragraph is None or paragraph.draft_id != draft.id:
        raise NotFound(f"Draft #{draft_id} has no paragraph #{paragraph_id}")
    old = paragraph.line_version
    if old is None:
        raise ValidationError("Paragraph", "the paragraph is the drafter's own words, not a line")
    try:
        new = approved_version(session, old.line.key)
    except ValidationError:
        raise ValidationError(
            "Paragraph", f"the line {old.line.key!r} has no approved version to update to"
        ) from None
    if new.number <= old.number:
        return paragraph
    paragraph.line_version_id = new.id
    paragraph.line_version = new
    paragraph.text = new.body
    paragraph.numbered = old.line.numbered
    draft.updated_at = now_utc()  # bumps the draft's row version: others editing it notice
    session.flush()
    events.record(
        session,
        actor,
        "draft",
        draft.id,
        "line updated",
        case_id=draft.case_id,
        field=old.line.key,
        old=f"v{old.number}",
        new=f"v{new.number}",
    )
    return paragraph
