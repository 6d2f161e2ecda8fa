"""Starting a reply and saving one show the editor a view made from what the click read
and wrote, not read back: it must be exactly the view of the draft opened afterwards."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Case, Draft, Event, Signatory
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import ConflictError, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import undrafted_case

LINES = ("babyp-tragedy", "care-decisions-laming", "cdr-prevent-and-learn")


def _drafting(db: Database) -> Drafting:
    return Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)


def _undrafted(db: Database, *, in_campaign: bool) -> int:
    return undrafted_case(db, in_campaign=in_campaign)


@pytest.mark.parametrize("in_campaign", [False, True])
def test_a_new_reply_shows_exactly_what_opening_it_shows(
    demo_db: Database, in_campaign: bool
) -> None:
    drafting = _drafting(demo_db)
    case_id = _undrafted(demo_db, in_campaign=in_campaign)
    made = drafting.create(case_id, LINES, numbered_keys=["care-decisions-laming"])
    assert made == drafting.view(made.id)
    assert [p.numbered for p in made.paragraphs] == [False, True, False]
    assert made.case_status == CaseStatus.DRAFTING and made.created_by
    assert all(p.wording and not p.unavailable for p in made.paragraphs[:1])
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def test_a_save_shows_exactly_what_opening_it_shows(demo_db: Database) -> None:
    drafting = _drafting(demo_db)
    with demo_db.session_factory() as s:
        other = s.scalar(select(Signatory.id).where(Signatory.key != "sos").order_by(Signatory.id))
    view = drafting.create(_undrafted(demo_db, in_campaign=False), LINES[:2])
    items = [p.as_input() for p in view.paragraphs]
    saved = drafting.save(view.id, view.version, [ParagraphInput("free", "Thank you."), *items])
    assert saved == drafting.view(view.id) and saved.version == view.version + 1
    items = [p.as_input() for p in saved.paragraphs]
    items[0] = dataclasses.replace(items[0], text="Thank you for writing.", numbered=True)
    again = drafting.save(
        saved.id,
        saved.version,
        list(reversed(items)),
        signatory_id=other,
        salutation="Dear Friend",
        subject="Your letter",
        letter_date=DEMO_TODAY,
    )
    assert again == drafting.view(view.id)
    assert [p.text for p in again.paragraphs][-1] == "Thank you for writing."
    assert again.signatory_id == other and again.subject == "Your letter"
    # A save that changes nothing leaves the version where it was.
    same = drafting.save(again.id, again.version, [p.as_input() for p in again.paragraphs])
    assert same == again
    # A copy older than the saved draft is refused; the newer words stay.
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        drafting.save(again.id, saved.version, [ParagraphInput("free", "Old copy")])
    assert drafting.view(view.id) == again
    with demo_db.session_factory() as s:
        assert events.verify_chain(s) is None


def test_a_refused_start_writes_nothing(demo_db: Database) -> None:
    drafting = _drafting(demo_db)
    case_id = _undrafted(demo_db, in_campaign=False)
    with demo_db.session_factory() as s:
        logged = s.scalar(select(func.count(Event.id)))
    with pytest.raises(ValidationError, match="'no-such-line' is not in the library"):
        drafting.create(case_id, ("babyp-tragedy", "no-such-line"))
    with pytest.raises(ValidationError, match="no signatory #99999"):
        drafting.create(case_id, (), signatory_id=99_999)
    with demo_db.session_factory() as s:
        assert s.scalar(select(func.count(Event.id))) == logged
        assert s.scalar(select(Draft.id).where(Draft.case_id == case_id)) is None
        assert s.get(Case, case_id).status is CaseStatus.TRIAGED  # type: ignore[union-attr]
    made = drafting.create(case_id, ("babyp-tragedy",))
    with pytest.raises(ConflictError, match="already has a draft reply"):
        drafting.create(case_id)
    assert drafting.view(made.id) == made
