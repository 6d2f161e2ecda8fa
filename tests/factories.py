"""Builders for what a test needs, on the database the test hands in.

Each takes its inputs as arguments (who acts, which day it is, which lines) and goes
through the services a person's action would, so a test reads as the story it sets up.
Where a test needs a state no service can reach today (a reply signed off in 2009, a
correspondent with a name the Word writer must escape), the builder writes it directly
and says so.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.database import Database
from correspondence.db.models import (
    Campaign,
    Case,
    Correspondent,
    Draft,
    DraftParagraph,
    LineVersion,
    Signatory,
    StandardLine,
    Team,
)
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.services.actors import Role
from correspondence.services.campaigns.campaigns import Campaigns
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.people.admin import Administration, NewUser
from correspondence.services.unit_of_work import acting_as
from tests.campaign_mailbag import campaign_copy
from tests.report_cases import build_cases

# --- people ------------------------------------------------------------------------------


def member_of_public(
    first: str = "Ines", last: str = "Varga", title: str = "Ms"
) -> NewCorrespondent:
    return NewCorrespondent(
        kind=CorrespondentKind.PUBLIC, title=title, first_name=first, last_name=last
    )


def mp(first: str = "Gwen", last: str = "Arkwright") -> NewCorrespondent:
    return NewCorrespondent(
        kind=CorrespondentKind.MP, first_name=first, last_name=last, post_nominals="MP"
    )


def team(db: Database, admin: str, code: str, name: str = "") -> int:
    """A team added by `admin` on the admin screen's service; its id."""
    return Administration(acting_as(db.session_factory, admin)).add_team(code, name or code).id


def user(
    db: Database,
    admin: str,
    username: str,
    roles: Iterable[Role] = (Role.OFFICER,),
    *,
    display_name: str = "",
    team_id: int | None = None,
) -> int:
    """A person added by `admin` with `roles`; their user id. (On a new database the
    first name that acts becomes its admin, so `admin` may be any name not yet used.)"""
    added = Administration(acting_as(db.session_factory, admin)).add_user(
        NewUser(
            username=username,
            display_name=display_name or username,
            team_id=team_id,
            roles=frozenset(roles),
        )
    )
    return added.id


# --- cases -------------------------------------------------------------------------------


def desk_for(db: Database, username: str, today: dt.date | None = None) -> Desk:
    """The main window's service, acting as `username` on `today` (the real clock if None)."""
    if today is None:
        return Desk(acting_as(db.session_factory, username))
    return Desk(acting_as(db.session_factory, username), clock=lambda: today)


def signatory_id(db: Database, key: str) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(Signatory.id).where(Signatory.key == key))
    if found is None:
        raise LookupError(f"no signatory {key!r} in this database")
    return found


def undrafted_case(db: Database, *, in_campaign: bool | None = False) -> int:
    """The first triaged case with a correspondent and no draft yet: in a campaign, not in
    one, or either (None)."""
    query = (
        select(Case.id)
        .where(Case.status == CaseStatus.TRIAGED.value, Case.correspondent_id.is_not(None))
        .where(~select(Draft.id).where(Draft.case_id == Case.id).exists())
        .order_by(Case.id)
    )
    if in_campaign is not None:
        query = query.where(
            Case.campaign_id.is_not(None) if in_campaign else Case.campaign_id.is_(None)
        )
    with db.session_factory() as s:
        found = s.scalar(query)
    if found is None:
        raise LookupError("no triaged case without a draft in this database")
    return found


def log_letter(
    desk: Desk,
    *,
    received_on: dt.date,
    correspondent: NewCorrespondent | None = None,
    summary: str = "",
    letter_text: str = "",
    theme_codes: Sequence[str] = (),
    signatory_id: int | None = None,
) -> str:
    """Logs one letter as the desk's person and gives back its reference."""
    return desk.log_case(
        NewCase(
            received_on=received_on,
            new_correspondent=correspondent or member_of_public(),
            summary=summary,
            letter_text=letter_text,
            theme_codes=list(theme_codes),
            signatory_id=signatory_id,
        )
    )


def logged_case(
    db: Database,
    officer: str,
    *,
    today: dt.date,
    received_on: dt.date | None = None,
    correspondent: NewCorrespondent | None = None,
    summary: str = "",
    theme_codes: Sequence[str] = (),
    signatory_key: str | None = None,
) -> int:
    """A case logged by `officer` (received the day before `today` unless given); its id."""
    desk = desk_for(db, officer, today)
    ref = log_letter(
        desk,
        received_on=received_on or today - dt.timedelta(days=1),
        correspondent=correspondent,
        summary=summary,
        theme_codes=theme_codes,
        signatory_id=signatory_id(db, signatory_key) if signatory_key else None,
    )
    return desk.find_reference(ref)


def triaged_case(
    db: Database,
    officer: str,
    *,
    today: dt.date,
    received_on: dt.date | None = None,
    correspondent: NewCorrespondent | None = None,
    summary: str = "",
    theme_codes: Sequence[str] = (),
    signatory_key: str | None = None,
    team_code: str | None = None,
) -> int:
    """A case logged and moved to triaged by `officer`, with the team given (if any)."""
    case_id = logged_case(
        db,
        officer,
        today=today,
        received_on=received_on,
        correspondent=correspondent,
        summary=summary,
        theme_codes=theme_codes,
        signatory_key=signatory_key,
    )
    desk_for(db, officer, today).move(case_id, CaseStatus.TRIAGED)
    if team_code is not None:
        # Set directly, with no edit event: the tests that use it were written against that.
        with db.session_factory.begin() as s:
            case = s.get(Case, case_id)
            assert case is not None
            case.team_id = s.scalar(select(Team.id).where(Team.code == team_code))
    return case_id


# --- drafts ------------------------------------------------------------------------------


def draft_from_lines(
    db: Database, drafter: str, case_id: int, line_keys: Sequence[str], *, today: dt.date
) -> int:
    """A reply drafted by `drafter` from the approved versions of `line_keys`; its id."""
    drafting = Drafting(acting_as(db.session_factory, drafter), clock=lambda: today)
    return drafting.create(case_id, list(line_keys)).id


# --- campaigns ---------------------------------------------------------------------------

CAMPAIGN_FREE_TEXT = 'We will write again & keep you <informed> about the "review" — Zoë.'
CAMPAIGN_REPLY_LINES = (
    ("campaign-opening-forwarded-letters", False),
    ("smacking-reasonable-punishment-limited", True),
    ("reforms-more-to-do", True),
    ("", False),  # a paragraph of free text
    ("closing-thank-you-for-writing", False),
)


def campaign_id(db: Database, organisation: str) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(Campaign.id).where(Campaign.organisation == organisation))
    if found is None:
        raise LookupError(f"no campaign by {organisation!r} in this database")
    return found


def campaign_with_members(
    db: Database, officer: str, members: int, *, today: dt.date, seed: int = 1, which: int = 0
) -> tuple[int, list[int]]:
    """`members` supporters' copies of campaign `which` of tests/campaign_mailbag.py, logged
    by `officer` and grouped by campaign detection (at least 3 make a campaign).

    Gives back the campaign's id and the logged cases' ids."""
    rng = random.Random(seed)
    desk = desk_for(db, officer, today)
    case_ids = [
        desk.find_reference(
            log_letter(
                desk,
                received_on=today - dt.timedelta(days=1),
                correspondent=member_of_public("Ada", f"Supporter{i + 1}", "Mrs"),
                letter_text=campaign_copy(rng, which),
            )
        )
        for i in range(members)
    ]
    campaigns = Campaigns(acting_as(db.session_factory, officer), clock=lambda: today)
    campaigns.detect()
    with db.session_factory() as s:
        found = set(s.scalars(select(Case.campaign_id).where(Case.id.in_(case_ids))))
    if len(found) != 1 or None in found:
        raise LookupError(f"the {members} copies did not make one campaign: {found}")
    return found.pop(), case_ids


def _approved(s: Session, key: str) -> LineVersion:
    version = s.scalar(
        select(LineVersion)
        .join(StandardLine)
        .where(StandardLine.key == key, LineVersion.status == "approved")
        .order_by(LineVersion.number.desc())
    )
    if version is None:
        raise LookupError(f"no approved version of line {key!r}")
    return version


def signed_off_campaign_reply(
    db: Database,
    campaign: int,
    *,
    status: str = "signed_off",
    signatory_key: str = "sos",
    lines: Sequence[tuple[str, bool]] = CAMPAIGN_REPLY_LINES,
) -> int:
    """A campaign reply already through sign-off (on 27 February 2009, wet-signed), built
    from `lines` (key, numbered; an empty key is `CAMPAIGN_FREE_TEXT`).

    Written directly: the approval chain cannot back-date a sign-off. The first two logged
    members get names a Word writer can get wrong: markup characters, quotes, accents."""
    with db.session_factory.begin() as s:
        sig = s.scalar(select(Signatory).where(Signatory.key == signatory_key))
        assert sig is not None
        draft = Draft(
            campaign_id=campaign,
            status=status,
            signatory_id=sig.id,
            letter_date=dt.date(2009, 3, 2),
            signed_off_at=dt.datetime(2009, 2, 27, 16, 0),
            signature_method="wet",
        )
        for i, (key, numbered) in enumerate(lines):
            if key:
                v = _approved(s, key)
                draft.paragraphs.append(
                    DraftParagraph(
                        position=i, kind="line", line_version=v, text=v.body, numbered=numbered
                    )
                )
            else:
                draft.paragraphs.append(
                    DraftParagraph(position=i, kind="free", text=CAMPAIGN_FREE_TEXT)
                )
        s.add(draft)
        s.flush()
        members = s.scalars(
            select(Case).where(Case.campaign_id == campaign, Case.status == "logged")
        ).all()
        odd = [
            ("Zoë", "O'Brien & <Sons>", 'Flat 2 "The Oaks"\nLlanfair Pwllgwyngyll'),
            ("Siân", "Ní Bhriain", "Tŷ Newydd\n1 Heol & Stryd"),
        ]
        for case, (first, last, address) in zip(members, odd, strict=False):
            corr = s.get(Correspondent, case.correspondent_id)
            assert corr is not None
            corr.first_name, corr.last_name, corr.address = first, last, address
        return draft.id


# --- reports -----------------------------------------------------------------------------


def cases_for_reports(db: Database) -> dict[str, int]:
    """The hand-counted letters of tests/report_cases.py (key → case id).

    Written directly: they carry past dispatch dates and teams no service back-dates."""
    with db.session_factory.begin() as s:
        return build_cases(s)
