"""A campaign's one reply offers the lines for the campaign's themes first, most common first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case
from correspondence.services.actors import actor_for
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.desk import Desk
from correspondence.services.drafting.draft_view import DraftView
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.services.triage import triage
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY

NSPCC = 1  # the demo's campaign: the seed MP letter and 50 letters on BABYP, SMACK, SCR


def _campaign_reply(db: Database) -> tuple[Drafting, DraftView]:
    draft_id = Campaigns(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY).reply_draft(
        NSPCC
    )
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    return drafting, drafting.view(draft_id)


def _first(offers: list[LineOffer]) -> list[LineOffer]:
    return [o for o in offers if o.for_case]


def test_the_campaign_reply_offers_lines_for_the_campaigns_themes_before_the_rest(
    demo_db: Database,
) -> None:
    drafting, view = _campaign_reply(demo_db)
    assert view.case_id is None and view.campaign_id == NSPCC
    assert view.campaign_name == "NSPCC — proposals after the death of Baby P"
    assert view.campaign_size == 51
    # The MP's covering letter also has LAMING, CDR, ...: one letter in 51 is not the campaign.
    assert sorted(view.campaign_themes) == ["BABYP", "SCR", "SMACK"]

    offers = drafting.offers_for(view)
    first = _first(offers)
    assert first, "no line offered for the campaign's themes"
    assert offers[: len(first)] == first  # the campaign's lines lead the list
    assert all({"BABYP", "SCR", "SMACK"} & set(o.themes) for o in first)
    rest = offers[len(first) :]
    assert rest and not any({"BABYP", "SCR", "SMACK"} & set(o.themes) for o in rest)
    keys = [o.key for o in first]
    # Lines about the campaign's subjects alone before openings tagged with every theme.
    assert set(first[0].themes) <= {"BABYP", "SCR", "SMACK"}
    assert keys.index("babyp-tragedy") < keys.index("holding-reply")
    assert "cdr-prevent-and-learn" in [o.key for o in rest]
    # Nobody's earlier replies are starred: a campaign reply has many correspondents.
    assert not any(o.used_before for o in offers)
    # Every approved line is still offered, just in a better order.
    assert sorted(o.key for o in offers) == sorted(o.key for o in drafting.offers(None))


def test_lines_for_the_most_common_theme_come_first(demo_db: Database) -> None:
    with demo_db.session_factory.begin() as s:
        officer = actor_for(s, "a.okoro")
        members = s.scalars(
            select(Case.id).where(Case.campaign_id == NSPCC).order_by(Case.id)
        ).all()
        # 30 of the 51 letters turn out to be about smacking alone.
        for case_id in members[-30:]:
            triage.set_themes(s, officer, case_id, ["SMACK"], at=dt.datetime(2026, 11, 23, 9))
    drafting, view = _campaign_reply(demo_db)
    assert view.campaign_themes[0] == "SMACK"
    assert set(view.campaign_themes) == {"SMACK", "BABYP", "SCR"}

    first = _first(drafting.offers_for(view))
    only = [o for o in first if set(o.themes) <= {"SMACK", "BABYP", "SCR"}]
    assert first[: len(only)] == only  # lines about nothing else come first...
    smacking = [o for o in only if "SMACK" in o.themes]
    assert only[: len(smacking)] == smacking  # ...the most common theme's at the top
    assert "campaign-smacking-disagree" in [o.key for o in smacking]
    assert "babyp-tragedy" in [o.key for o in only[len(smacking) :]]


def test_search_keeps_the_campaign_order(demo_db: Database) -> None:
    drafting, view = _campaign_reply(demo_db)
    found = drafting.offers_for(view, search="Baby P")
    assert found and found[0].for_case
    # Found in the words as they will print (the campaign's name says "Baby P").
    assert all("baby p" in f"{o.key} {o.title} {o.wording}".lower() for o in found)


def test_a_case_draft_offers_lines_about_its_subjects_before_the_generic_ones(
    demo_db: Database,
) -> None:
    with demo_db.session_factory() as s:
        case_id = s.scalar(
            select(Case.id).where(Case.campaign_id.is_(None), Case.status == "logged").limit(1)
        )
    assert case_id is not None
    with demo_db.session_factory.begin() as s:
        triage.set_themes(
            s, actor_for(s, "a.okoro"), case_id, ["SMACK"], at=dt.datetime(2026, 11, 23, 9)
        )
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    first = _first(drafting.offers(case_id))
    keys = [o.key for o in first]
    assert "campaign-smacking-disagree" in keys and "holding-reply" in keys
    only = [o for o in first if set(o.themes) == {"SMACK"}]
    assert only and first[: len(only)] == only
    assert keys.index("campaign-smacking-disagree") < keys.index("holding-reply")


def test_the_campaign_reply_is_named_by_its_campaign_in_my_work_and_history(
    demo_db: Database,
) -> None:
    Campaigns(acting_as(demo_db.session_factory, "p.mehta"), lambda: DEMO_TODAY).reply_draft(NSPCC)
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    references = [item.reference for item in drafting.my_work().drafts]
    assert "Campaign: NSPCC — proposals after the death of Baby P" in references
    with demo_db.session_factory() as s:
        member = s.scalar(select(Case.id).where(Case.campaign_id == NSPCC).limit(1))
    assert member is not None
    history = Desk(acting_as(demo_db.session_factory, "a.okoro")).detail(member).history
    started = [e.description for e in history if e.action == "created"]
    assert started and started[-1].endswith(
        "started one reply for “NSPCC — proposals after the death of Baby P”"
    )
