"""Demo data worth looking at: the seed correspondence plus invented cases.

Invented cases are spread around today's date so deadlines mean something;
the seed letters keep their real 2008–2009 dates and references.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from correspondence.db.models import (
    Campaign,
    Case,
    Correspondent,
    Draft,
    DraftParagraph,
    Signatory,
    StandardLine,
    Team,
    User,
    user_roles,
)
from correspondence.documents.line_files import library_dir, read_library
from correspondence.documents.seed_reply import SEED_REPLY_LINES
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.domain.workdays import add_working_days
from correspondence.services import events
from correspondence.services.actors import Actor, Role, actor_for, default_username, roles_of
from correspondence.services.cases import cases
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.demo.demo_letters import (
    CAMPAIGN_OPENERS,
    JOWELL_COVERING_LETTER,
    LAMING_COMMISSION_LETTER,
    NSPCC_CAMPAIGN_LETTER,
    THEME_LETTERS,
)
from correspondence.services.lines.library_files import import_library
from correspondence.services.lines.line_editing import set_review_by
from correspondence.services.lines.line_views import approved_version
from correspondence.services.office.defaults import ensure_defaults

SEED_REFERENCE = "2009/0007948POSoS"

TEAMS = (
    ("CU", "Correspondence Unit"),
    ("SPU", "Safeguarding Policy Unit"),
    ("SWR", "Social Work Reform Team"),
    ("FLC", "Family Law and Care Team"),
    ("CHI", "Children's Health and Inspection Team"),
)

THEME_TEAM = {
    "SCR": "SPU",
    "LAMING": "SPU",
    "LSCB": "SPU",
    "CDR": "SPU",
    "WT": "SPU",
    "NSDU": "SPU",
    "BABYP": "SPU",
    "POLICE": "SPU",
    "VBS": "SPU",
    "SWTF": "SWR",
    "FUND": "SWR",
    "ICT": "SWR",
    "SMACK": "FLC",
    "CARE": "FLC",
    "HEALTH": "CHI",
    "INSPECT": "CHI",
}

# username, display name, team, roles — invented people in every role.
USERS = (
    ("a.okoro", "Amara Okoro", "CU", (Role.OFFICER,)),
    ("j.whitfield", "James Whitfield", "CU", (Role.OFFICER,)),
    ("p.mehta", "Priya Mehta", "SPU", (Role.DRAFTER,)),
    ("t.harding", "Tom Harding", "SWR", (Role.DRAFTER,)),
    ("r.clarke", "Rachel Clarke", "FLC", (Role.DRAFTER,)),
    ("n.osei", "Nana Osei", "CHI", (Role.DRAFTER,)),
    ("policy.lead.safeguarding", "Helen Forsyth", "SPU", (Role.POLICY_LEAD, Role.DRAFTER)),
    ("policy.lead.workforce", "David Ambrose", "SWR", (Role.POLICY_LEAD, Role.DRAFTER)),
    ("policy.lead.family", "Sarah Lindqvist", "FLC", (Role.POLICY_LEAD, Role.DRAFTER)),
    ("ps.sos", "Mark Ellery", "CU", (Role.PRIVATE_SECRETARY,)),
    ("ps.mos", "Joanna Pike", "CU", (Role.PRIVATE_SECRETARY,)),
    ("admin", "Desk Administrator", "CU", (Role.ADMIN,)),
)

DRAFTERS = {"SPU": "p.mehta", "SWR": "t.harding", "FLC": "r.clarke", "CHI": "n.osei"}

DCSF_ADDRESS = "Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT"
DEPARTMENT = "department for children, schools and families"

# Invented MPs and constituencies; invented peers and organisations besides the seeds'.
MPS = (
    ("Margaret", "Pellow", "Ashby Vale", "Labour"),
    ("Gareth", "Lloyd-Evans", "Kingsmere", "Conservative"),
    ("Fiona", "Strachan", "Eastbrook and Wyle", "Liberal Democrat"),
    ("Rahul", "Desai", "Northfield Central", "Labour"),
    ("Christine", "Oduya", "Hartley Moor", "Labour"),
    ("Simon", "Blakemore", "Wexcombe", "Conservative"),
    ("Alan", "Pryce", "Carrick Water", "Labour"),
    ("Helen", "Marchant", "Southmead Valley", "Conservative"),
)
PEERS = (
    ("Baroness", "Whitcombe", "Baroness Whitcombe of Ellerby"),
    ("Lord", "Ferriby", "Lord Ferriby of Haxby"),
)
ORGANISATIONS = ("Families First Network", "Kinship Carers Alliance", "Social Workers' Forum")
# Invented first names with the titles that suit them.
FIRST_F = (
    "Anne",
    "Carol",
    "Elaine",
    "Grace",
    "Imogen",
    "Kemi",
    "Maria",
    "Olga",
    "Ruth",
    "Usha",
    "Wendy",
    "Zoe",
    "Harjit",
    "Tessa",
)
FIRST_M = (
    "Brian",
    "Darren",
    "Farid",
    "Jack",
    "Liam",
    "Niall",
    "Paul",
    "Sanjay",
    "Victor",
    "Yusuf",
    "Owen",
    "Ravi",
)
LAST = (
    "Abbott",
    "Barker",
    "Chaudhry",
    "Dawson",
    "Ellis",
    "Fenwick",
    "Gallagher",
    "Hussain",
    "Ingram",
    "Jennings",
    "Kowalski",
    "Lam",
    "Mbeki",
    "Norris",
    "O'Brien",
    "Patel",
    "Quinn",
    "Robson",
    "Stevens",
    "Thornton",
    "Underwood",
    "Vaughan",
    "Wood",
    "Young",
)
TITLES_F = ("Mrs", "Ms", "Miss", "Dr")
TITLES_M = ("Mr", "Mr", "Mr", "Dr")
TOWNS = (("Ashby Vale", "AV"), ("Kingsmere", "KM"), ("Hartley", "HT"), ("Wexcombe", "WX"))


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    campaign_members: int
    lines: int
    users: int

    def __str__(self) -> str:
        return (
            f"{self.cases} cases ({self.campaign_members} in the NSPCC campaign), "
            f"{self.lines} standard lines, {self.users} users"
        )


# Walks from logged to each status, in order, for a believable history.
PATHS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.LOGGED: (),
    CaseStatus.TRIAGED: (CaseStatus.TRIAGED,),
    CaseStatus.DRAFTING: (CaseStatus.TRIAGED, CaseStatus.DRAFTING),
    CaseStatus.IN_QA: (CaseStatus.TRIAGED, CaseStatus.DRAFTING, CaseStatus.IN_QA),
    CaseStatus.RETURNED: (
        CaseStatus.TRIAGED,
        CaseStatus.DRAFTING,
        CaseStatus.IN_QA,
        CaseStatus.RETURNED,
    ),
    CaseStatus.WITH_PRIVATE_OFFICE: (
        CaseStatus.TRIAGED,
        CaseStatus.DRAFTING,
        CaseStatus.IN_QA,
        CaseStatus.WITH_PRIVATE_OFFICE,
    ),
    CaseStatus.SIGNED_OFF: (
        CaseStatus.TRIAGED,
        CaseStatus.DRAFTING,
        CaseStatus.IN_QA,
        CaseStatus.WITH_PRIVATE_OFFICE,
        CaseStatus.SIGNED_OFF,
    ),
    CaseStatus.DISPATCHED: (
        CaseStatus.TRIAGED,
        CaseStatus.DRAFTING,
        CaseStatus.IN_QA,
        CaseStatus.WITH_PRIVATE_OFFICE,
        CaseStatus.SIGNED_OFF,
        CaseStatus.DISPATCHED,
    ),
    CaseStatus.NO_REPLY: (CaseStatus.NO_REPLY,),
    CaseStatus.TRANSFERRED: (CaseStatus.TRIAGED, CaseStatus.TRANSFERRED),
}

REASONS = {
    CaseStatus.RETURNED: "Paragraph on caseloads needs the latest vacancy figures.",
    CaseStatus.NO_REPLY: "Copy letter for information; no reply requested.",
    CaseStatus.TRANSFERRED: "Policy lead is the Home Office (policing).",
}


class _Loader:
    def __init__(self, session: Session, today: dt.date, seed: int) -> None:
        self.s = session
        self.today = today
        self.rng = random.Random(seed)
        self.actors: dict[str, Actor] = {}
        self.teams: dict[str, Team] = {}
        self.signatories: dict[str, Signatory] = {}

    # --- people ----------------------------------------------------------------
    def people(self) -> None:
        for code, name in TEAMS:
            team = Team(code=code, name=name, mailbox=f"{code.lower()}@dcsf.example")
            self.s.add(team)
            self.teams[code] = team
        self.s.flush()
        me = default_username()
        for username, name, team_code, roles in USERS:
            self._user(username, name, self.teams[team_code].id, roles)
        if me not in {u[0] for u in USERS}:
            # Whoever runs the demo can try every part of the app.
            self._user(me, me, self.teams["CU"].id, tuple(Role))
        for key, honorific, name, title, office in (
            ("sos", "Rt Hon", "Ed Balls MP", "Secretary of State", "POSoS"),
            (
                "mos",
                "Rt Hon",
                "Beverley Hughes MP",
                "Minister of State for Children, Young People and Families",
                "POMoS",
            ),
        ):
            sig = Signatory(
                key=key,
                honorific=honorific,
                name=name,
                title=title,
                department=DEPARTMENT,
                address=DCSF_ADDRESS,
                telephone="0870 0012345",
                email="dcsf.ministers@dcsf.gsi.gov.uk",
                office_code=office,
            )
            self.s.add(sig)
            self.signatories[key] = sig
        self.s.flush()

    def _user(self, username: str, name: str, team_id: int, roles: tuple[Role, ...]) -> None:
        user = self.s.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                display_name=name,
                team_id=team_id,
                email=f"{username}@dcsf.example",
            )
            self.s.add(user)
            self.s.flush()
        have = roles_of(self.s, user.id)
        missing = [r for r in roles if r not in have]
        if missing:
            self.s.execute(
                user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in missing]
            )
        self.actors[username] = actor_for(self.s, username)

    # --- cases -----------------------------------------------------------------
    def _at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)))

    @staticmethod
    def _later(at: dt.datetime, last: dt.datetime | None) -> dt.datetime:
        """Two steps on one day still read in order."""
        return at if last is None or at > last else last + dt.timedelta(minutes=20)

    def walk(
        self,
        case: Case,
        target: CaseStatus,
        start: dt.date,
        on: Mapping[CaseStatus, dt.date] | None = None,
    ) -> None:
        """Move a new case along its path, backdating each step's event (to `on[step]` when
        the real date is known)."""
        theme = case.themes[0].code if case.themes else "SCR"
        team_code = THEME_TEAM.get(theme, "SPU")
        day = start
        last: dt.datetime | None = None
        for step in PATHS[target]:
            # Drawn even when the date is given, so the invented cases stay the same.
            drawn = min(add_working_days(day, self.rng.randint(1, 4)), self.today)
            day = (on or {}).get(step, drawn)
            who = {
                CaseStatus.TRIAGED: "a.okoro",
                CaseStatus.DRAFTING: DRAFTERS.get(team_code, "p.mehta"),
                CaseStatus.IN_QA: DRAFTERS.get(team_code, "p.mehta"),
                CaseStatus.RETURNED: "policy.lead.safeguarding",
                CaseStatus.WITH_PRIVATE_OFFICE: "policy.lead.safeguarding",
                CaseStatus.SIGNED_OFF: "ps.sos",
                CaseStatus.DISPATCHED: "j.whitfield",
                CaseStatus.NO_REPLY: "a.okoro",
                CaseStatus.TRANSFERRED: "a.okoro",
            }[step]
            if step is CaseStatus.TRIAGED:
                case.team = self.teams[team_code]
                case.drafter_id = self.actors[DRAFTERS.get(team_code, "p.mehta")].user_id
            if step is CaseStatus.TRANSFERRED:
                case.transfer_to = "Home Office"
                case.transfer_reason = REASONS[step]
            if step is CaseStatus.NO_REPLY:
                case.no_reply_reason = REASONS[step]
                case.reply_type_code = "no_reply"
            if step is CaseStatus.SIGNED_OFF:
                case.signed_off_on = day
                case.signature_method = self.rng.choice(("wet", "digital"))
            if step is CaseStatus.DISPATCHED:
                case.dispatched_on = day
                case.dispatch_channel = "post" if case.channel == "post" else "email"
            old = case.status
            case.status = step
            self.s.flush()
            events.record(
                self.s,
                self.actors[who],
                "case",
                case.id,
                "status",
                case_id=case.id,
                field="status",
                old=old,
                new=step.value,
                reason=REASONS.get(step, ""),
                at=(last := self._later(self._at(day), last)),
            )

    def log(self, data: NewCase, logged_by: str = "a.okoro") -> Case:
        data.logged_at = data.logged_at or self._at(data.received_on, 9)
        return cases.log_case(self.s, self.actors[logged_by], data, today=self.today)

    def public(self) -> NewCorrespondent:
        town, pc = self.rng.choice(TOWNS)
        female = self.rng.random() < 0.55
        return NewCorrespondent(
            kind=CorrespondentKind.PUBLIC,
            title=self.rng.choice(TITLES_F if female else TITLES_M),
            first_name=self.rng.choice(FIRST_F if female else FIRST_M),
            last_name=self.rng.choice(LAST),
            address=f"{self.rng.randint(1, 180)} {self.rng.choice(LAST)} Road\n{town}",
            postcode=f"{pc}{self.rng.randint(1, 19)} {self.rng.randint(1, 9)}"
            f"{self.rng.choice('ABDEFGHJ')}{self.rng.choice('LNPQRSTU')}",
        )

    def received_day(self, max_back: int) -> dt.date:
        """A working day up to `max_back` working days before today."""
        back = self.rng.randint(0, max_back)
        day = self.today - dt.timedelta(days=int(back * 1.45))
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return min(day, self.today)


def _status_for(received: dt.date, today: dt.date, rng: random.Random) -> CaseStatus:
    age = (today - received).days
    if age < 3:
        return rng.choice((CaseStatus.LOGGED, CaseStatus.LOGGED, CaseStatus.TRIAGED))
    if age < 14:
        return rng.choice(
            (
                CaseStatus.LOGGED,
                CaseStatus.TRIAGED,
                CaseStatus.DRAFTING,
                CaseStatus.DRAFTING,
                CaseStatus.NO_REPLY,
            )
        )
    if age < 28:
        return rng.choice(
            (
                CaseStatus.DRAFTING,
                CaseStatus.IN_QA,
                CaseStatus.RETURNED,
                CaseStatus.WITH_PRIVATE_OFFICE,
                CaseStatus.TRANSFERRED,
            )
        )
    return rng.choice(
        (
            CaseStatus.SIGNED_OFF,
            CaseStatus.DISPATCHED,
            CaseStatus.DISPATCHED,
            CaseStatus.DISPATCHED,
            CaseStatus.WITH_PRIVATE_OFFICE,
            CaseStatus.DRAFTING,
        )
    )


def _campaign_variant(rng: random.Random, name: tuple[str, str, str]) -> str:
    """One supporter's copy: another opener, a dropped sentence, a typo, their name."""
    title, first, last = name
    text = NSPCC_CAMPAIGN_LETTER.replace("Dear Secretary of State", rng.choice(CAMPAIGN_OPENERS))
    paragraphs = text.split("\n\n")
    if rng.random() < 0.3:
        del paragraphs[rng.choice((1, 3, 4))]  # some leave out a paragraph
    text = "\n\n".join(paragraphs)
    if rng.random() < 0.4:
        text = text.replace("horrified", "horified").replace("professionals", "proffesionals", 1)
    if rng.random() < 0.3:
        text = text.replace("Please act now", "I urge you to act now")
    return f"{text}\n\n{title} {first} {last}"


def _review_dates(ld: _Loader, seed: int) -> None:
    """The shipped lines were written in 2009-10; in the demo office their owners have since
    reviewed most of them. A few are overdue or fall due within four weeks, so the
    reminders have something to show."""
    rng = random.Random(seed + 1)  # its own stream: the cases drawn later stay the same
    for i, line in enumerate(ld.s.scalars(select(StandardLine).order_by(StandardLine.key))):
        owner = line.owner.username if line.owner is not None else ""
        actor = ld.actors.get(owner) or ld.actors["policy.lead.safeguarding"]
        if i % 10 == 3:
            days = -rng.randint(3, 60)
        elif i % 10 == 7:
            days = rng.randint(1, 28)
        else:
            days = rng.randint(60, 360)
        set_review_by(ld.s, actor, line.id, ld.today + dt.timedelta(days=days))


def load_demo(
    session_factory: sessionmaker[Session], today: dt.date | None = None, seed: int = 2009
) -> DemoSummary:
    """Fill an empty database with the demo office; one transaction, all or nothing."""
    today = today or dt.date.today()
    with session_factory.begin() as s:
        ensure_defaults(s)
        ld = _Loader(s, today, seed)
        ld.people()
        library = read_library(library_dir())
        # Each policy lead imports (so approves) the lines their files say they approved.
        for f in library:
            importer = ld.actors.get(f.approved_by or "admin", ld.actors["admin"])
            import_library(s, importer, [f])
        _review_dates(ld, seed)

        # The seed case: Tessa Jowell MP forwards constituents' NSPCC letters.
        nspcc = Campaign(
            name="NSPCC — proposals after the death of Baby P",
            organisation="NSPCC",
            canonical_text=NSPCC_CAMPAIGN_LETTER,
            status="confirmed",
        )
        s.add(nspcc)
        s.flush()
        seed_case = ld.log(
            NewCase(
                reference=SEED_REFERENCE,
                # Received the day it was logged: the 4 February stamp on the seed copy is
                # the reply's dispatch, not the letter's arrival (received never follows
                # logging, so the history reads in order).
                received_on=dt.date(2009, 1, 20),
                logged_at=dt.datetime(2009, 1, 20, 9, 5),
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.MP,
                    first_name="Tessa",
                    last_name="Jowell",
                    honorific="Rt Hon",
                    post_nominals="MP",
                    constituency="Dulwich and West Norwood",
                    party="Labour",
                    email="jowellt@parliament.example",  # invented: replies go by email too
                ),
                constituents=[
                    NewConstituent("Mrs", "Joan", "Abbott", "12 Example Road\nLondon", "SE21 8ZZ"),
                    NewConstituent("Mr", "Peter", "Hadley", "4 Sample Close\nLondon", "SE27 9ZZ"),
                    NewConstituent(
                        "Ms", "Ruth", "Okonjo", "31 Invented Street\nLondon", "SE24 0ZZ"
                    ),
                ],
                summary="Forwards constituents' NSPCC campaign letters after the death of Baby P",
                letter_text=JOWELL_COVERING_LETTER + "\n\nEnclosure:\n\n" + NSPCC_CAMPAIGN_LETTER,
                addressed_to_id=ld.signatories["sos"].id,
                signatory_id=ld.signatories["sos"].id,
                theme_codes=["BABYP", "LAMING", "SCR", "SWTF", "CDR", "CARE", "LSCB", "SMACK"],
            ),
            logged_by="a.okoro",
        )
        seed_case.campaign = nspcc
        seed_case.campaign_similarity = 1.0
        nspcc.canonical_case_id = seed_case.id
        # The dates the seed reply bears: drafted late January, signed 3 February, sent 4th.
        ld.walk(
            seed_case,
            CaseStatus.DISPATCHED,
            dt.date(2009, 1, 20),
            on={
                CaseStatus.TRIAGED: dt.date(2009, 1, 21),
                CaseStatus.DRAFTING: dt.date(2009, 1, 22),
                CaseStatus.IN_QA: dt.date(2009, 2, 2),
                CaseStatus.WITH_PRIVATE_OFFICE: dt.date(2009, 2, 2),
                CaseStatus.SIGNED_OFF: dt.date(2009, 2, 3),
                CaseStatus.DISPATCHED: dt.date(2009, 2, 4),
            },
        )
        seed_case.signed_off_on = dt.date(2009, 2, 3)
        seed_case.dispatched_on = dt.date(2009, 2, 4)
        seed_case.signature_method = "wet"
        _seed_draft(s, ld, seed_case)

        # The outgoing commissioning letter to Lord Laming, 17 November 2008.
        laming = ld.log(
            NewCase(
                received_on=dt.date(2008, 11, 17),
                direction="outgoing",
                reply_type="official",
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PEER,
                    title="Lord",
                    last_name="Laming",
                    peerage="Lord Laming",
                    peerage_full="Lord Laming of Tewin",
                ),
                summary="Commissioning letter: progress report on safeguarding",
                letter_text=LAMING_COMMISSION_LETTER,
                signatory_id=ld.signatories["sos"].id,
                theme_codes=["LAMING", "LSCB", "SCR", "WT"],
            ),
            logged_by="j.whitfield",
        )
        ld.walk(laming, CaseStatus.DISPATCHED, dt.date(2008, 11, 12))
        laming.dispatched_on = dt.date(2008, 11, 17)

        mps = [
            NewCorrespondent(
                kind=CorrespondentKind.MP,
                first_name=f,
                last_name=last,
                post_nominals="MP",
                constituency=c,
                party=p,
            )
            for f, last, c, p in MPS
        ]
        mp_ids: list[int] = []
        for mp in mps:
            mp_ids.append(cases.add_correspondent(s, mp).id)
        peer_ids = [
            cases.add_correspondent(
                s,
                NewCorrespondent(
                    kind=CorrespondentKind.PEER,
                    title=t,
                    last_name=n,
                    peerage=f"{t} {n}",
                    peerage_full=full,
                ),
            ).id
            for t, n, full in PEERS
        ]
        org_ids = [
            cases.add_correspondent(
                s,
                NewCorrespondent(
                    kind=CorrespondentKind.ORGANISATION,
                    organisation=o,
                    address="1 Example Square\nLondon",
                    postcode="EC1A 9ZZ",
                ),
            ).id
            for o in ORGANISATIONS
        ]

        # ~200 invented cases over every theme and status.
        codes = sorted(THEME_LETTERS)
        n_cases = 2
        for i in range(200):
            code = codes[i % len(codes)]
            summary, body = ld.rng.choice(THEME_LETTERS[code])
            extra = [c for c in ld.rng.sample(codes, 2) if c != code][: ld.rng.randint(0, 1)]
            received = ld.received_day(45)
            kind = ld.rng.random()
            data = NewCase(
                received_on=received,
                channel=ld.rng.choice(("post", "post", "email")),
                summary=summary,
                theme_codes=[code, *extra],
                priority=ld.rng.choice(("normal",) * 6 + ("high", "urgent")),
                addressed_to_id=ld.signatories[ld.rng.choice(("sos", "mos"))].id,
                letter_text="",
            )
            if kind < 0.4:
                data.correspondent_id = ld.rng.choice(mp_ids)
                person = ld.public()
                data.constituents = [
                    NewConstituent(
                        person.title,
                        person.first_name,
                        person.last_name,
                        person.address,
                        person.postcode,
                    )
                ]
                data.letter_text = (
                    f"I enclose a letter from my constituent, {person.title} "
                    f"{person.first_name} {person.last_name}, who writes:\n\n"
                    f'"{body}"\n\nI should be grateful for your comments.'
                )
            elif kind < 0.5:
                data.correspondent_id = ld.rng.choice(peer_ids)
                data.letter_text = body
            elif kind < 0.6:
                data.correspondent_id = ld.rng.choice(org_ids)
                data.letter_text = body
            else:
                data.new_correspondent = ld.public()
                data.reply_type = "official"
                data.letter_text = body
            case = ld.log(data)
            target = _status_for(received, today, ld.rng)
            ld.walk(case, target, received)
            n_cases += 1

        # An NSPCC campaign of ~50 near-identical letters from the public.
        members = 0
        for _ in range(50):
            person = ld.public()
            received = ld.received_day(20)
            case = ld.log(
                NewCase(
                    received_on=received,
                    channel=ld.rng.choice(("post", "email", "email")),
                    new_correspondent=person,
                    summary="NSPCC campaign letter after the death of Baby P",
                    letter_text=_campaign_variant(
                        ld.rng, (person.title, person.first_name, person.last_name)
                    ),
                    reply_type="official",
                    theme_codes=["BABYP", "SMACK", "SCR"],
                )
            )
            case.campaign = nspcc
            case.campaign_similarity = round(ld.rng.uniform(0.86, 0.99), 2)
            ld.walk(case, ld.rng.choice((CaseStatus.LOGGED, CaseStatus.TRIAGED)), received)
            members += 1
            n_cases += 1
        # A persistent writer on the stop list.
        stop = s.get(Correspondent, org_ids[-1])
        if stop is not None:
            stop.on_stop_list = True
            stop.stop_list_reason = (
                "Writes weekly on the same matter; official acknowledgement only."
            )
        n_users = len(ld.actors)
        return DemoSummary(n_cases, members + 1, len(library), n_users)


def _seed_draft(s: Session, ld: _Loader, case: Case) -> Draft:
    """The reply of 3 February 2009, built from the shipped lines and signed off."""
    draft = Draft(
        case_id=case.id,
        status="signed_off",
        signatory_id=ld.signatories["sos"].id,
        salutation="Dear Tessa",
        complimentary_close="Yours sincerely",
        letter_date=dt.date(2009, 2, 3),
        created_by_id=ld.actors["p.mehta"].user_id,
        qa_by_id=ld.actors["policy.lead.safeguarding"].user_id,
        qa_at=dt.datetime(2009, 2, 2, 15, 0),
        signed_off_by_id=ld.actors["ps.sos"].user_id,
        signed_off_at=dt.datetime(2009, 2, 3, 17, 30),
        signature_method="wet",
    )
    for pos, key in enumerate(SEED_REPLY_LINES):
        version = approved_version(s, key)
        draft.paragraphs.append(
            DraftParagraph(
                position=pos,
                kind="line",
                line_version_id=version.id,
                text=version.body,
                numbered=version.line.numbered,
            )
        )
    s.add(draft)
    s.flush()
    return draft
