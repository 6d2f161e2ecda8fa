"""Changing a reply's words a step at a time: a line or own words added, a paragraph moved,
removed, numbered. Each is a save of the whole (draft_save.save_draft).

Free-text paragraphs are the drafter's own words and are never rendered as templates.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Draft, LineVersion, StandardLine
from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_loading import load_draft
from correspondence.services.drafting.draft_save import save_draft
from correspondence.services.drafting.draft_view import DraftView, ParagraphInput
from correspondence.services.errors import NotFound, ValidationError


def _approved_by_key(session: Session, key: str) -> LineVersion:
    version = session.scalar(
        select(LineVersion)
        .join(StandardLine)
        .where(StandardLine.key == key.strip(), LineVersion.status == "approved")
        .order_by(LineVersion.number.desc())
        .limit(1)
    )
    if version is None:
        known = session.scalar(select(StandardLine.id).where(StandardLine.key == key.strip()))
        why = "has no approved version" if known else "is not in the library"
        raise ValidationError("Standard line", f"{key.strip()!r} {why}")
    return version


def _inputs(draft: Draft) -> list[ParagraphInput]:
    return [
        ParagraphInput(p.kind, p.text, p.line_version_id, p.numbered, p.id)
        for p in draft.paragraphs
    ]


def add_line(
    session: Session,
    actor: Actor,
    draft_id: int,
    key: str,
    *,
    position: int | None = None,
    numbered: bool | None = None,
    expected_version: int | None = None,
) -> DraftView:
    """Add the newest approved version of line ``key`` (at the end unless ``position``)."""
    version = _approved_by_key(session, key)
    draft = load_draft(session, draft_id)
    items = _inputs(draft)
    item = ParagraphInput(
        "line",
        line_version_id=version.id,
        numbered=version.line.numbered if numbered is None else numbered,
    )
    items.insert(len(items) if position is None else max(0, position), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def add_free_text(
    session: Session,
    actor: Actor,
    draft_id: int,
    text: str,
    *,
    position: int | None = None,
    numbered: bool = False,
    expected_version: int | None = None,
) -> DraftView:
    draft = load_draft(session, draft_id)
    items = _inputs(draft)
    item = ParagraphInput("free", text=text, numbered=numbered)
    items.insert(len(items) if position is None else max(0, position), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def _paragraph_index(items: list[ParagraphInput], paragraph_id: int) -> int:
    for index, item in enumerate(items):
        if item.id == paragraph_id:
            return index
    raise NotFound(f"No paragraph #{paragraph_id} in this draft")


def move_paragraph(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    new_position: int,
    *,
    expected_version: int | None = None,
) -> DraftView:
    items = _inputs(load_draft(session, draft_id))
    item = items.pop(_paragraph_index(items, paragraph_id))
    items.insert(max(0, min(new_position, len(items))), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def remove_paragraph(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    *,
    expected_version: int | None = None,
) -> DraftView:
    items = _inputs(load_draft(session, draft_id))
    del items[_paragraph_index(items, paragraph_id)]
    return save_draft(session, actor, draft_id, expected_version, items)


def set_numbered(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    numbered: bool,
    *,
    expected_version: int | None = None,
) -> DraftView:
    items = _inputs(load_draft(session, draft_id))
    index = _paragraph_index(items, paragraph_id)
    old = items[index]
    items[index] = ParagraphInput(old.kind, old.text, old.line_version_id, numbered, old.id)
    return save_draft(session, actor, draft_id, expected_version, items)
