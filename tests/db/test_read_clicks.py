"""The read clicks (opening a case, the triage view, opening a draft) ask their reads
together; what they show is what the reads one by one give, and a change made meanwhile
by someone else is seen on the next click."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from correspondence.database import Database
from correspondence.db.models import Campaign, Case, Comment, Draft, ReplyType, Team, User
from correspondence.latency_proxy import LatencyProxy
from correspondence.services.cases import cases
from correspondence.services.cases.deadlines import deadline_view
from correspondence.services.desk import Desk
from correspondence.services.drafting.draft_loading import mapping_for, sample_case
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.lines.line_fit import fill
from correspondence.services.triage.triage import Triage, TriageCase, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY, trips
from tests.factories import signed_off_campaign_reply


def _campaign(db: Database) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(Campaign.id).order_by(Campaign.id).limit(1))
    assert found is not None
    return found


def test_the_draft_editor_fills_each_line_as_the_letter_will_be_filled(demo_db: Database) -> None:
    """Each draft of the demo office, and a campaign's one reply: every line's wording is
    the line filled in with the context the reply letter is made from."""
    signed_off_campaign_reply(demo_db, _campaign(demo_db), status="drafting")
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        draft_ids = list(s.scalars(select(Draft.id).order_by(Draft.id)))
    assert len(draft_ids) >= 2
    filled = 0
    for draft_id in draft_ids:
        view = drafting.view(draft_id)
        with demo_db.session_factory() as s:
            draft = s.get(Draft, draft_id)
            assert draft is not None
            sample = sample_case(s, draft)
            mapping = mapping_for(s, sample, draft.signatory_id, draft.letter_date)
            bodies = [p.line_version.body if p.line_version else None for p in draft.paragraphs]
        for shown, body in zip(view.paragraphs, bodies, strict=True):
            if body is not None and mapping is not None:
                assert (shown.wording, shown.unavailable) == fill(body, mapping)
                filled += 1
    assert filled  # not a comparison of nothing


def test_a_draft_shows_its_comments_people_and_campaign(demo_db: Database) -> None:
    campaign = _campaign(demo_db)
    draft_id = signed_off_campaign_reply(demo_db, campaign, status="drafting")
    with demo_db.session_factory.begin() as s:
        author = s.scalar(select(User).where(User.username == "p.mehta"))
        assert author is not None
        s.add(Comment(draft_id=draft_id, author_id=author.id, body="Check the figures"))
        s.add(Comment(draft_id=draft_id, author_id=None, body="From someone gone"))
        s.execute(update(Draft).where(Draft.id == draft_id).values(created_by_id=author.id))
        name = s.scalar(select(Campaign.name).where(Campaign.id == campaign))
        members = len(s.scalars(select(Case.id).where(Case.campaign_id == campaign)).all())
    view = Drafting(acting_as(demo_db.session_factory, "p.mehta"), lambda: DEMO_TODAY).view(
        draft_id
    )
    assert [(c.author, c.body) for c in view.comments] == [
        (author.display_name, "Check the figures"),
        ("?", "From someone gone"),
    ]
    assert view.created_by == author.display_name and view.qa_by == ""
    assert view.case_reference == f"Campaign “{name}”"
    assert view.campaign_name == name and view.campaign_size == members
    assert view.campaign_themes  # the members' commonest themes
    assert view.correspondent == "every member, each with their own salutation"


def test_opening_a_case_shows_what_is_read_one_by_one(demo_db: Database) -> None:
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        ids = list(s.scalars(select(Case.id).order_by(Case.id).limit(40)))
    for case_id in ids:
        shown, deadlines = desk.open_case(case_id)
        with demo_db.session_factory() as s:
            assert shown == cases.detail(s, case_id, DEMO_TODAY)
            assert deadlines == deadline_view(s, case_id, DEMO_TODAY)


def test_a_reply_type_changed_meanwhile_shows_on_the_next_click(demo_db: Database) -> None:
    """Reply types are read on every click, not kept: an administrator's change made on
    another connection is in the very next deadline box."""
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    triage = Triage(acting_as(demo_db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        case_id, code = s.execute(
            select(Case.id, Case.reply_type_code)
            .where(Case.reply_type_code.is_not(None), Case.due_on.is_not(None))
            .order_by(Case.id)
            .limit(1)
        ).one()
    before = desk.open_case(case_id)[1]
    with demo_db.session_factory.begin() as s:
        s.execute(
            update(ReplyType)
            .where(ReplyType.code == code)
            .values(target_days=before.target_days + 7)
        )
    assert desk.open_case(case_id)[1].target_days == before.target_days + 7
    assert triage.load(case_id).deadlines.target_days == before.target_days + 7


# --- round trips of the campaign paths (the office benchmark's clicks: test_round_trips)


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_a_campaign_letter_and_a_campaign_reply_open_in_few_roundtrips(
    remote: tuple[Database, LatencyProxy],
) -> None:
    db, proxy = remote
    campaign = _campaign(db)
    draft_id = signed_off_campaign_reply(db, campaign, status="drafting")
    with db.session_factory() as s:
        member = s.scalar(
            select(Case.id).where(Case.campaign_id == campaign).order_by(Case.id).limit(1)
        )
    assert member is not None
    triage = Triage(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    desk = Desk(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), lambda: DEMO_TODAY)
    triage.load(member)  # the theme model is built once, as in a window
    drafting.view(draft_id)
    assert trips(proxy, lambda: triage.load(member)) <= 2
    assert trips(proxy, lambda: desk.open_case(member)) <= 2
    # A campaign's one reply: the draft, the sample letter its lines are shown against,
    # then the rest together.
    assert trips(proxy, lambda: drafting.view(draft_id)) <= 3


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_the_triage_view_after_a_colleague_confirmed_themes_takes_three_roundtrips(
    remote: tuple[Database, LatencyProxy],
) -> None:
    """Marking a letter triaged confirms its themes, which the theme suggestions learn
    from: the next triage view anywhere finds its model stale and builds it again, its
    reads asked together (one round trip more than a fresh model's two)."""
    db, proxy = remote
    with db.session_factory() as s:
        logged = list(
            s.scalars(select(Case.id).where(Case.status == "logged").order_by(Case.id).limit(2))
        )
        team = s.scalar(select(Team.id).order_by(Team.id).limit(1))
    triage = Triage(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    colleague = Triage(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    shown = triage.load(logged[1])
    seen = colleague.load(logged[0])
    colleague.apply(
        logged[0],
        TriageDecision(
            themes=list(seen.proposed_themes or ("SCR",)), reply_type="ministerial", team_id=team
        ),
        expected_version=seen.version,
    )
    again: list[TriageCase] = []
    assert trips(proxy, lambda: again.append(triage.load(logged[1]))) == 3
    assert again[0].suggestions and again[0].id == shown.id
