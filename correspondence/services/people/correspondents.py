"""Finding correspondents: the pick list of the log-letter form, and matching imports.

Matching uses indexed columns only (email, postcode), one query per letter, so
an import of thousands of files never scans the table per file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, insert, or_, select
from sqlalchemy.orm import Session

from correspondence.db.models import Correspondent
from correspondence.documents.letter_clues import normalise_postcode
from correspondence.domain.salutations import CorrespondentKind, display_name
from correspondence.services.cases.cases import NewCorrespondent
from correspondence.services.errors import NotFound

UNKNOWN_NAME = "Unknown correspondent"

KIND_LABELS = {
    CorrespondentKind.MP.value: "MP",
    CorrespondentKind.PEER.value: "Peer",
    CorrespondentKind.ORGANISATION.value: "Organisation",
    CorrespondentKind.PUBLIC.value: "Member of the public",
    CorrespondentKind.OFFICIAL.value: "Official",
}


@dataclass(frozen=True)
class CorrespondentChoice:
    id: int
    kind: str
    name: str
    constituency: str = ""
    party: str = ""
    organisation: str = ""
    email: str = ""
    postcode: str = ""
    on_stop_list: bool = False
    stop_list_reason: str = ""

    @property
    def label(self) -> str:
        """One pick-list line: "Rt Hon Tessa Jowell MP — MP, Dulwich and West Norwood (Labour)"."""
        kind = KIND_LABELS.get(self.kind, self.kind)
        extra = ", ".join(x for x in (self.constituency, self.organisation, self.postcode) if x)
        party = f" ({self.party})" if self.party else ""
        stop = "  ⚠ stop list" if self.on_stop_list else ""
        return f"{self.name} — {kind}{', ' + extra if extra else ''}{party}{stop}"


def _choice(c: Correspondent) -> CorrespondentChoice:
    return CorrespondentChoice(
        id=c.id,
        kind=c.kind,
        name=c.display_name,
        constituency=c.constituency,
        party=c.party,
        organisation=c.organisation if c.organisation != c.display_name else "",
        email=c.email,
        postcode=c.postcode,
        on_stop_list=c.on_stop_list,
        stop_list_reason=c.stop_list_reason,
    )


def get(session: Session, correspondent_id: int) -> CorrespondentChoice:
    row = session.get(Correspondent, correspondent_id)
    if row is None:
        raise NotFound(f"No correspondent #{correspondent_id}")
    return _choice(row)


def search(session: Session, text: str, limit: int = 20) -> list[CorrespondentChoice]:
    """Correspondents whose name, organisation, constituency, email or postcode contain `text`.

    Names that start with the text come first, then parliamentarians, then the rest.
    """
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    if not words:
        return []
    query = select(Correspondent).where(Correspondent.anonymised_at.is_(None))
    for word in words[:5]:
        like = f"%{_escape(word)}%"
        query = query.where(
            or_(
                Correspondent.display_name.ilike(like, escape="\\"),
                Correspondent.organisation.ilike(like, escape="\\"),
                Correspondent.constituency.ilike(like, escape="\\"),
                Correspondent.email.ilike(like, escape="\\"),
                Correspondent.postcode.ilike(like, escape="\\"),
            )
        )
    starts = Correspondent.display_name.ilike(f"{_escape(words[0])}%", escape="\\")
    kind_rank = case(
        (Correspondent.kind == CorrespondentKind.MP.value, 0),
        (Correspondent.kind == CorrespondentKind.PEER.value, 1),
        (Correspondent.kind == CorrespondentKind.ORGANISATION.value, 2),
        else_=3,
    )
    query = query.order_by(
        case((starts, 0), else_=1), kind_rank, func.lower(Correspondent.display_name)
    ).limit(limit)
    return [_choice(c) for c in session.scalars(query)]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- matching imports -------------------------------------------------------------

_TITLES = {
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "dr": "Dr",
    "prof": "Prof",
    "professor": "Professor",
    "rev": "Rev",
    "revd": "Revd",
    "sir": "Sir",
    "dame": "Dame",
    "lord": "Lord",
    "lady": "Lady",
    "baroness": "Baroness",
    "cllr": "Cllr",
}


@dataclass(frozen=True)
class Proposal:
    """Who an imported letter seems to be from."""

    name: str = ""
    email: str = ""
    postcode: str = ""
    address_lines: tuple[str, ...] = ()


def parse_name(name: str) -> NewCorrespondent:
    """A free-text name to a new correspondent: MPs by "MP", peers by Lord/Baroness."""
    words = [w.strip(",") for w in name.split() if w.strip(",")]
    honorific = ""
    if len(words) >= 2 and words[0].lower() in ("rt", "rt.") and words[1].lower() == "hon":
        honorific, words = "Rt Hon", words[2:]
    kind = CorrespondentKind.PUBLIC
    if words and words[-1] == "MP":
        kind, words = CorrespondentKind.MP, words[:-1]
    title = ""
    if words and words[0].lower().rstrip(".") in _TITLES:
        title, words = _TITLES[words[0].lower().rstrip(".")], words[1:]
    if title in ("Lord", "Baroness") and kind is not CorrespondentKind.MP:
        peerage = " ".join([title, *words])
        return NewCorrespondent(
            kind=CorrespondentKind.PEER,
            title=title,
            last_name=words[-1] if words else "",
            honorific=honorific,
            peerage=peerage.split(" of ")[0],
            peerage_full=peerage,
        )
    first = " ".join(words[:-1]) if len(words) > 1 else ""
    last = words[-1] if words else ""
    return NewCorrespondent(
        kind=kind,
        title=title,
        first_name=first,
        last_name=last,
        honorific=honorific,
        post_nominals="MP" if kind is CorrespondentKind.MP else "",
    )


def match(session: Session, proposal: Proposal) -> int | None:
    """An existing correspondent for this proposal: by email, then by name and postcode."""
    return _Matcher(session, [proposal]).existing(proposal)


def find_or_add(session: Session, proposal: Proposal) -> tuple[int, bool]:
    """The matching correspondent's id, or a new member of the public; (id, created)."""
    found = match(session, proposal)
    if found is not None:
        return found, False
    return resolve_many(session, [proposal])[0], True


def resolve_many(session: Session, proposals: Sequence[Proposal]) -> list[int]:
    """A correspondent id per proposal, adding new ones; two queries and one insert in all.

    Within the batch the same new writer (same email, or same name and postcode)
    becomes one correspondent, as it would when the letters are logged one by one.
    """
    matcher = _Matcher(session, proposals)
    ids: list[int | None] = []
    new_rows: list[dict[str, object]] = []
    new_index: dict[object, int] = {}  # dedupe key → position in new_rows
    pending: list[tuple[int, int]] = []  # (position in ids, position in new_rows)
    for i, proposal in enumerate(proposals):
        found = matcher.existing(proposal)
        if found is not None:
            ids.append(found)
            continue
        key = _dedupe_key(proposal) or ("row", i)
        if key not in new_index:
            new_index[key] = len(new_rows)
            new_rows.append(_new_row(proposal))
        ids.append(None)
        pending.append((i, new_index[key]))
    if new_rows:
        created = _insert_new(session, new_rows)
        for i, row in pending:
            ids[i] = created[row]
    return [int(x) for x in ids if x is not None]


def _insert_new(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert new correspondents in order; their ids, in the same order."""
    table = Correspondent.__table__
    if session.get_bind().dialect.name != "sqlite":
        return list(
            session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
    # SQLite would send an ordered INSERT … RETURNING as one statement a row. The first
    # row's insert holds the write lock (taken now if not already) until commit, and
    # SQLite gives each later row one past the largest id (the table has no
    # AUTOINCREMENT): the ids it would give, so the rest go in one executemany with them.
    first = int(session.execute(insert(table).returning(table.c.id), rows[0]).scalar_one())
    rest = [{**row, "id": first + k} for k, row in enumerate(rows[1:], start=1)]
    if rest:
        session.execute(insert(table), rest)
    return [first + k for k in range(len(rows))]


def _dedupe_key(p: Proposal) -> object:
    if p.email:
        return ("email", p.email.lower())
    postcode = normalise_postcode(p.postcode)
    if p.name and postcode:
        return ("name", p.name.lower(), postcode)
    return None


class _Matcher:
    """Existing correspondents for a batch of proposals, looked up with two IN queries."""

    def __init__(self, session: Session, proposals: Sequence[Proposal]) -> None:
        emails = sorted({p.email.lower() for p in proposals if p.email})
        postcodes = sorted(
            {pc for p in proposals if p.name and (pc := normalise_postcode(p.postcode))}
        )
        self.by_email: dict[str, int] = {}
        for chunk in _chunks(emails):
            for email, cid in session.execute(
                select(Correspondent.email, Correspondent.id)
                .where(Correspondent.email.in_(chunk))
                .order_by(Correspondent.id)
            ):
                self.by_email.setdefault(email, cid)
        self.by_postcode: dict[str, list[tuple[int, str, str]]] = {}
        for chunk in _chunks(postcodes):
            for cid, first, last, pc in session.execute(
                select(
                    Correspondent.id,
                    Correspondent.first_name,
                    Correspondent.last_name,
                    Correspondent.postcode,
                )
                .where(Correspondent.postcode.in_(chunk))
                .order_by(Correspondent.id)
            ):
                self.by_postcode.setdefault(pc, []).append((cid, first, last))

    def existing(self, p: Proposal) -> int | None:
        if p.email and p.email.lower() in self.by_email:
            return self.by_email[p.email.lower()]
        postcode = normalise_postcode(p.postcode)
        if not (postcode and p.name):
            return None
        wanted = parse_name(p.name)
        if not wanted.last_name:
            return None
        for cid, first, last in self.by_postcode.get(postcode, ()):
            if last.lower() != wanted.last_name.lower():
                continue
            if not first or not wanted.first_name or first.lower() == wanted.first_name.lower():
                return cid
        return None


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _new_row(p: Proposal) -> dict[str, object]:
    """Column values of a new correspondent, named as add_correspondent would name them."""
    data = parse_name(p.name) if p.name else NewCorrespondent(kind=CorrespondentKind.PUBLIC)
    email = p.email.strip().lower()
    name = display_name(data.person()).strip() if (data.last_name or data.peerage) else ""
    return {
        "kind": data.kind.value,
        "title": data.title,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "honorific": data.honorific,
        "peerage": data.peerage,
        "peerage_full": data.peerage_full,
        "post_nominals": data.post_nominals,
        "organisation": "",
        "job_title": "",
        "constituency": "",
        "party": "",
        "address": "\n".join(p.address_lines),
        "postcode": normalise_postcode(p.postcode),
        "email": email,
        "phone": "",
        "salutation_override": "",
        # Nobody named: the email (or a placeholder) is the name an officer will correct.
        "display_name": name or email or UNKNOWN_NAME,
        "on_stop_list": False,
        "stop_list_reason": "",
        "version": 1,
    }
