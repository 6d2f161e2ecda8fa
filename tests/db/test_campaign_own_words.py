"""Campaign members with casework of their own: flagged, answered by a paragraph, or taken out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, text

from correspondence.database import Database, open_database
from correspondence.db import migrate
from correspondence.db.models import Campaign, Case, Draft, DraftParagraph, Event, Signatory
from correspondence.db.session import make_engine
from correspondence.services.campaigns.campaign_letters import member_letters
from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords
from correspondence.services.demo.demo import SEED_REFERENCE
from correspondence.services.drafting.reply_letter import letter_spec_for
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY

STORIES = (
    "My grandson Alfie was placed with foster carers in Eastwick last spring. Nobody from the "
    "council has visited him since March. Can you tell me who is responsible for checking on "
    "him?",
    "The children's centre in Dunmere is closing at the end of June and there is nowhere else "
    "for us to go. My daughter Lily has speech delay and relied on it.",
)


def _bag(db: Database) -> tuple[int, list[tuple[int, str]]]:
    """The demo NSPCC campaign with two supporters' copies carrying a story of their own."""
    with db.session_factory.begin() as s:
        camp = s.scalar(select(Campaign).where(Campaign.organisation == "NSPCC"))
        assert camp is not None
        members = s.scalars(
            select(Case)
            .where(Case.campaign_id == camp.id, Case.reference != SEED_REFERENCE)
            .order_by(Case.reference)
        ).all()
        told = []
        for case, story in zip((members[3], members[17]), STORIES, strict=True):
            case.letter_text = case.letter_text.replace(
                "Please act now", f"{story}\n\nPlease act now"
            ).replace("I urge you to act now", f"{story}\n\nI urge you to act now")
            assert story in case.letter_text
            told.append((case.id, case.reference))
        return camp.id, told


def test_members_with_their_own_words_are_flagged_with_those_words(demo_db: Database) -> None:
    campaign_id, told = _bag(demo_db)
    svc = CampaignOwnWords(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    flagged = svc.flagged(campaign_id)
    assert [(f.reference, f.excerpt) for f in flagged] == [
        (ref, story) for (_id, ref), story in zip(told, STORIES, strict=True)
    ]
    shown = svc.show(campaign_id)
    assert [o["reference"] for o in shown.own_words] == [ref for _id, ref in told]
    assert shown.own_words[0]["excerpt"] == STORIES[0]
    assert len(shown.members) == 51 and shown.canonical_reference == SEED_REFERENCE
    assert ("BABYP", 51) in shown.themes
    assert "Baby P" in shown.canonical_text


def test_a_paragraph_for_a_flagged_member_goes_into_their_letter_only(
    demo_db: Database, tmp_path: Path
) -> None:
    campaign_id, told = _bag(demo_db)
    drafter = CampaignOwnWords(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    )
    answer = "I have asked officials to contact Eastwick council about Alfie's visits."
    drafter.set_addition(told[0][0], answer)
    assert drafter.flagged(campaign_id)[0].addition == answer
    with demo_db.session_factory() as s:
        event = s.scalars(select(Event).where(Event.action == "campaign paragraph")).one()
        assert (event.case_id, event.new_value, event.username) == (told[0][0], answer, "p.mehta")

    with demo_db.session_factory.begin() as s:
        sos = s.scalar(select(Signatory).where(Signatory.key == "sos"))
        draft = Draft(
            campaign_id=campaign_id,
            status="signed_off",
            signatory_id=sos.id,
            letter_date=dt.date(2009, 3, 2),
            signed_off_at=dt.datetime(2009, 3, 2, 9),
        )
        for i, words in enumerate(
            ("Thank you for your letter.", "We are acting now.", "Thank you again for writing.")
        ):
            draft.paragraphs.append(DraftParagraph(position=i, kind="free", text=words))
        s.add(draft)  # fmt: skip
    with demo_db.session_factory() as s:
        letters, _closed = member_letters(s, campaign_id, today=DEMO_TODAY)
    by_ref = {m.reference: [p.text for p in m.spec.paragraphs] for m in letters}
    assert by_ref[told[0][1]] == [
        "Thank you for your letter.",
        "We are acting now.",
        answer,
        "Thank you again for writing.",
    ]
    with demo_db.session_factory() as s:
        draft_id = s.scalar(select(Draft.id).where(Draft.campaign_id == campaign_id))
        one = letter_spec_for(s, draft_id, told[0][0], final=True, today=DEMO_TODAY)
    assert [p.text for p in one.paragraphs] == by_ref[told[0][1]]  # one by one, the same
    others = [paras for ref, paras in by_ref.items() if ref != told[0][1]]
    assert others and all(answer not in paras for paras in others)

    # Signed off: the letters the signer saw cannot gain a paragraph now.
    with pytest.raises(ValidationError, match="signed off"):
        drafter.set_addition(told[1][0], "Something new.")


def test_taking_a_letter_out_leaves_it_for_its_own_reply(demo_db: Database) -> None:
    campaign_id, told = _bag(demo_db)
    officer = CampaignOwnWords(
        acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY
    )
    assert officer.take_out(told[1][0]) == told[1][1]
    assert [f.reference for f in officer.flagged(campaign_id)] == [told[0][1]]
    with demo_db.session_factory() as s:
        case = s.get(Case, told[1][0])
        assert case is not None and case.campaign_id is None
    drafter = CampaignOwnWords(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    )
    with pytest.raises(ValidationError, match="not in a campaign"):
        drafter.set_addition(told[1][0], "Too late.")
    # A drafter may take out a letter with words of its own, and no other.
    with demo_db.session_factory() as s:
        plain = s.scalar(
            select(Case.id).where(
                Case.campaign_id == campaign_id,
                Case.reference != SEED_REFERENCE,
                Case.id.not_in([told[0][0], told[1][0]]),
            )
        )
    with pytest.raises(PermissionDenied, match="has none"):
        drafter.take_out(plain)  # type: ignore[arg-type]
    assert drafter.take_out(told[0][0]) == told[0][1]
    assert officer.flagged(campaign_id) == []
    with demo_db.session_factory() as s:
        ev = s.scalars(select(Event).where(Event.action == "left campaign")).all()
        assert {(e.case_id, e.username) for e in ev} >= {(told[0][0], "p.mehta")}


def test_a_bad_paragraph_is_refused_by_name(demo_db: Database) -> None:
    _campaign_id, told = _bag(demo_db)
    drafter = CampaignOwnWords(
        acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY
    )
    with pytest.raises(ValidationError, match="Added paragraph.*characters"):
        drafter.set_addition(told[0][0], "x" * 5000)
    with pytest.raises(ValidationError, match="control characters"):
        drafter.set_addition(told[0][0], "bell \x07 here")


def test_a_0007_database_gains_the_campaign_additions_table(tmp_path: Path) -> None:
    path = tmp_path / "at0007.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0007")
    query = text("SELECT count(*) FROM sqlite_master WHERE name = 'campaign_additions'")
    with engine.connect() as conn:
        assert conn.execute(query).scalar_one() == 0
    engine.dispose()
    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.is_at_head(db.engine) and db.backup is not None
        with db.engine.connect() as conn:
            assert conn.execute(query).scalar_one() == 1
    finally:
        db.close()
