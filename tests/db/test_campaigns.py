"""Campaigns on a real database: grouping at intake, detection, and an officer's changes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Event
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.actors import actor_for
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.cases import cases
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.demo.demo_letters import JOWELL_COVERING_LETTER
from correspondence.services.errors import ConflictError, PermissionDenied, ValidationError
from correspondence.services.intake import intake_hooks
from correspondence.services.unit_of_work import acting_as
from tests.campaign_mailbag import campaign_copy, own_words

TODAY = dt.date(2026, 11, 23)
USER = "officer.one"


def _log(
    db: Database,
    text: str,
    *,
    last: str = "Fenwick",
    mp: bool = False,
    hook: bool = True,
    received: dt.date = dt.date(2026, 11, 2),
) -> tuple[int, str | None]:
    """Log a letter as the log dialog does (the campaign hook runs before commit)."""
    with db.session_factory.begin() as s:
        actor = actor_for(s, USER)
        who = (
            NewCorrespondent(CorrespondentKind.MP, first_name="Margaret", last_name=last)
            if mp
            else NewCorrespondent(CorrespondentKind.PUBLIC, "Mrs", "Ada", last)
        )
        case = cases.log_case(
            s,
            actor,
            NewCase(
                received_on=received,
                new_correspondent=who,
                letter_text=text,
                constituents=[NewConstituent("Mr", "Olu", "Adeyemi")] if mp else [],
            ),
            today=TODAY,
        )
        name = intake_hooks.on_case_logged(s, case) if hook else None
        return case.id, name


def _campaign_of(db: Database, case_id: int) -> int | None:
    with db.session_factory() as s:
        return s.get(Case, case_id).campaign_id  # type: ignore[union-attr]


@pytest.fixture
def svc(db: Database) -> Campaigns:
    return Campaigns(acting_as(db.session_factory, USER), clock=lambda: TODAY)


def test_the_third_copy_at_intake_makes_a_campaign_and_later_copies_join_it(
    db: Database, svc: Campaigns
) -> None:
    rng = random.Random(1)
    first = [_log(db, campaign_copy(rng, 0), last=f"Writer{i}") for i in range(2)]
    assert [name for _, name in first] == [None, None]
    third, name = _log(db, campaign_copy(rng, 0), last="Writer3")
    assert name == "NSPCC campaign"
    (camp,) = svc.list()
    assert camp.size == 3 and camp.status == "proposed" and camp.organisation == "NSPCC"
    assert camp.canonical_case_id in {first[0][0], first[1][0], third}

    joined, name = _log(db, campaign_copy(rng, 0), last="Writer4")
    assert name == "NSPCC campaign"
    other, name = _log(db, own_words(rng), last="Ownwords")
    assert name is None and _campaign_of(db, other) is None

    detail = svc.detail(camp.id)
    assert len(detail.members) == 4
    assert all(m.similarity is not None and m.similarity > 0.6 for m in detail.members)
    assert sum(w.count for w in detail.weeks) == 4
    with db.session_factory() as s:
        actions = set(
            s.scalars(select(Event.action).where(Event.case_id == joined, Event.entity == "case"))
        )
    assert "joined campaign" in actions


def test_an_mp_enclosing_a_campaign_letter_is_a_member_and_keeps_the_mp(
    db: Database, svc: Campaigns
) -> None:
    rng = random.Random(2)
    for i in range(3):
        _log(db, campaign_copy(rng, 0), last=f"Writer{i}")
    enclosure = JOWELL_COVERING_LETTER + "\n\nEnclosure:\n\n" + campaign_copy(rng, 0)
    case_id, name = _log(db, enclosure, mp=True, last="Ellery")
    assert name == "NSPCC campaign"
    member = next(m for m in svc.detail(svc.list()[0].id).members if m.case_id == case_id)
    assert member.kind == "mp" and member.correspondent == "Margaret Ellery"
    assert member.on_behalf_of == ("Mr Olu Adeyemi",)


def test_detect_groups_unassigned_letters_and_an_officers_removal_sticks(
    db: Database, svc: Campaigns
) -> None:
    rng = random.Random(3)
    smacking = [_log(db, campaign_copy(rng, 1), last=f"S{i}", hook=False)[0] for i in range(5)]
    [_log(db, campaign_copy(rng, 2), last=f"U{i}", hook=False)[0] for i in range(4)]
    loners = [_log(db, own_words(rng), last=f"L{i}", hook=False)[0] for i in range(6)]
    report = svc.detect()
    assert report.examined == 15
    assert sorted(c.size for c in report.created) == [4, 5]
    by_size = {c.size: c for c in svc.list()}
    assert {r for r in svc.member_references(by_size[5].id)} == _refs(db, smacking)
    assert by_size[5].name == "Children are Unbeatable campaign"
    assert by_size[4].name == "UNISON campaign"
    assert all(_campaign_of(db, c) is None for c in loners)

    svc.remove_members(by_size[5].id, [smacking[0]], reason="a personal letter after all")
    again = svc.detect()
    assert again.joined == 0 and again.created == ()
    assert _campaign_of(db, smacking[0]) is None
    # A new copy still joins at intake.
    _, name = _log(db, campaign_copy(rng, 1), last="Late")
    assert name == "Children are Unbeatable campaign"


def test_confirm_rename_split_and_merge_are_recorded(db: Database, svc: Campaigns) -> None:
    rng = random.Random(4)
    ids = [_log(db, campaign_copy(rng, 0), last=f"W{i}", hook=False)[0] for i in range(6)]
    svc.detect()
    (camp,) = svc.list()

    svc.confirm(camp.id)
    with pytest.raises(ConflictError):  # the version read before confirming is stale now
        svc.rename(camp.id, "Stale", expected_version=camp.version)
    version = svc.detail(camp.id).summary.version
    svc.rename(camp.id, "NSPCC — Baby P", organisation="NSPCC", expected_version=version)
    renamed = svc.detail(camp.id).summary
    assert (renamed.name, renamed.status) == ("NSPCC — Baby P", "confirmed")

    moved = ids[:2]
    new_id = svc.split(camp.id, moved, name="Second wave")
    assert svc.detail(new_id).summary.size == 2
    assert svc.detail(camp.id).summary.size == 4
    assert svc.detail(new_id).summary.canonical_case_id in moved
    with pytest.raises(ValidationError, match="at least one"):
        svc.split(new_id, moved)

    assert svc.merge(camp.id, new_id) == camp.id
    assert [c.id for c in svc.list()] == [camp.id]
    assert svc.detail(camp.id).summary.size == 6

    with db.session_factory() as s:
        actions = list(
            s.scalars(
                select(Event.action)
                .where(Event.entity == "campaign", Event.entity_id == camp.id)
                .order_by(Event.id)
            )
        )
    assert actions[:1] == ["created"]
    for expected in ("confirmed", "renamed", "split", "merged"):
        assert expected in actions


def test_a_drafter_may_not_change_campaigns(db: Database, svc: Campaigns) -> None:
    rng = random.Random(5)
    for i in range(3):
        _log(db, campaign_copy(rng, 0), last=f"W{i}")
    (camp,) = svc.list()
    with db.session_factory.begin() as s:
        actor_for(s, USER)  # the first user is admin; the next is an officer
        actor_for(s, "drafter.only")
        from correspondence.db.models import User, user_roles

        uid = s.scalar(select(User.id).where(User.username == "drafter.only"))
        s.execute(user_roles.delete().where(user_roles.c.user_id == uid))
        s.execute(user_roles.insert(), [{"user_id": uid, "role": "drafter"}])
    with pytest.raises(PermissionDenied):
        Campaigns(acting_as(db.session_factory, "drafter.only")).confirm(camp.id)


def test_the_reply_draft_is_one_per_campaign(db: Database, svc: Campaigns) -> None:
    rng = random.Random(6)
    for i in range(3):
        _log(db, campaign_copy(rng, 2), last=f"W{i}")
    (camp,) = svc.list()
    first = svc.reply_draft(camp.id)
    assert svc.reply_draft(camp.id) == first
    assert svc.detail(camp.id).draft_id == first


def _refs(db: Database, ids: list[int]) -> set[str]:
    with db.session_factory() as s:
        return set(s.scalars(select(Case.reference).where(Case.id.in_(ids))))
