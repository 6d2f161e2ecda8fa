"""Reference data every database starts with: themes, reply types, the office code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Office, ReplyType, Setting, Theme


@dataclass(frozen=True)
class ThemeSeed:
    code: str
    name: str
    description: str
    keywords: str


# The default taxonomy of PRODUCT.md; keywords give theme suggestions a cold start.
THEMES: tuple[ThemeSeed, ...] = (
    ThemeSeed(
        "SCR",
        "Serious Case Reviews",
        "Reviews an LSCB commissions when abuse or neglect is a factor in a child's "
        "death or serious injury; their quality, independence and publication.",
        "serious case review, scr, review panel, independent chair, lessons learned",
    ),
    ThemeSeed(
        "SWTF",
        "Social Work Task Force and social work reform",
        "Recruitment, retention, training and caseloads of social workers; the Social "
        "Work Task Force and the reform programme.",
        "social worker, social work, task force, taskforce, caseload, recruitment, "
        "retention, training, supervision, workforce",
    ),
    ThemeSeed(
        "SMACK",
        "Smacking and the reasonable punishment defence",
        "Physical punishment of children, the reasonable punishment defence and calls for a ban.",
        "smacking, smack, reasonable punishment, physical punishment, ban, parents",
    ),
    ThemeSeed(
        "LAMING",
        "Lord Laming's progress report and its 58 recommendations",
        "The Protection of Children in England: A Progress Report and the Government's "
        "response and action plan.",
        "lord laming, laming, progress report, recommendations, victoria climbie",
    ),
    ThemeSeed(
        "LSCB",
        "Local Safeguarding Children Boards and Children's Trusts",
        "Governance, independence and membership of LSCBs and Children's Trust Boards.",
        "local safeguarding children board, lscb, children's trust, independent chair, lay members",
    ),
    ThemeSeed(
        "CDR",
        "Child death reviews",
        "Statutory child death review processes and Child Death Overview Panels.",
        "child death, death review, overview panel, cdop",
    ),
    ThemeSeed(
        "CARE",
        "Care proceedings, Cafcass, court fees, taking children into care",
        "Decisions to take children into care, care proceedings, Cafcass and court fees.",
        "care proceedings, cafcass, court fees, taken into care, removal, family court",
    ),
    ThemeSeed(
        "WT",
        "Working Together to Safeguard Children (statutory guidance)",
        "The statutory guidance on inter-agency working to safeguard children.",
        "working together, statutory guidance, inter-agency, guidance",
    ),
    ThemeSeed(
        "NSDU",
        "National Safeguarding Delivery Unit and the Chief Adviser",
        "The National Safeguarding Delivery Unit and the Chief Adviser on the Safety of Children.",
        "national safeguarding delivery unit, nsdu, chief adviser, roger singleton",
    ),
    ThemeSeed(
        "HEALTH",
        "NHS safeguarding and health visitors",
        "Safeguarding in the NHS, health visitors, GPs and hospital staff.",
        "nhs, health visitor, health visitors, gp, hospital, nurse, paediatrician",
    ),
    ThemeSeed(
        "INSPECT",
        "Ofsted and other inspection of children's services",
        "Inspection of children's services by Ofsted and the other inspectorates.",
        "ofsted, inspection, inspectorate, joint area review, rating",
    ),
    ThemeSeed(
        "FUND",
        "Funding of children's services",
        "Funding of children's services and social care, grants and budgets.",
        "funding, money, budget, grant, investment, resources, million",
    ),
    ThemeSeed(
        "ICT",
        "Children's social care IT",
        "The Integrated Children's System, ContactPoint and IT in children's services.",
        "integrated children's system, ics, contactpoint, it system, database, computer",
    ),
    ThemeSeed(
        "VBS",
        "Vetting and Barring Scheme",
        "The Vetting and Barring Scheme, the Independent Safeguarding Authority and "
        "criminal records checks.",
        "vetting, barring, independent safeguarding authority, isa, crb, criminal records",
    ),
    ThemeSeed(
        "POLICE",
        "Police child abuse investigation and online child protection",
        "Police child abuse investigation teams and online child protection (CEOP).",
        "police, ceop, online, internet, investigation, child abuse investigation",
    ),
    ThemeSeed(
        "BABYP",
        "The death of Baby Peter and the Haringey case",
        "The death of Baby Peter Connelly in Haringey and its consequences.",
        "baby p, baby peter, haringey, sharon shoesmith, connelly",
    ),
)

REPLY_TYPES = (
    # code, name, target working days, needs a reply
    ("ministerial", "Ministerial reply", 20, True),
    ("official", "Official reply", 20, True),
    ("acknowledgement", "Official acknowledgement", 5, True),
    ("no_reply", "No reply", 20, False),
    ("transfer", "Transfer", 5, False),
)

OFFICES = (
    ("POSoS", "Private Office of the Secretary of State", True),
    ("POMoS", "Private Office of the Minister of State for Children", False),
    ("DCSF", "Ministerial and Public Communications Division", False),
)

SETTINGS = {"retention_years": "2"}


def ensure_defaults(session: Session) -> None:
    """Insert missing reference data; never overwrites what an admin has edited."""
    have = set(session.scalars(select(Theme.code)))
    for t in THEMES:
        if t.code not in have:
            session.add(
                Theme(code=t.code, name=t.name, description=t.description, keywords=t.keywords)
            )
    have = set(session.scalars(select(ReplyType.code)))
    for code, name, days, needs in REPLY_TYPES:
        if code not in have:
            session.add(ReplyType(code=code, name=name, target_days=days, needs_reply=needs))
    have = set(session.scalars(select(Office.code)))
    for code, name, default in OFFICES:
        if code not in have:
            session.add(Office(code=code, name=name, is_default=default))
    for key, value in SETTINGS.items():
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
    session.flush()
