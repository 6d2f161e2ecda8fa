"""Drift: an open draft built from a line that has since been revised is flagged and updated."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Draft, DraftParagraph, Event, User
from correspondence.services.cases.cases import case_by_reference
from correspondence.services.errors import PermissionDenied
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_views import approved_version
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
KEY = "smacking-no-ban"


def _open_draft(db: Database, reference: str, status: str = "drafting") -> tuple[int, int]:
    """A drafter's draft using the line's current version, as the drafting code would make."""
    with db.session_factory.begin() as s:
        case = case_by_reference(s, reference)
        drafter = s.scalar(select(User.id).where(User.username == "r.clarke"))
        version = approved_version(s, KEY)
        draft = Draft(case_id=case.id, status=status, created_by_id=drafter)
        draft.paragraphs.append(
            DraftParagraph(position=0, kind="free", text="Thank you for your letter.")
        )
        paragraph = DraftParagraph(
            position=1, kind="line", line_version_id=version.id, text=version.body
        )
        draft.paragraphs.append(paragraph)
        s.add(draft)
        s.flush()
        return draft.id, paragraph.id


def _revise(lead: Library) -> None:
    line = lead.detail(KEY)
    changed = line.approved.body.replace("a mild smack", "a light smack")
    version = lead.new_version(line.id, changed).latest
    lead.submit(version.id)
    lead.approve(version.id)


def test_new_approved_version_flags_open_drafts_and_one_action_updates(demo_db: Database) -> None:
    lead = Library(acting_as(demo_db.session_factory, "policy.lead.family"), clock=lambda: TODAY)
    drafter = Library(acting_as(demo_db.session_factory, "r.clarke"), clock=lambda: TODAY)
    reference = "2009/0007948POSoS"
    draft_id, paragraph_id = _open_draft(demo_db, reference)
    closed_id, _ = _open_draft(demo_db, reference, status="signed_off")
    assert drafter.drift(draft_id) == []

    _revise(lead)

    flagged = drafter.drift()
    assert [(d.draft_id, d.paragraph_id) for d in flagged if d.line_key == KEY] == [
        (draft_id, paragraph_id)
    ]
    item = flagged[0]
    assert (item.old_number, item.new_number) == (1, 2)
    assert item.case_reference == reference and item.drafter == "Rachel Clarke"
    deleted = [s.text for s in item.diff if s.kind == "delete"]
    inserted = [s.text for s in item.diff if s.kind == "insert"]
    assert deleted == ["mild"] and inserted == ["light"]
    assert closed_id not in {d.draft_id for d in flagged}  # signed off: left as it was sent
    assert lead.drift(line_id=item.line_id) == flagged

    drafter.update_paragraph_to_latest(draft_id, paragraph_id)

    assert drafter.drift(draft_id) == []
    with demo_db.session_factory() as s:
        paragraph = s.get(DraftParagraph, paragraph_id)
        assert paragraph is not None
        assert paragraph.line_version is not None and paragraph.line_version.number == 2
        assert "a light smack" in paragraph.text
        event = s.scalars(
            select(Event).where(Event.entity == "draft", Event.entity_id == draft_id)
        ).one()
        assert (event.action, event.field, event.old_value, event.new_value) == (
            "line updated",
            KEY,
            "v1",
            "v2",
        )
        assert event.username == "r.clarke"


def test_an_officer_cannot_update_a_draft(demo_db: Database) -> None:
    lead = Library(acting_as(demo_db.session_factory, "policy.lead.family"), clock=lambda: TODAY)
    draft_id, paragraph_id = _open_draft(demo_db, "2009/0007948POSoS")
    _revise(lead)
    officer = Library(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    with pytest.raises(PermissionDenied):
        officer.update_paragraph_to_latest(draft_id, paragraph_id)
    assert len(lead.drift(draft_id)) == 1
