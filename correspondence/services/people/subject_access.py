"""Subject access: everything held about one person, gathered into one folder with an index.

A person is found by email (when the query holds "@") or by name, as:
- a correspondent (display name, "first last", or email),
- a constituent ("first last", "title first last", or email),
- a mention in a case's letter text or in a document's extracted text.

The folder (created fresh inside DIR):

    index.html, index.csv, index.json     what was found and why, one row per file
    <reference>/case.json                 the case, its correspondent and constituents
    <reference>/timeline.csv              the case's history
    <reference>/letter.txt                the letter text, when there is any
    <reference>/documents/<id>-<name>     each document, byte for byte as received
    <reference>/drafts/draft-<id>.docx    each reply draft as a Word letter (its text if the
                                          letter cannot be built, e.g. a draft with no lines)

Admins only; the export itself is recorded as an event holding the number of cases, not the
person's name.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Constituent, Correspondent, Document, Draft
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import history
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class IndexEntry:
    reference: str
    received_on: str
    status: str
    matched_as: str  # correspondent | constituent | letter text | document text
    item: str  # case | letter | document | draft | timeline
    path: str  # relative to the export folder
    sha256: str = ""


@dataclass(frozen=True)
class SubjectAccessResult:
    query: str
    folder: Path
    cases: int
    documents: int
    drafts: int
    entries: tuple[IndexEntry, ...]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_cases(session: Session, query: str) -> dict[int, set[str]]:
    """case id → how the person appears in it."""
    q = " ".join(query.split())
    if len(q) < 3:
        raise ValidationError("Person", "give a name or an email address of at least 3 characters")
    low = q.lower()
    found: dict[int, set[str]] = {}

    def add(rows: Iterable[Row[int]], why: str) -> None:
        for (cid,) in rows:
            found.setdefault(cid, set()).add(why)

    if "@" in q:
        corr = select(Correspondent.id).where(func.lower(Correspondent.email) == low)
        const = func.lower(Constituent.email) == low
    else:
        full = func.lower(func.trim(Correspondent.first_name + " " + Correspondent.last_name))
        corr = select(Correspondent.id).where(
            or_(func.lower(Correspondent.display_name) == low, full == low)
        )
        const = or_(
            func.lower(func.trim(Constituent.first_name + " " + Constituent.last_name)) == low,
            func.lower(
                func.trim(
                    Constituent.title + " " + Constituent.first_name + " " + Constituent.last_name
                )
            )
            == low,
        )
    add(session.execute(select(Case.id).where(Case.correspondent_id.in_(corr))), "correspondent")
    add(session.execute(select(Constituent.case_id).where(const)), "constituent")
    pattern = _like(q)
    add(
        session.execute(
            select(Case.id).where(func.lower(Case.letter_text).like(pattern, escape="\\"))
        ),
        "letter text",
    )
    add(
        session.execute(
            select(Document.case_id)
            .where(func.lower(Document.extracted_text).like(pattern, escape="\\"))
            .distinct()
        ),
        "document text",
    )
    return found


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def _safe(name: str, fallback: str) -> str:
    clean = _UNSAFE.sub("_", name).strip(" .")[:120]
    return clean or fallback


def _draft_letter(session: Session, draft: Draft, case: Case) -> tuple[bytes, str]:
    """The draft as a Word letter, else as plain text (suffix returned with it)."""
    try:
        from correspondence.documents.word import letter_bytes
        from correspondence.services.drafting.reply_letter import letter_spec_for

        final = draft.status == DraftStatus.SIGNED_OFF.value
        spec = letter_spec_for(session, draft.id, case.id, final=final)
        return letter_bytes(spec), ".docx"
    except (ServiceError, ValueError, OSError, ImportError, KeyError) as exc:
        paras = [p.text for p in draft.paragraphs]
        head = f"Draft #{draft.id} ({draft.status}) — Word letter not built: {exc}\n\n"
        body = "\n\n".join(x for x in [draft.salutation, *paras] if x)
        return (head + body + "\n").encode("utf-8"), ".txt"


def export(
    session: Session, actor: Actor, query: str, out_dir: Path, today: dt.date | None = None
) -> SubjectAccessResult:
    """Write everything held about `query` into a new folder inside out_dir. Does not commit."""
    actor.require("export a person's data (subject access)", Role.ADMIN)
    matches = find_cases(session, query)
    stamp = (today or dt.date.today()).isoformat()
    out_dir = Path(out_dir)
    folder = out_dir / f"subject-access-{_safe(query, 'person').replace(' ', '-')}-{stamp}"
    n = 2
    while folder.exists():
        folder = out_dir / f"{folder.name.rsplit('~', 1)[0]}~{n}"
        n += 1
    folder.mkdir(parents=True)
    entries: list[IndexEntry] = []
    n_docs = n_drafts = 0
    cases = (
        list(
            session.scalars(
                select(Case).where(Case.id.in_(list(matches))).order_by(Case.received_on, Case.id)
            )
        )
        if matches
        else []
    )
    for case in cases:
        why = ", ".join(sorted(matches[case.id]))
        cdir = folder / _safe(case.reference, f"case-{case.id}")
        cdir.mkdir()
        status = case.status.label

        def entry(item: str, path: Path, sha: str = "", c: Case = case, w: str = why) -> None:
            entries.append(
                IndexEntry(
                    c.reference,
                    c.received_on.isoformat(),
                    CaseStatus(c.status).label,
                    w,
                    item,
                    path.relative_to(folder).as_posix(),
                    sha,
                )
            )

        (cdir / "case.json").write_text(
            json.dumps(_case_record(case, status), indent=2, ensure_ascii=False), "utf-8"
        )
        entry("case", cdir / "case.json")
        if case.letter_text:
            (cdir / "letter.txt").write_text(case.letter_text, "utf-8")
            entry("letter", cdir / "letter.txt")
        with (cdir / "timeline.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["When", "Who", "What", "Why"])
            for t in history.timeline(session, case.id):
                w.writerow([t.at.isoformat(timespec="minutes"), t.who, t.description, t.reason])
        entry("timeline", cdir / "timeline.csv")
        docs = list(session.scalars(select(Document).where(Document.case_id == case.id)))
        if docs:
            (cdir / "documents").mkdir()
        for d in docs:
            path = cdir / "documents" / _safe(f"{d.id}-{d.filename}", f"{d.id}")
            path.write_bytes(d.content or b"")
            entry("document", path, d.sha256)
            n_docs += 1
        drafts = list(
            session.scalars(
                select(Draft)
                .where(
                    or_(
                        Draft.case_id == case.id,
                        (Draft.campaign_id == case.campaign_id) & Draft.case_id.is_(None)
                        if case.campaign_id is not None
                        else Draft.id.is_(None),
                    )
                )
                .order_by(Draft.id)
            )
        )
        if drafts:
            (cdir / "drafts").mkdir()
        for draft in drafts:
            data, suffix = _draft_letter(session, draft, case)
            path = cdir / "drafts" / f"draft-{draft.id}{suffix}"
            path.write_bytes(data)
            entry("draft", path)
            n_drafts += 1
    result = SubjectAccessResult(query, folder, len(cases), n_docs, n_drafts, tuple(entries))
    _write_index(result)
    events.record(
        session,
        actor,
        "person",
        None,
        "subject access export",
        new=f"{len(cases)} case(s), {n_docs} document(s), {n_drafts} draft(s)",
    )
    return result


def _case_record(case: Case, status: str) -> dict[str, object]:
    c = case.correspondent
    return {
        "reference": case.reference,
        "received_on": case.received_on.isoformat(),
        "status": status,
        "channel": case.channel,
        "reply_channel": case.reply_channel,
        "reply_email": case.reply_email,
        "summary": case.summary,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "dispatched_on": case.dispatched_on.isoformat() if case.dispatched_on else None,
        "themes": [t.code for t in case.themes],
        "campaign": case.campaign.name if case.campaign else None,
        "anonymised_at": case.anonymised_at.isoformat() if case.anonymised_at else None,
        "correspondent": None
        if c is None
        else {
            k: getattr(c, k)
            for k in (
                "kind",
                "display_name",
                "title",
                "first_name",
                "last_name",
                "organisation",
                "job_title",
                "constituency",
                "party",
                "address",
                "postcode",
                "email",
                "phone",
                "on_stop_list",
                "stop_list_reason",
            )
        },
        "constituents": [
            {
                k: getattr(p, k)
                for k in ("title", "first_name", "last_name", "address", "postcode", "email")
            }
            for p in case.constituents
        ],
    }


def _write_index(result: SubjectAccessResult) -> None:
    folder = result.folder
    rows = [asdict(e) for e in result.entries]
    header = list(IndexEntry.__dataclass_fields__)
    with (folder / "index.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    (folder / "index.json").write_text(
        json.dumps(
            {
                "query": result.query,
                "cases": result.cases,
                "documents": result.documents,
                "drafts": result.drafts,
                "files": rows,
            },
            indent=2,
            ensure_ascii=False,
        ),
        "utf-8",
    )
    trs = "".join(
        "<tr>"
        + "".join(
            f"<td><a href='{html.escape(e.path)}'>{html.escape(e.path)}</a></td>"
            if k == "path"
            else f"<td>{html.escape(str(getattr(e, k)))}</td>"
            for k in header
        )
        + "</tr>"
        for e in result.entries
    )
    ths = "".join(f"<th>{html.escape(h.replace('_', ' '))}</th>" for h in header)
    (folder / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'>"
        f"<title>Subject access: {html.escape(result.query)}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:3px 6px}"
        "table{border-collapse:collapse}</style>"
        f"<h1>Subject access: {html.escape(result.query)}</h1>"
        f"<p>{result.cases} case(s), {result.documents} document(s), {result.drafts} draft(s).</p>"
        f"<table><tr>{ths}</tr>{trs}</table>",
        "utf-8",
    )


class SubjectAccess:
    """Facade: one transaction per call, as Desk."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def export(self, query: str, out_dir: Path) -> SubjectAccessResult:
        with self.uow.begin() as uow:
            s = uow.session
            return export(s, uow.actor, query, out_dir, self.clock())
