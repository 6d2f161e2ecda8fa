"""The context a line is rendered in, built from a real case in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Correspondent, Signatory
from correspondence.documents.line_files import library_dir, read_library
from correspondence.documents.rendering import render_line
from correspondence.documents.seed_reply import SEED_REPLY_LINES, seed_body_paragraphs
from correspondence.services.cases.cases import case_by_reference
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case

SEED = "2009/0007948POSoS"


def test_the_seed_case_gives_tessa_jowell_her_constituents_and_the_campaign(
    demo_db: Database,
) -> None:
    with demo_db.session_factory() as s:
        case = case_by_reference(s, SEED)
        members = s.scalar(select(Case.id).where(Case.campaign_id == case.campaign_id).limit(1))
        context = context_for_case(s, case.id, letter_date=dt.date(2009, 2, 3))
    assert members is not None
    assert context.case.reference == SEED
    assert context.case.received_on == dt.date(2009, 1, 20)
    assert "LAMING" in context.case.themes
    person = context.correspondent
    assert (person.salutation_name, person.full_name, person.title) == (
        "Tessa",
        "Tessa Jowell",
        "Rt Hon",
    )
    assert person.kind == "mp" and person.constituency == "Dulwich and West Norwood"
    assert [c.full_name for c in context.constituents] == [
        "Mrs Joan Abbott",
        "Mr Peter Hadley",
        "Ms Ruth Okonjo",
    ]
    assert context.constituents[0].salutation_name == "Mrs Abbott"
    assert context.campaign is not None and context.campaign.organisation == "NSPCC"
    assert context.campaign.size == 51  # the seed case and fifty supporters' letters
    assert context.signatory.name == "Ed Balls MP"
    assert context.signatory.title == "Secretary of State"
    assert context.letter_date == dt.date(2009, 2, 3)


def test_the_seed_reply_renders_word_for_word_against_the_real_case(demo_db: Database) -> None:
    lines = {line.key: line for line in read_library(library_dir())}
    with demo_db.session_factory() as s:
        context = context_for_case(s, case_by_reference(s, SEED).id).as_mapping()
    rendered = []
    number = 0
    for key in SEED_REPLY_LINES:
        text = render_line(lines[key].body, context)
        if lines[key].numbered:
            number += 1
            text = f"{number}. {text}"
        rendered.append(text)
    assert rendered == seed_body_paragraphs()


def test_a_peer_is_lord_laming_and_the_signatory_can_be_chosen(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        case_id = s.scalar(
            select(Case.id).join(Correspondent).where(Correspondent.peerage == "Lord Laming")
        )
        mos = s.scalar(select(Signatory.id).where(Signatory.key == "mos"))
        context = context_for_case(s, case_id, signatory_id=mos)
    assert context.correspondent.salutation_name == "Lord Laming"
    assert context.correspondent.kind == "peer"
    assert context.correspondent.organisation == "House of Lords"
    assert context.constituents == () and context.campaign is None
    assert context.signatory.name == "Beverley Hughes MP"


def test_an_organisation_with_nobody_named_is_sir_or_madam(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        case_id = s.scalar(
            select(Case.id)
            .join(Correspondent)
            .where(Correspondent.organisation == "Families First Network")
            .limit(1)
        )
        if case_id is None:
            pytest.skip("the demo has no letter from that organisation")
        context = context_for_case(s, case_id)
    assert context.correspondent.salutation_name == "Sir or Madam"
    assert context.correspondent.full_name == "Families First Network"


def test_unknown_case_and_case_without_correspondent(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        with pytest.raises(NotFound):
            context_for_case(s, 999_999)
        case = case_by_reference(s, SEED)
        case.correspondent_id = None
        s.flush()
        s.expire_all()
        with pytest.raises(ValidationError, match="no correspondent"):
            context_for_case(s, case.id)
        s.rollback()
