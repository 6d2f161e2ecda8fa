"""Use cases on a single case: log it, read it, move it through its life."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnDefault, false, func, insert, inspect, null, select, true, update
from sqlalchemy.orm import Session, aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Case,
    Constituent,
    Correspondent,
    Document,
    Draft,
    Office,
    ReferenceCounter,
    ReplyType,
    Signatory,
    Theme,
    User,
    case_themes,
)
from correspondence.domain.references import DEFAULT_OFFICE, Reference
from correspondence.domain.salutations import CorrespondentKind, Person, display_name
from correspondence.domain.states import (
    OPEN_STATUSES,
    CaseStatus,
    allowed_next,
    check_transition,
    needs_reason,
)
from correspondence.domain.workdays import due_date, working_days_between
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import references
from correspondence.services.cases.history import TimelineEntry, timeline_from, timeline_statement
from correspondence.services.errors import ConflictError, NotFound, ValidationError

DEFAULT_REPLY_TYPE = "ministerial"


# --- plain results ----------------------------------------------------------


@dataclass(frozen=True)
class PartyView:
    kind: str
    name: str
    constituency: str = ""
    party: str = ""
    address: str = ""
    email: str = ""
    on_stop_list: bool = False


@dataclass(frozen=True)
class DocumentView:
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    role: str
    needs_text: bool
    ocr_read: bool = False  # the text was read from a scan by OCR
    ocr_confidence: float | None = None  # mean word confidence, 0-100
    ocr_check_pages: str = ""  # pages to check against the scan, e.g. "2,3"

    @property
    def text_note(self) -> str:
        """ "read by OCR (93%) — check the text of page 2", or "" for text that was typed."""
        if not self.ocr_read:
            return ""
        note = f"read by OCR ({self.ocr_confidence or 0:.0f}%)"
        if self.ocr_check_pages:
            note += f" — check the text of page {self.ocr_check_pages.replace(',', ', ')}"
        return note


@dataclass(frozen=True)
class CaseDetail:
    id: int
    version: int
    reference: str
    direction: str
    channel: str
    status: CaseStatus
    received_on: dt.date
    due_on: dt.date | None
    days_left: int | None
    reply_type: str
    priority: str
    summary: str
    letter_text: str
    correspondent: PartyView | None
    constituents: tuple[str, ...]
    addressed_to: str
    signatory: str
    team: str
    drafter: str
    campaign: str
    themes: tuple[tuple[str, str], ...]  # (code, name)
    documents: tuple[DocumentView, ...]
    history: tuple[TimelineEntry, ...]  # oldest first, each with a readable sentence
    draft_count: int
    allowed_next: tuple[CaseStatus, ...]
    transfer_to: str = ""
    transfer_reason: str = ""
    dispatched_on: dt.date | None = None
    reply_channel: str = "letter"  # letter|email
    reply_email: str = ""


# --- inputs ------------------------------------------------------------------


@dataclass
class NewCorrespondent:
    kind: CorrespondentKind
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    honorific: str = ""
    peerage: str = ""
    peerage_full: str = ""
    post_nominals: str = ""
    organisation: str = ""
    job_title: str = ""
    constituency: str = ""
    party: str = ""
    address: str = ""
    postcode: str = ""
    email: str = ""

    def person(self) -> Person:
        return Person(
            kind=self.kind,
            title=self.title,
            first_name=self.first_name,
            last_name=self.last_name,
            honorific=self.honorific,
            peerage=self.peerage,
            peerage_full=self.peerage_full,
            post_nominals=self.post_nominals,
            organisation=self.organisation,
            job_title=self.job_title,
            address_lines=tuple(x for x in self.address.splitlines() if x.strip()),
            postcode=self.postcode,
        )


@dataclass
class NewConstituent:
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    address: str = ""
    postcode: str = ""
    email: str = ""


@dataclass
class NewCase:
    received_on: dt.date
    correspondent_id: int | None = None
    new_correspondent: NewCorrespondent | None = None
    constituents: list[NewConstituent] = field(default_factory=list)
    channel: str = "post"
    direction: str = "incoming"
    summary: str = ""
    letter_text: str = ""
    reply_type: str = DEFAULT_REPLY_TYPE
    priority: str = "normal"
    addressed_to_id: int | None = None
    signatory_id: int | None = None
    theme_codes: list[str] = field(default_factory=list)
    office: str | None = None
    reference: str | None = None  # only for records that already carry one (seeds, imports)
    logged_at: dt.datetime | None = None  # only when loading records logged in the past


# --- services ----------------------------------------------------------------


def add_correspondent(session: Session, data: NewCorrespondent) -> Correspondent:
    row = Correspondent(**_correspondent_values(data))
    session.add(row)
    session.flush()
    return row


def _correspondent_values(data: NewCorrespondent) -> dict[str, object]:
    name = display_name(data.person()).strip()
    if not name:
        raise ValidationError("Correspondent", "give at least a name or an organisation")
    return {
        "kind": data.kind.value,
        "title": data.title,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "honorific": data.honorific,
        "peerage": data.peerage,
        "peerage_full": data.peerage_full,
        "post_nominals": data.post_nominals,
        "organisation": data.organisation,
        "job_title": data.job_title,
        "constituency": data.constituency,
        "party": data.party,
        "address": data.address,
        "postcode": data.postcode.upper().strip(),
        "email": data.email.strip().lower(),
        "display_name": name,
    }


def _writer_and_number(data: NewCorrespondent, year: int) -> tuple[Any, Any]:
    """PostgreSQL: the new writer's INSERT and the year's next reference number, as
    data-modifying WITHs for the statement that reads the reference data: one round trip
    instead of three. The counter row is then locked to the commit, as `references.allocate`
    leaves it; the number is NULL when the year has no counter yet (`allocate` makes it)."""
    taken = (
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_sequence=ReferenceCounter.last_sequence + 1)
        .returning(ReferenceCounter.last_sequence)
        .cte("taken")
    )
    table = Correspondent.__table__
    values = _row_values(table, _correspondent_values(data))
    writer = insert(table).values(**values).returning(*table.columns).cte("writer")
    return aliased(Correspondent, writer), select(taken.c.last_sequence).scalar_subquery()


def _row_values(table: Any, given: dict[str, Any]) -> dict[str, Any]:
    """`given` and the table's client-side defaults for the rest, as a flush would give them
    (a Core INSERT written into a message's text does not fill them in)."""
    values = dict(given)
    for column in table.columns:
        default = column.default
        if column.key not in values and isinstance(default, ColumnDefault):
            values[column.key] = default.arg(None) if default.is_callable else default.arg
    return values


def _insert_with_commit(session: Session, case: Case) -> None:
    """`case`, its id given, is INSERTed with the COMMIT (`events.at_commit(first=True)`)
    and is in the session from now on as the row it will be: what the server fills in
    (the sort keys) is read from the row when someone asks, which writes it first."""
    mapper = inspect(Case)
    given = {
        attr.columns[0].key: case.__dict__[attr.key]
        for attr in mapper.column_attrs
        if attr.key in case.__dict__
    }
    values = _row_values(Case.__table__, given)
    for attr in mapper.column_attrs:
        if attr.columns[0].key in values and attr.key not in case.__dict__:
            set_committed_value(case, attr.key, values[attr.columns[0].key])
    events.at_commit(session, insert(Case.__table__).values(values), first=True)
    make_transient_to_detached(case)
    session.add(case)


def log_case(session: Session, actor: Actor, data: NewCase, today: dt.date | None = None) -> Case:
    """Create a case with a fresh reference and its due date; records a 'logged' event."""
    actor.require("log correspondence", Role.OFFICER)
    today = today or dt.date.today()
    if data.received_on > today:
        raise ValidationError("Received date", f"{data.received_on:%d %B %Y} is in the future")
    if data.direction not in ("incoming", "outgoing"):
        raise ValidationError("Direction", f"unknown direction {data.direction!r}")
    # The reply type, the themes named and the default office, in one statement (over a
    # distant link each is a round trip); checked below in the order a person reads the form.
    # On PostgreSQL a new writer is added, and the year's number taken, by that statement too.
    fold = (
        session.get_bind().dialect.name == "postgresql"
        and data.correspondent_id is None
        and data.new_correspondent is not None
        and not data.reference
        and bool(display_name(data.new_correspondent.person()).strip())
    )
    reply_type, found, default_office, writer, taken, new_id = _reference_data(session, data, fold)
    if reply_type is None:
        raise ValidationError("Reply type", f"unknown reply type {data.reply_type!r}")
    if data.correspondent_id is not None:
        correspondent = session.get(Correspondent, data.correspondent_id)
        if correspondent is None:
            raise ValidationError("Correspondent", f"no correspondent #{data.correspondent_id}")
    elif writer is not None:
        correspondent = writer
    elif data.new_correspondent is not None:
        correspondent = add_correspondent(session, data.new_correspondent)
    else:
        raise ValidationError("Correspondent", "choose who wrote, or add them")

    # Before the reference: the year's counter row stays locked from there to the commit,
    # and every other officer logging a letter waits for it.
    themes = _themes_found(found, data.theme_codes)
    if data.reference:
        from correspondence.domain.references import parse_reference

        ref = parse_reference(data.reference)
        references.reserve(session, ref)
    elif taken is not None:
        ref = Reference(data.received_on.year, taken, data.office or default_office)
    else:
        ref = references.allocate(session, data.received_on.year, data.office or default_office)
    case = Case(
        reference=str(ref),
        ref_year=ref.year,
        ref_sequence=ref.sequence,
        office_code=ref.office,
        direction=data.direction,
        channel=data.channel,
        received_on=data.received_on,
        due_on=due_date(data.received_on, reply_type.target_days)
        if reply_type.needs_reply and data.direction == "incoming"
        else None,
        status=CaseStatus.LOGGED.value,
        reply_type_code=reply_type.code,
        priority=data.priority,
        summary=data.summary.strip(),
        letter_text=data.letter_text,
        correspondent=correspondent,
        addressed_to_id=data.addressed_to_id,
        signatory_id=data.signatory_id,
        logged_by_id=actor.user_id,
    )
    # An email is answered by email, to its sender, unless someone decides otherwise.
    if data.channel == "email":
        case.reply_channel, case.reply_email = "email", correspondent.email
    if data.logged_at is not None:
        case.logged_at = data.logged_at
    constituents = [
        {
            "title": c.title,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "address": c.address,
            "postcode": c.postcode,
            "email": c.email,
        }
        for c in data.constituents
    ]
    if new_id is not None:
        # PostgreSQL, its id taken already: the case and its constituents are written with
        # the COMMIT, the case before the event that names it (no round trip of their own).
        case.id, case.correspondent_id = new_id, correspondent.id
        _insert_with_commit(session, case)
        if constituents:
            events.at_commit(
                session,
                insert(Constituent.__table__).values(
                    [
                        _row_values(Constituent.__table__, {**c, "case_id": new_id})
                        for c in constituents
                    ]
                ),
            )
    else:
        case.constituents.extend(Constituent(**c) for c in constituents)
        session.add(case)
        session.flush()
    # Its themes: nothing reads them back in this click, so they go with the COMMIT
    # (events.at_commit); the case shows them as written.
    set_committed_value(case, "themes", themes)
    if themes:
        events.at_commit(
            session,
            insert(case_themes).values(
                [{"case_id": case.id, "theme_id": t.id, "source": "officer"} for t in themes]
            ),
        )
    events.record(
        session,
        actor,
        "case",
        case.id,
        "logged",
        case_id=case.id,
        new=case.reference,
        at=data.logged_at,
    )
    return case


def _reference_data(
    session: Session, data: NewCase, with_writer: bool = False
) -> tuple[ReplyType | None, dict[str, Theme], str, Correspondent | None, int | None, int | None]:
    """The reply type named, the themes named that exist, the default office (when the
    reference will be allocated here) and, `with_writer`, the new writer added, the
    year's number taken (`_writer_and_number`) and the new case's id: one statement."""
    codes = list(dict.fromkeys(data.theme_codes))
    office = (
        select(Office.code).where(Office.is_default.is_(True)).limit(1).scalar_subquery()
        if not (data.office or data.reference)
        else null()
    )
    query = select(ReplyType, Theme, office)
    if with_writer:
        assert data.new_correspondent is not None
        writer, number = _writer_and_number(data.new_correspondent, data.received_on.year)
        next_id = select(func.nextval(func.pg_get_serial_sequence("cases", "id")))
        query = query.add_columns(writer, number, next_id.scalar_subquery())
    query = (
        query.select_from(ReplyType)
        .outerjoin(Theme, Theme.code.in_(codes) if codes else false())
        .where(ReplyType.code == data.reply_type)
    )
    if with_writer:
        query = query.join(writer, true())
    rows = session.execute(query).all()
    if not rows:
        return None, {}, DEFAULT_OFFICE, None, None, None
    found = {row[1].code: row[1] for row in rows if row[1] is not None}
    first = rows[0]
    added, taken, new_id = (first[3], first[4], first[5]) if with_writer else (None,) * 3
    return first[0], found, first[2] or DEFAULT_OFFICE, added, taken, new_id


def _themes_found(found: dict[str, Theme], codes: list[str]) -> list[Theme]:
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError("Themes", f"unknown theme code(s): {', '.join(missing)}")
    return [found[c] for c in dict.fromkeys(codes)]


def add_document(
    session: Session,
    actor: Actor | None,
    case: Case,
    filename: str,
    content: bytes,
    *,
    media_type: str = "application/octet-stream",
    extracted_text: str = "",
    role: str = "original",
    message_id: str | None = None,
    needs_text: bool = False,
) -> Document:
    doc = Document(
        case=case,
        role=role,
        filename=filename,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        extracted_text=extracted_text,
        message_id=message_id,
        needs_text=needs_text,
        added_by_id=actor.user_id if actor else None,
    )
    session.add(doc)
    session.flush()
    events.record(session, actor, "case", case.id, "document added", case_id=case.id, new=filename)
    return doc


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}")
    return case


def case_by_reference(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference.strip()))
    if case is None:
        raise NotFound(f"No case with reference {reference.strip()!r}")
    return case


def move(
    session: Session,
    actor: Actor,
    case_id: int,
    target: CaseStatus,
    *,
    reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Move a case to `target`, refusing illegal moves and recording why (`at`: the event's
    time, when the caller shows the event before it is written: case_move.py)."""
    case = get_case(session, case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            f"Case {case.reference} was changed by someone else since you opened it; "
            "reload it to see their changes."
        )
    current = case.status
    check_transition(current, target)
    if needs_reason(current, target) and not reason.strip():
        raise ValidationError("Reason", f"say why the case is moving to {target.label}")
    if target is CaseStatus.TRANSFERRED and not case.transfer_to:
        case.transfer_reason = reason
    if target is CaseStatus.NO_REPLY:
        case.no_reply_reason = reason
    if target is CaseStatus.DISPATCHED:
        case.dispatched_on = today or dt.date.today()
    case.status = target
    session.flush()
    events.record(
        session,
        actor,
        "case",
        case.id,
        "status",
        case_id=case.id,
        field="status",
        old=current.value,
        new=target.value,
        reason=reason,
        at=at,
    )
    return case


def case_for_detail(session: Session, case_id: int) -> Case:
    """The case with everything its detail pane shows. A caller that goes on to ask more of
    the same case in this session keeps the object: the session holds rows only weakly."""
    case = (
        session.execute(
            select(Case)
            .where(Case.id == case_id)
            .options(
                # A case's few themes and constituents come in its own query too; its
                # documents, history and drafts come with the click's other reads
                # (detail_reads), in one more round trip.
                joinedload(Case.themes),
                joinedload(Case.constituents),
                # One row each, in the case's own query: each was a round trip of its own,
                # which a remote server makes the most of opening a case.
                joinedload(Case.correspondent),
                joinedload(Case.team),
                joinedload(Case.campaign),
                joinedload(Case.drafter),
                joinedload(Case.signatory),
                joinedload(Case.addressed_to),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if case is None:
        raise NotFound(f"No case #{case_id}")
    return case


def detail_reads(case: Case) -> list[Read]:
    """What the detail pane asks besides the case itself: its documents, its history and
    how many drafts it has. Independent reads: db/batch_reads.py asks them together."""
    return [
        select(
            Document.id,
            Document.filename,
            Document.media_type,
            Document.size,
            Document.sha256,
            Document.role,
            Document.needs_text,
            Document.ocr_read,
            Document.ocr_confidence,
            Document.ocr_check_pages,
        )
        .where(Document.case_id == case.id)
        .order_by(Document.id),
        timeline_statement(case.id, case.campaign_id),
        select(func.count(Draft.id)).where(Draft.case_id == case.id),
    ]


def detail(
    session: Session, case_id: int, today: dt.date | None = None, *, loaded: Case | None = None
) -> CaseDetail:
    """Everything the detail pane shows, as plain values (`loaded`: from case_for_detail)."""
    case = loaded if loaded is not None else case_for_detail(session, case_id)
    return detail_from(session, case, read_together(session, detail_reads(case)), today)


def detail_from(
    session: Session, case: Case, rows: Sequence[Rows], today: dt.date | None = None
) -> CaseDetail:
    """The detail pane from the case (case_for_detail) and the rows of `detail_reads`; the
    names it shows come with the case, so nothing more is asked."""
    today = today or dt.date.today()
    documents, history_rows, drafts = rows
    status = case.status
    corr = case.correspondent
    party = (
        PartyView(
            kind=corr.kind,
            name=corr.display_name,
            constituency=corr.constituency,
            party=corr.party,
            address="\n".join(x for x in (corr.address, corr.postcode) if x),
            email=corr.email,
            on_stop_list=corr.on_stop_list,
        )
        if corr
        else None
    )
    history = tuple(timeline_from(history_rows))
    return CaseDetail(
        id=case.id,
        version=case.version,
        reference=case.reference,
        direction=case.direction,
        channel=case.channel,
        status=status,
        received_on=case.received_on,
        due_on=case.due_on,
        days_left=working_days_between(today, case.due_on)
        if case.due_on and status in OPEN_STATUSES
        else None,
        reply_type=case.reply_type_code or "",
        priority=case.priority,
        summary=case.summary,
        letter_text=case.letter_text,
        correspondent=party,
        constituents=tuple(
            " ".join(p for p in (c.title, c.first_name, c.last_name) if p)
            for c in case.constituents
        ),
        addressed_to=_signatory_name(session, case.addressed_to_id),
        signatory=_signatory_name(session, case.signatory_id),
        team=case.team.name if case.team else "",
        drafter=_user_name(session, case.drafter_id),
        campaign=case.campaign.name if case.campaign else "",
        themes=tuple((t.code, t.name) for t in case.themes),
        documents=tuple(DocumentView(*d) for d in documents),
        history=history,
        draft_count=drafts[0][0],
        allowed_next=tuple(allowed_next(status)),
        transfer_to=case.transfer_to,
        transfer_reason=case.transfer_reason,
        dispatched_on=case.dispatched_on,
        reply_channel=case.reply_channel,
        reply_email=case.reply_email,
    )


def _signatory_name(session: Session, sid: int | None) -> str:
    if sid is None:
        return ""
    s = session.get(Signatory, sid)
    return f"{s.name}, {s.title}" if s else ""


def _user_name(session: Session, uid: int | None) -> str:
    if uid is None:
        return ""
    u = session.get(User, uid)
    return u.display_name if u else ""
