"""Changing a reply's words a step at a time: a line or own words added, a paragraph moved,
removed, numbered. Each is a save of the whole (draft_save.save_draft).

Free-text paragraphs are the drafter's own words and are never rendered as templates.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from correspondence.db.models import Draft
from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_loading import load_draft
from correspondence.services.drafting.draft_save import Insert, save_draft
from correspondence.services.drafting.draft_view import DraftView, ParagraphInput
from correspondence.services.errors import NotFound


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
    """Add the newest approved version of line ``key`` (at the end unless ``position``):
    read with the save's own reads."""
    edit = Insert(line_key=key, position=position, numbered=numbered)
    return save_draft(session, actor, draft_id, expected_version, insert=edit)


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
    edit = Insert(text=text, position=position, numbered=numbered)
    return save_draft(session, actor, draft_id, expected_version, insert=edit)


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
