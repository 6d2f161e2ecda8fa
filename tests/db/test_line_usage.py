"""Where every line went: each version's drafts and sent letters, and the old words."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Campaign, Case, Draft, DraftParagraph
from correspondence.services.demo.demo import SEED_REFERENCE
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_views import approved_version
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
KEY = "babyp-tragedy"


def _draft(db: Database, *, case_id: int | None = None, campaign_id: int | None = None,
           status: str = "drafting", signed: dt.datetime | None = None) -> int:  # fmt: skip
    with db.session_factory.begin() as s:
        version = approved_version(s, KEY)
        draft = Draft(
            case_id=case_id,
            campaign_id=campaign_id,
            status=status,
            signed_off_at=signed,
            letter_date=signed.date() if signed else None,
        )
        draft.paragraphs.append(
            DraftParagraph(position=0, kind="line", line_version_id=version.id, text=version.body)
        )
        s.add(draft)
        s.flush()
        return draft.id


def test_seed_reply_is_listed_as_sent_with_its_dates(demo_db: Database) -> None:
    usage = Library(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY).usage(KEY)
    seed = [u for u in usage.uses if u.reference == SEED_REFERENCE]
    assert len(seed) == 1
    assert seed[0].state == "sent" and seed[0].on == dt.date(2009, 2, 4)
    assert seed[0].letter_date == dt.date(2009, 2, 3)
    assert seed[0].version == 1 and not seed[0].old_words


def test_a_revision_counts_open_drafts_and_sent_letters_with_the_old_words(
    demo_db: Database,
) -> None:
    with demo_db.session_factory() as s:
        other = s.scalars(
            select(Case).where(Case.reference != SEED_REFERENCE, Case.campaign_id.is_(None))
        ).first()
        assert other is not None
        other_id, other_ref = other.id, other.reference
        camp_id = s.scalar(select(Campaign.id))
        members = s.scalars(
            select(Case.id)
            .where(Case.campaign_id == camp_id, Case.reference != SEED_REFERENCE)
            .order_by(Case.id)
            .limit(3)
        ).all()
    open_id = _draft(demo_db, case_id=other_id)
    signed = dt.datetime(2026, 11, 2, 10, 0)
    campaign_draft = _draft(demo_db, campaign_id=camp_id, status="signed_off", signed=signed)
    with demo_db.session_factory.begin() as s:
        for n, case_id in enumerate(members):
            case = s.get(Case, case_id)
            assert case is not None
            case.status = "dispatched"
            # The first member went before this reply was signed off: not its letter.
            case.dispatched_on = dt.date(2026, 10, 30) if n == 0 else dt.date(2026, 11, 3)
        sent_refs = {s.get(Case, i).reference for i in members[1:]}  # type: ignore[union-attr]

    lead = Library(
        acting_as(demo_db.session_factory, "policy.lead.safeguarding"), clock=lambda: TODAY
    )
    before = lead.usage(KEY)
    assert before.open_drafts_with_old_words == 0 and before.sent_with_old_words == 0
    assert before.versions[0].open_drafts == 1
    assert before.versions[0].sent_letters == 1 + len(sent_refs)

    line = lead.detail(KEY)
    version = lead.new_version(line.id, line.approved.body + " We will act.").latest
    lead.submit(version.id)
    lead.approve(version.id)

    after = lead.usage(KEY)
    assert after.approved_number == 2
    assert after.open_drafts_with_old_words == 1
    assert after.sent_with_old_words == 1 + len(sent_refs)
    follow_up = {(u.reference, u.state) for u in after.old_words()}
    assert follow_up == {
        (other_ref, "drafting"),
        (SEED_REFERENCE, "sent"),
        *((ref, "sent") for ref in sent_refs),
    }
    assert any(u.draft_id == campaign_draft and u.reference.startswith("campaign: ")
               for u in after.uses)  # fmt: skip
    assert {u.draft_id for u in after.uses if u.open_draft} == {open_id}
    # The drift the lead already sees agrees on the open drafts.
    assert {d.draft_id for d in lead.drift(line_id=line.id)} == {open_id}
