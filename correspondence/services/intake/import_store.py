"""Storing an import's files as logged cases: a batch in one transaction, with a handful
of set-based statements (references, due dates, documents, suggested themes and the
'logged' and 'document added' events in the hash chain), or one file a transaction when a
batch fails, so only the file at fault is listed."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Case,
    Correspondent,
    Document,
    ReferenceCounter,
    ReplyType,
    Theme,
    case_themes,
    now_utc,
)
from correspondence.documents.ocr import OcrResult
from correspondence.domain.references import Reference
from correspondence.domain.states import CaseStatus
from correspondence.domain.workdays import due_date
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases, references, search_batch, sort_keys
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.intake import import_duplicates, import_search, intake_hooks
from correspondence.services.intake.file_reading import ParsedFile, failure_reason
from correspondence.services.intake.import_results import Duplicate, Failure, ImportedCase
from correspondence.services.intake.import_rows import insert_rows
from correspondence.services.intake.letter_sense import LetterSense, sense_for
from correspondence.services.intake.log_letter import F_REPLY_TYPE
from correspondence.services.people import correspondents
from correspondence.services.people.correspondents import Proposal
from correspondence.services.unit_of_work import UnitOfWorkFactory

if TYPE_CHECKING:
    from correspondence.services.triage.theme_model import Model


@dataclass
class Storing:
    """What stays the same for every file of one import: read once, not per file."""

    actor: Actor
    theme_ids: dict[str, int]
    office: str
    reply_type: str
    target_days: int | None  # None: the default reply type needs no reply
    sense: LetterSense  # themes and campaign fingerprints, here or in the workers
    search_by_batch: bool = False  # SQLite: index each batch in one statement (0017)
    due: dict[dt.date, dt.date | None] = field(default_factory=dict)  # received → due


def prepare(uow: UnitOfWorkFactory) -> Storing:
    """Check the officer may import, and read what every file's case needs."""
    with uow.begin() as work:
        s, actor = work.session, work.actor
        actor.require("import correspondence", Role.OFFICER)
        theme_ids = {
            code: tid
            for code, tid in s.execute(select(Theme.code, Theme.id).where(Theme.active.is_(True)))
        }
        rt = s.get(ReplyType, cases.DEFAULT_REPLY_TYPE)
        if rt is None:
            raise ValidationError(F_REPLY_TYPE, f"unknown reply type {cases.DEFAULT_REPLY_TYPE!r}")
        office = references.default_office(s)
        sense = sense_for(_theme_model(s))
        search_by_batch = import_search.by_batch(s)
    return Storing(
        actor=actor,
        theme_ids=theme_ids,
        office=office,
        reply_type=rt.code,
        target_days=rt.target_days if rt.needs_reply else None,
        sense=sense,
        search_by_batch=search_by_batch,
    )


def _theme_model(session: Session) -> Model | None:
    """The suggester's model, taken once per import: every letter is scored by it."""
    from correspondence.services.triage import theme_suggest

    return theme_suggest.model_for(session)


def store(
    uow: UnitOfWorkFactory, run: Storing, batch: list[ParsedFile], failed: list[Failure]
) -> list[ImportedCase | Duplicate]:
    """Store a batch in one transaction; if that fails, store its files one by one."""
    try:
        with uow.begin() as work:
            return store_batch(work.session, run, batch)
    except Exception:  # noqa: BLE001 - find the file at fault by storing each alone
        pass
    out: list[ImportedCase | Duplicate] = []
    for parsed in batch:
        try:
            with uow.begin() as work:
                stored = store_batch(work.session, run, [parsed])
            # Counted only here, after the commit: a commit refused (a full disk) is a failure.
            out.extend(stored)
        except ServiceError as exc:
            failed.append(Failure(str(parsed.path), failure_reason(exc)))
        except Exception as exc:  # noqa: BLE001 - this file only; the rest go on
            failed.append(Failure(str(parsed.path), _store_failure(exc)))
    return out


def _store_failure(exc: Exception) -> str:
    from correspondence.db.health import storage_problem

    words = storage_problem(exc)
    if words is not None:
        return f"not logged: {words}"
    return f"could not store it ({type(exc).__name__}: {exc})"


def store_batch(
    s: Session, run: Storing, batch: list[ParsedFile]
) -> list[ImportedCase | Duplicate]:
    """Every file of `batch` as a logged case, with a handful of set-based statements.

    Does what cases.log_case + cases.add_document do for one letter (reference,
    due date, 'logged' and 'document added' events in the hash chain), for many.
    """
    sorted_out = import_duplicates.sort_out(s, batch)
    logged: dict[int, ImportedCase] = {}  # id(parsed) → result
    if sorted_out.fresh:
        logged = _log_cases(s, run, sorted_out.fresh)
    return sorted_out.outcomes(batch, logged)


def _log_cases(s: Session, run: Storing, fresh: list[ParsedFile]) -> dict[int, ImportedCase]:
    themes: list[list[tuple[str, float]]] = []
    for p in fresh:
        run.sense.fill(p)  # done already when a worker read it
        themes.append([(c, sc) for c, sc in p.themes or () if c in run.theme_ids])
    correspondent_ids = correspondents.resolve_many(s, [_proposal(p) for p in fresh])
    # Taking references first also takes SQLite's write lock, so the event chain
    # read below cannot be overtaken by another writer.
    refs = _allocate(s, [p.received_on.year for p in fresh], run.office)
    due = run.due
    for p in fresh:
        if p.received_on not in due:
            due[p.received_on] = (
                due_date(p.received_on, run.target_days) if run.target_days is not None else None
            )
    case_table = Case.__table__
    now = now_utc()
    names = _display_names(s, correspondent_ids)
    # The campaign hook places the batch in bulk, with the fingerprints worked out already;
    # the letters at its head that join a campaign are written in it (no update after).
    from correspondence.services.campaigns.campaign_prints import fingerprint_of

    prints = [fingerprint_of(p.letter_print) if p.letter_print else None for p in fresh]
    ahead = intake_hooks.joins_ahead(s, [(p.text, fp) for p, fp in zip(fresh, prints, strict=True)])
    case_rows = [
        {
            "reference": str(ref),
            "ref_year": ref.year,
            "ref_sequence": ref.sequence,
            "office_code": ref.office,
            "direction": "incoming",
            "channel": p.channel,
            # An email is answered by email, to its sender (as cases.log_case proposes).
            "reply_channel": "email" if p.channel == "email" else "letter",
            "reply_email": (p.sender.email or "")[:200] if p.channel == "email" else "",
            "received_on": p.received_on,
            "logged_at": now,
            "due_on": due[p.received_on],
            "status": CaseStatus.LOGGED.value,
            "reply_type_code": run.reply_type,
            "priority": "normal",
            "summary": p.summary,
            "letter_text": p.text,
            "correspondent_id": cid,
            # The key the sort-key trigger would set (it skips a row that has it).
            "correspondent_sort": sort_keys.sort_key(names.get(cid)),
            "logged_by_id": run.actor.user_id,
            **_campaign_columns(joined, now),
        }
        for p, ref, cid, joined in zip(fresh, refs, correspondent_ids, ahead, strict=True)
    ]
    # One search refresh for the batch, not one trigger call per case.
    if run.search_by_batch:
        case_ids = import_search.insert_indexed(s, lambda: _insert_ids(s, case_table, case_rows))
    else:
        with search_batch.deferred_search(s) as indexed:
            case_ids = _insert_ids(s, case_table, case_rows)
            indexed.extend(case_ids)

    doc_table = Document.__table__
    originals = _insert_ids(
        s,
        doc_table,
        [
            _doc_row(
                run,
                cid,
                None,
                "original",
                p.path.name,
                p.got.media_type,
                p.content,
                p.got.text,
                p.got.message_id,
                p.needs_text,
                sha=p.sha,
                at=now,
                ocr=p.got.ocr,
            )
            for p, cid in zip(fresh, case_ids, strict=True)
        ],
    )
    # Beside each scan read by OCR, its searchable PDF (the scan with a text layer).
    searchable_rows = [
        _doc_row(
            run,
            cid,
            parent,
            "searchable",
            f"{Path(p.path.name).stem}-searchable.pdf",
            "application/pdf",
            p.got.ocr.searchable_pdf,
            "",
            None,
            False,
            at=now,
        )
        for p, cid, parent in zip(fresh, case_ids, originals, strict=True)
        if p.got.ocr is not None and p.got.ocr.searchable_pdf
    ]
    if searchable_rows:
        insert_rows(s, doc_table, searchable_rows)
    attachment_rows = [
        _doc_row(
            run,
            cid,
            parent,
            "attachment",
            a.filename,
            a.media_type,
            a.content,
            a.text,
            None,
            a.needs_text,
            at=now,
        )
        for p, cid, parent in zip(fresh, case_ids, originals, strict=True)
        for a in p.got.attachments
    ]
    if attachment_rows:
        insert_rows(s, doc_table, attachment_rows)

    theme_rows = [
        {"case_id": cid, "theme_id": run.theme_ids[code], "source": "suggested", "score": sc}
        for suggested, cid in zip(themes, case_ids, strict=True)
        for code, sc in suggested
    ]
    if theme_rows:
        insert_rows(s, case_themes, theme_rows)

    _record_events(s, run.actor, fresh, case_ids, case_rows)

    from correspondence.services.campaigns.campaign_placing import NewLetter

    letters = [
        NewLetter(cid, p.text, fp, joined[:2] if joined is not None else None)
        for p, cid, fp, joined in zip(fresh, case_ids, prints, ahead, strict=True)
    ]
    campaigns = intake_hooks.on_cases_logged(s, letters)
    results: dict[int, ImportedCase] = {}
    for p, cid, row, corr, campaign, suggested in zip(
        fresh, case_ids, case_rows, correspondent_ids, campaigns, themes, strict=True
    ):
        results[id(p)] = ImportedCase(
            path=str(p.path),
            reference=str(row["reference"]),
            case_id=cid,
            correspondent=names.get(corr, ""),
            campaign=campaign,
            needs_text=p.needs_text,
            themes=tuple(code for code, _ in suggested),
        )
    s.flush()
    return results


def _campaign_columns(joined: tuple[int, float, str] | None, at: dt.datetime) -> dict[str, object]:
    """A new case's campaign columns: those joining the campaign joins_ahead found would set,
    or none. Every row has them all: the rows go in one executemany of one statement."""
    if joined is None:
        return {
            "campaign_id": None,
            "campaign_similarity": None,
            "campaign_sort": "",
            "version": 1,
            "updated_at": at,
        }
    campaign_id, similarity, name = joined
    return {
        "campaign_id": campaign_id,
        "campaign_similarity": similarity,
        # Given right, SQLite's sort-key trigger need not write the row again.
        "campaign_sort": sort_keys.sort_key(name),
        "version": 2,  # logged, then joined
        "updated_at": at,
    }


def _insert_ids(s: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in order; their new ids, in the same order.

    SQLAlchemy cannot batch an ordered INSERT … RETURNING on SQLite: it sends one
    statement a row. The import holds SQLite's write lock (references are taken
    first), so the ids are the ones SQLite itself would give, one past the largest in
    turn (these tables have no AUTOINCREMENT), and the rows go in one executemany.
    """
    if s.get_bind().dialect.name != "sqlite":
        return list(
            s.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
    first = (s.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(s, table, rows)
    return ids


def _proposal(p: ParsedFile) -> Proposal:
    sender = p.sender
    return Proposal(
        name=sender.name,
        email=sender.email,
        postcode=sender.postcode,
        address_lines=sender.address_lines,
    )


def _allocate(s: Session, years: list[int], office: str) -> list[Reference]:
    """References for a batch: one counter update per year rather than one per letter.

    Like references.allocate, the update holds the counter (and SQLite's write
    lock) until commit, and a rollback gives the numbers back.
    """
    need: dict[int, int] = {}
    for y in years:
        need[y] = need.get(y, 0) + 1
    start: dict[int, int] = {}
    for year, count in sorted(need.items()):
        last = s.scalar(
            update(ReferenceCounter)
            .where(ReferenceCounter.year == year)
            .values(last_sequence=ReferenceCounter.last_sequence + count)
            .returning(ReferenceCounter.last_sequence)
        )
        if last is None:
            # No counter for this year yet: let the shared service create it, then widen.
            first = references.allocate(s, year, office).sequence
            if count > 1:
                s.execute(
                    update(ReferenceCounter)
                    .where(ReferenceCounter.year == year)
                    .values(last_sequence=ReferenceCounter.last_sequence + count - 1)
                )
            start[year] = first
        else:
            start[year] = last - count + 1
    out: list[Reference] = []
    for y in years:
        out.append(Reference(y, start[y], office))
        start[y] += 1
    return out


def _display_names(s: Session, ids: list[int]) -> dict[int, str]:
    unique = sorted(set(ids))
    return dict(
        (cid, name)
        for cid, name in s.execute(
            select(Correspondent.id, Correspondent.display_name).where(Correspondent.id.in_(unique))
        )
    )


def _doc_row(
    run: Storing,
    case_id: int,
    parent_id: int | None,
    role: str,
    filename: str,
    media_type: str,
    content: bytes,
    text: str,
    message_id: str | None,
    needs_text: bool,
    *,
    sha: str | None = None,
    at: dt.datetime,
    ocr: OcrResult | None = None,
) -> dict[str, object]:
    return {
        "ocr_read": ocr is not None,
        "ocr_confidence": ocr.confidence if ocr is not None else None,
        "ocr_check_pages": ",".join(map(str, ocr.check_pages))[:200] if ocr is not None else "",
        "case_id": case_id,
        "parent_id": parent_id,
        "role": role,
        "filename": filename[:400],
        "media_type": media_type[:120],
        "size": len(content),
        "sha256": sha or hashlib.sha256(content).hexdigest(),
        "message_id": message_id,
        "content": content,
        "extracted_text": text,
        "needs_text": needs_text,
        "added_at": at,
        "added_by_id": run.actor.user_id,
    }


def _record_events(
    s: Session,
    actor: Actor,
    fresh: list[ParsedFile],
    case_ids: list[int],
    case_rows: Sequence[Mapping[str, object]],
) -> None:
    """The same events log_case and add_document write, appended to the hash chain."""
    specs: list[tuple[int, str, str]] = []
    for p, cid, row in zip(fresh, case_ids, case_rows, strict=True):
        specs.append((cid, "logged", str(row["reference"])))
        specs.append((cid, "document added", p.path.name))
        specs.extend((cid, "document added", a.filename) for a in p.got.attachments)
    _append_events(s, actor, specs)


def _append_events(s: Session, actor: Actor, specs: list[tuple[int, str, str]]) -> None:
    events.record_many(
        s,
        actor,
        (
            {"entity": "case", "entity_id": cid, "case_id": cid, "action": action, "new_value": new}
            for cid, action, new in specs
        ),
    )
