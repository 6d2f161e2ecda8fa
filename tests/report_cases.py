"""A hand-built set of letters whose report figures are counted by hand (tests/db/test_reports.py).

Today is Monday 20 April 2026. The range is letters received 1 November 2025 – 20 April 2026.
Bank holidays that matter: Christmas Day Thu 25 Dec 2025, Boxing Day Fri 26 Dec 2025,
Good Friday 3 Apr 2026, Easter Monday 6 Apr 2026.

    case received   type  kind   team  sig  themes      outcome                          days
    A    Wed 26 Nov min   mp     Alpha SoS  SCR         dispatched Wed 24 Dec 2025        20
    B    Wed 26 Nov min   public Alpha SoS  SCR SMACK   dispatched Mon 29 Dec 2025        21
    C    Thu 05 Mar off   peer   Beta  MoS  SMACK       dispatched Thu 02 Apr 2026        20
    D    Thu 05 Mar off   mp     Beta  MoS  LAMING      dispatched Tue 07 Apr 2026        21
    E    Mon 05 Jan min   mp     Alpha SoS  SCR         dispatched Fri 16 Jan 2026         9
    F    Mon 02 Mar min   public Beta  -    SMACK       drafting (Dana), due Mon 30 Mar   33 so far
    G    Wed 15 Apr min   mp     Alpha SoS  SCR         triaged (Eve)                      3 so far
    H    Mon 12 Jan none  public -     -    -           no reply needed
    I    Tue 13 Jan min   mp     -     -    -           transferred
    J    Mon 02 Feb ack   public Alpha -    BABYP       dispatched Mon 09 Feb 2026         5
    K    Tue 03 Feb ack   public Alpha -    BABYP       dispatched Tue 10 Feb 2026         5
    L    Wed 04 Feb ack   public Alpha -    BABYP       logged, no drafter, due Wed 11 Feb
    M    Wed 15 Oct min   mp     Beta  -    SCR         drafting (Dana), due Wed 12 Nov 2025

Nov–Dec dates are 2025, the rest 2026 (M is 2025, before the range). min = ministerial,
off = official (both 20 working days), ack = acknowledgement (5), none = no_reply.
A: day 20 is Christmas Eve. B: 25 and 26 Dec and the weekend skipped, so Mon 29 Dec is day 21.
C: day 20 is the eve of Good Friday. D: Good Friday and Easter Monday skipped, so Tue 7 Apr is
day 21; its due date was extended to Fri 10 Apr. J, K, L are the NSPCC campaign.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Campaign,
    Case,
    Constituent,
    Correspondent,
    Document,
    Signatory,
    Team,
    Theme,
    User,
)
from correspondence.domain.workdays import due_date

TODAY = dt.date(2026, 4, 20)
START, END = dt.date(2025, 11, 1), TODAY
D = dt.date
TARGETS = {"ministerial": 20, "official": 20, "acknowledgement": 5, "no_reply": 20}


@dataclass(frozen=True)
class Spec:
    key: str
    received: dt.date
    reply_type: str
    writer: str  # key into WRITERS
    team: str | None
    signatory: str | None
    themes: tuple[str, ...]
    status: str
    dispatched: dt.date | None = None
    drafter: str | None = None
    due: dt.date | None = None  # an extended due date
    campaign: bool = False


# Invented people, except the ministers.
WRITERS = {
    "mp1": ("mp", "Ms", "Harriet", "Lowdon", "Harriet Lowdon MP"),
    "mp2": ("mp", "Mr", "Colin", "Ashby", "Colin Ashby MP"),
    "peer": ("peer", "", "", "", "Lord Fenwick of Hale"),
    "olive": ("public", "Ms", "Olive", "Pardoe", "Ms Olive Pardoe"),
    "ned": ("public", "Mr", "Ned", "Quarles", "Mr Ned Quarles"),
    "pub": ("public", "Mrs", "Ida", "Brannock", "Mrs Ida Brannock"),
}

SPECS = (
    Spec(
        "A",
        D(2025, 11, 26),
        "ministerial",
        "mp1",
        "Alpha",
        "sos",
        ("SCR",),
        "dispatched",
        D(2025, 12, 24),
    ),
    Spec(
        "B",
        D(2025, 11, 26),
        "ministerial",
        "olive",
        "Alpha",
        "sos",
        ("SCR", "SMACK"),
        "dispatched",
        D(2025, 12, 29),
    ),
    Spec(
        "C",
        D(2026, 3, 5),
        "official",
        "peer",
        "Beta",
        "mos",
        ("SMACK",),
        "dispatched",
        D(2026, 4, 2),
    ),
    Spec(
        "D",
        D(2026, 3, 5),
        "official",
        "mp2",
        "Beta",
        "mos",
        ("LAMING",),
        "dispatched",
        D(2026, 4, 7),
        due=D(2026, 4, 10),
    ),
    Spec(
        "E",
        D(2026, 1, 5),
        "ministerial",
        "mp1",
        "Alpha",
        "sos",
        ("SCR",),
        "dispatched",
        D(2026, 1, 16),
    ),
    Spec(
        "F",
        D(2026, 3, 2),
        "ministerial",
        "olive",
        "Beta",
        None,
        ("SMACK",),
        "drafting",
        drafter="dana",
    ),
    Spec(
        "G",
        D(2026, 4, 15),
        "ministerial",
        "mp2",
        "Alpha",
        "sos",
        ("SCR",),
        "triaged",
        drafter="eve",
    ),
    Spec("H", D(2026, 1, 12), "no_reply", "ned", None, None, (), "no_reply"),
    Spec("I", D(2026, 1, 13), "ministerial", "mp2", None, None, (), "transferred"),
    Spec(
        "J",
        D(2026, 2, 2),
        "acknowledgement",
        "pub",
        "Alpha",
        None,
        ("BABYP",),
        "dispatched",
        D(2026, 2, 9),
        campaign=True,
    ),
    Spec(
        "K",
        D(2026, 2, 3),
        "acknowledgement",
        "ned",
        "Alpha",
        None,
        ("BABYP",),
        "dispatched",
        D(2026, 2, 10),
        campaign=True,
    ),
    Spec(
        "L",
        D(2026, 2, 4),
        "acknowledgement",
        "pub",
        "Alpha",
        None,
        ("BABYP",),
        "logged",
        campaign=True,
    ),
    Spec(
        "M",
        D(2025, 10, 15),
        "ministerial",
        "mp2",
        "Beta",
        None,
        ("SCR",),
        "drafting",
        drafter="dana",
    ),
)


def build_cases(session: Session) -> dict[str, int]:
    """The letters of the module docstring; returns key → case id."""
    teams = {n: Team(code=n.upper(), name=f"{n} Team") for n in ("Alpha", "Beta")}
    users = {
        "dana": User(username="dana.d", display_name="Dana Drafter"),
        "eve": User(username="eve.e", display_name="Eve Evans"),
    }
    sigs = {
        "sos": Signatory(
            key="t-sos",
            name="Ed Balls MP",
            title="Secretary of State",
            department="DCSF",
            address="Sanctuary Buildings",
            office_code="POSoS",
        ),
        "mos": Signatory(
            key="t-mos",
            name="Beverley Hughes MP",
            title="Minister of State",
            department="DCSF",
            address="Sanctuary Buildings",
            office_code="POSoS",
        ),
    }
    writers = {
        k: Correspondent(
            kind=kind,
            title=t,
            first_name=f,
            last_name=last,
            display_name=name,
            address="1 Invented Road\nTownley",
            postcode="TN1 1AA",
            email=f"{k}@example.org",
        )
        for k, (kind, t, f, last, name) in WRITERS.items()
    }
    campaign = Campaign(name="NSPCC Baby P", organisation="NSPCC", status="confirmed")
    session.add_all([*teams.values(), *users.values(), *sigs.values(), *writers.values(), campaign])
    session.flush()
    themes = {t.code: t for t in session.scalars(select(Theme))}
    ids = {}
    for n, s in enumerate(SPECS, start=1):
        case = Case(
            reference=f"{s.received.year}/{9000 + n:07d}POSoS",
            ref_year=s.received.year,
            ref_sequence=9000 + n,
            office_code="POSoS",
            received_on=s.received,
            due_on=s.due
            or (
                due_date(s.received, TARGETS[s.reply_type]) if s.reply_type != "no_reply" else None
            ),
            status=s.status,
            reply_type_code=s.reply_type,
            correspondent=writers[s.writer],
            team=teams[s.team] if s.team else None,
            signatory_id=sigs[s.signatory].id if s.signatory else None,
            drafter_id=users[s.drafter].id if s.drafter else None,
            campaign_id=campaign.id if s.campaign else None,
            dispatched_on=s.dispatched,
            themes=[themes[c] for c in s.themes],
            summary=f"Letter {s.key} from {WRITERS[s.writer][4]}",
            letter_text=f"Dear Minister, I am {WRITERS[s.writer][4]}; this is letter {s.key}.",
        )
        session.add(case)
        session.flush()
        ids[s.key] = case.id
    # Personal data to be found (subject access) and removed (retention) later.
    a = session.get(Case, ids["A"])
    a.constituents.append(
        Constituent(
            title="Mr",
            first_name="Piers",
            last_name="Umbridge",
            address="4 Mill Lane",
            postcode="TN2 2BB",
            email="piers@example.org",
        )
    )
    session.add(
        Document(
            case=a,
            filename="Lowdon letter.pdf",
            size=11,
            sha256="0" * 64,
            content=b"%PDF-letter",
            extracted_text="From Harriet Lowdon MP",
        )
    )
    session.flush()
    return ids
