"""Intake: logging letters by hand and importing files (eml, msg, txt, docx, pdf).

An imported file's case, correspondent, original bytes, attachments, events
and suggested themes are written in one transaction, together or not at all,
so a bad file (or a cancel) never leaves half a case behind and never stops
the files after it. For speed, good files are written in batches (one
transaction, a few set-based statements per batch); if a batch fails to store
it is rolled back whole and its files are stored again one transaction each,
so only the file at fault is reported. The service is Qt-free: progress and cancellation are plain
callables that the window's worker (or the CLI) supplies.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Case,
    Correspondent,
    Document,
    ReferenceCounter,
    ReplyType,
    Signatory,
    Theme,
    case_themes,
    now_utc,
)
from correspondence.documents import limits
from correspondence.documents.extract import (
    EMAIL,
    POSTCODE,
    SUPPORTED_SUFFIXES,
    Extracted,
    ExtractionError,
    extract,
    find_date,
    read_letterhead,
    suffix_of,
    summary_line,
)
from correspondence.documents.ocr import IMAGE_SUFFIXES, OcrCancelled, OcrResult
from correspondence.domain.references import Reference
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus
from correspondence.domain.workdays import due_date
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases, references, search_batch
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.errors import FileRefused, ServiceError, ValidationError
from correspondence.services.intake import intake_hooks, intake_workers
from correspondence.services.people import correspondents
from correspondence.services.people.correspondents import CorrespondentChoice, Proposal
from correspondence.services.unit_of_work import UnitOfWorkFactory

DEFAULT_MAX_FILE_MB = 50
ENV_MAX_FILE_MB = "CORRESPONDENCE_IMPORT_MAX_MB"
CHANNELS = ("post", "email", "phone")
PRIORITIES = ("normal", "high", "urgent")
NEEDS_TEXT = "needs text"
THEMES_PER_LETTER = 3
_UK = ZoneInfo("Europe/London")

Progress = Callable[[int, int, str], None]  # (files done, files in all, current path)
ShouldCancel = Callable[[], bool]


def default_max_file_bytes() -> int:
    """The per-file size limit: $CORRESPONDENCE_IMPORT_MAX_MB, else 50 MB."""
    raw = os.environ.get(ENV_MAX_FILE_MB, "")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        mb = DEFAULT_MAX_FILE_MB
    return int(mb * 1024 * 1024)


# --- results -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCase:
    path: str
    reference: str
    case_id: int
    correspondent: str
    campaign: str | None = None
    needs_text: bool = False
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Duplicate:
    path: str
    reference: str  # the case that already holds this file or message
    reason: str


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[ImportedCase, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    failed: tuple[Failure, ...] = ()
    total: int = 0
    cancelled: bool = False

    def as_json(self) -> dict[str, object]:
        """The shape `correspondence import --json` prints."""
        return {
            "imported": len(self.imported),
            "duplicates": len(self.duplicates),
            "duplicate_files": [
                {"path": d.path, "reference": d.reference} for d in self.duplicates
            ],
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "cases": [
                {"reference": c.reference, "path": c.path, "campaign": c.campaign}
                for c in self.imported
            ],
        }


# --- finding the files ----------------------------------------------------------


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """The files to import, folders walked recursively in name order; hidden files skipped.

    Links inside a folder are followed only to files inside that same folder; links out of
    it, links that loop and things that are not files are listed with the reason, and a
    folder that cannot be opened is listed, never the end of the import."""
    files: list[Path] = []
    missing: list[Failure] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            candidates = _walk_folder(path, missing)
        elif path.is_file():
            candidates = [path]
        else:
            missing.append(Failure(str(path), "no such file or folder"))
            continue
        for c in candidates:
            try:
                key = c.resolve(strict=True)
            except (OSError, RuntimeError):
                key = c
            if key not in seen:
                seen.add(key)
                files.append(c)
    return files, missing


def _walk_folder(folder: Path, problems: list[Failure]) -> list[Path]:
    root = folder.resolve()

    def unreadable(exc: OSError) -> None:
        where = exc.filename or folder
        problems.append(
            Failure(str(where), f"could not open the folder ({exc.strerror or exc}): skipped")
        )

    found: list[Path] = []
    for here, dirs, names in os.walk(folder, onerror=unreadable):  # never follows links
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names) + [d for d in dirs if (Path(here) / d).is_symlink()]:
            if name.startswith("."):
                continue
            entry = Path(here) / name
            if entry.is_symlink():
                refused = _refused_link(entry, root)
                if refused:
                    problems.append(Failure(str(entry), refused))
                    continue
                if entry.is_dir():
                    continue  # a link to a folder inside this one: walked where it really is
            elif not _is_regular(entry):
                problems.append(Failure(str(entry), "not a regular file: skipped"))
                continue
            found.append(entry)
    return sorted(found)


def _refused_link(link: Path, root: Path) -> str | None:
    """Why a link inside the chosen folder is not followed, or None to follow it."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop so
        return "a link that loops back on itself: skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that loops back on itself: skipped"
        return "a link to something that does not exist: skipped"
    if not target.is_relative_to(root):
        return f"a link to {target}, outside the chosen folder: not followed"
    if target.is_dir() and link.parent.resolve().is_relative_to(target):
        return "a link back to a folder that holds it (a loop): skipped"
    if not target.is_dir() and not _is_regular(target):
        return "a link to something that is not a regular file: skipped"
    return None


def _is_regular(path: Path) -> bool:
    # A pipe or device would block or never end: only plain files are read.
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # unreadable: listed with its reason when it is read


# --- what a file proposes -----------------------------------------------------------


def received_date(got: Extracted, mtime: float | None, today: dt.date) -> dt.date:
    """The Date header, else a date in the text, else the file's date; never after today."""
    day: dt.date | None = None
    if got.sent_at is not None:
        sent = got.sent_at
        day = (sent.astimezone(_UK) if sent.tzinfo else sent).date()
        if day.year < 1990:  # a zeroed or bogus header clock
            day = None
    if day is None:
        day = find_date(got.text, not_after=today)
    if day is None and mtime is not None:
        day = dt.date.fromtimestamp(mtime)
    return min(day or today, today)


def proposal_for(got: Extracted) -> Proposal:
    head = read_letterhead(got.text)
    name = got.sender_name or head.name
    if name and EMAIL.fullmatch(name):
        name = ""  # "From: a@b.org" with the address as the name
    return Proposal(
        name=name,
        email=got.sender_email or head.email,
        postcode=head.postcode,
        address_lines=head.address_lines,
    )


def summary_for(filename: str, got: Extracted, text: str) -> str:
    if not text.strip():
        return f"Scanned document {filename}: {NEEDS_TEXT}"
    summary = got.subject.strip() or summary_line(text) or filename
    if got.needs_text or any(a.needs_text for a in got.attachments):
        summary = f"{summary} ({NEEDS_TEXT})"
    elif got.ocr is not None and got.ocr.check_pages:
        pages = ", ".join(map(str, got.ocr.check_pages))
        summary = f"{summary} (read by OCR: check the text of page {pages})"
    return summary[:500]


def letter_text_for(got: Extracted) -> str:
    """The case's letter text: the body, then each attachment's text under its name."""
    parts = [got.text] if got.text.strip() else []
    for a in got.attachments:
        if a.text.strip():
            parts.append(f"[Attachment: {a.filename}]\n{a.text}")
    return limits.cap_text("\n\n".join(parts))  # many attachments, each at the limit


# --- the importer ------------------------------------------------------------------


@dataclass
class _Run:
    """What stays the same for every file of one import: read once, not per file."""

    actor: Actor
    theme_ids: dict[str, int]
    today: dt.date
    max_bytes: int
    office: str
    reply_type: str
    target_days: int | None  # None: the default reply type needs no reply
    score: Callable[[str], list[tuple[str, float]]] | None = None
    should_cancel: ShouldCancel | None = None  # also stops OCR of a long scan between pages
    page_progress: Progress | None = None  # a scan's pages, told as the file in hand


@dataclass
class _Parsed:
    """One file read and understood, before anything is stored."""

    path: Path
    content: bytes
    sha: str
    got: Extracted
    text: str
    needs_text: bool
    proposal: Proposal
    received_on: dt.date
    channel: str
    summary: str
    themes: list[tuple[str, float]]


# A batch is committed after this many files, bytes or seconds, whichever comes first:
# few commits for speed, yet other users' writes never wait long and memory stays bounded.
BATCH_FILES = 200
BATCH_BYTES = 32 * 1024 * 1024
BATCH_SECONDS = 0.5


def import_files(
    uow: UnitOfWorkFactory,
    paths: Sequence[str | Path],
    *,
    today: dt.date,
    max_file_bytes: int | None = None,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> ImportResult:
    """Import every file under `paths`, never stopping at a bad one.

    Files are read and parsed in order (by worker processes for a large import on
    more than one core, see intake_workers; a file that cannot be read is listed
    with its reason); the good ones are stored in batches, in one stream. If a batch fails to
    store, it is rolled back and its files are stored again one per
    transaction, so only the file at fault is listed as failed.
    """
    files, failed = collect_files(paths)
    run = _prepare(uow, today, max_file_bytes)
    run.should_cancel = should_cancel
    outcomes: list[ImportedCase | Duplicate] = []
    total = len(files)
    cancelled = False
    batch: list[_Parsed] = []
    batch_bytes = 0
    batch_started = time.monotonic()

    def flush() -> None:
        nonlocal batch, batch_bytes
        if batch:
            outcomes.extend(_store(uow, run, batch, failed))
        batch, batch_bytes = [], 0

    outcomes_in_order: _Reads
    if intake_workers.use_workers(total):
        outcomes_in_order = _parallel(run, files, progress)
    else:
        outcomes_in_order = _sequential(run, files, progress)
    try:
        for path, parsed in outcomes_in_order:
            if parsed is None:  # cancelled (between files, or during a scan's OCR)
                cancelled = True
                break
            if isinstance(parsed, str):
                failed.append(Failure(str(path), parsed))
                continue
            if not batch:
                batch_started = time.monotonic()
            batch.append(parsed)
            batch_bytes += len(parsed.content)
            if (
                len(batch) >= BATCH_FILES
                or batch_bytes >= BATCH_BYTES
                or time.monotonic() - batch_started >= BATCH_SECONDS
            ):
                flush()
    finally:
        outcomes_in_order.close()  # a pool still parsing is stopped
    flush()
    if progress is not None and not cancelled:
        progress(total, total, "")
    return ImportResult(
        imported=tuple(o for o in outcomes if isinstance(o, ImportedCase)),
        duplicates=tuple(o for o in outcomes if isinstance(o, Duplicate)),
        failed=tuple(failed),
        total=total,
        cancelled=cancelled,
    )


# A file read: the letter, a failure's reason, or None when the import was cancelled.
_Read = tuple[Path, "_Parsed | str | None"]
_Reads = Generator[_Read, None, None]


def _sequential(run: _Run, files: list[Path], progress: Progress | None) -> _Reads:
    total = len(files)
    for done, path in enumerate(files):
        if run.should_cancel is not None and run.should_cancel():
            yield path, None
            return
        if progress is not None:
            progress(done, total, str(path))
            run.page_progress = _page_progress(progress, done, total)
        try:
            yield path, _parse(run, path)
        except OcrCancelled:
            yield path, None
            return
        except Exception as exc:  # noqa: BLE001 - one strange file must not stop a thousand
            yield path, failure_reason(exc)


def _parallel(run: _Run, files: list[Path], progress: Progress | None) -> _Reads:
    """Files parsed by worker processes, in order; scans read here (cancel, page progress)."""
    total = len(files)
    outcomes = intake_workers.parse_in_workers(
        parse_chunk, files, run.today, run.max_bytes, run.should_cancel
    )
    done = 0
    for path, parsed, reason, needs_ocr in outcomes:
        if run.should_cancel is not None and run.should_cancel():
            yield path, None
            return
        if progress is not None:
            progress(done, total, str(path))
            run.page_progress = _page_progress(progress, done, total)
        done += 1
        if needs_ocr:
            yield from _sequential_one(run, path)
        elif reason is not None:
            yield path, reason
        else:
            assert isinstance(parsed, _Parsed)
            yield path, parsed
    if run.should_cancel is not None and run.should_cancel() and done < total:
        yield files[done], None


def _sequential_one(run: _Run, path: Path) -> _Reads:
    try:
        yield path, _parse(run, path)
    except OcrCancelled:
        yield path, None
    except Exception as exc:  # noqa: BLE001 - one strange file must not stop a thousand
        yield path, failure_reason(exc)


def failure_reason(exc: Exception) -> str:
    """Why a file could not be read, the same words in a worker as in the importer."""
    if isinstance(exc, (ExtractionError, ServiceError)):  # FileRefused is a ServiceError
        return _reason(exc)
    if isinstance(exc, OSError):
        return f"could not read the file ({exc.strerror or exc})"
    if isinstance(exc, (MemoryError, RecursionError)):
        return "the file is too large or too deeply nested to read"
    return f"unexpected {type(exc).__name__}: {exc}"


class NeedsOcr(Exception):
    """A worker leaves a scan to the importer, where cancel and page progress reach it."""


def reader_run(today: dt.date, max_bytes: int) -> _Run:
    """What a worker needs to read files: the limits and the day, no database."""
    return _Run(
        actor=None,  # type: ignore[arg-type]  # reading stores nothing
        theme_ids={},
        today=today,
        max_bytes=max_bytes,
        office="",
        reply_type="",
        target_days=None,
    )


def _page_progress(progress: Progress, done: int, total: int) -> Progress:
    """A scan's "reading page 2 of 3" told as progress on the file in hand."""
    return lambda _page, _pages, what: progress(done, total, what)


def _prepare(uow: UnitOfWorkFactory, today: dt.date, max_file_bytes: int | None) -> _Run:
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
        score = _scorer(s)
    return _Run(
        actor=actor,
        theme_ids=theme_ids,
        today=today,
        max_bytes=max_file_bytes if max_file_bytes is not None else default_max_file_bytes(),
        office=office,
        reply_type=rt.code,
        target_days=rt.target_days if rt.needs_reply else None,
        score=score,
    )


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _scorer(session: Session) -> Callable[[str], list[tuple[str, float]]] | None:
    """Theme suggestions at or above the suggester's threshold, as (code, score) pairs.

    The suggester's model is taken once per import, not rebuilt or re-checked per file.
    """
    try:
        from correspondence.services.triage import theme_suggest
    except ImportError:  # suggestions are optional: an import still logs the letters
        return None
    threshold = float(getattr(theme_suggest, "THRESHOLD", 0.5))
    model_for = getattr(theme_suggest, "model_for", None)
    if model_for is not None:
        model = model_for(session)

        def rank(text: str) -> list[Any]:
            return list(model.score(text, THEMES_PER_LETTER))
    else:  # pragma: no cover - a suggester without a cached model
        bind = session.get_bind()

        def rank(text: str) -> list[Any]:
            with Session(bind) as s:
                return list(theme_suggest.suggest(s, text, limit=THEMES_PER_LETTER))

    def score(text: str) -> list[tuple[str, float]]:
        if not text.strip():
            return []
        return [(x.code, float(x.score)) for x in rank(text) if x.score >= threshold]

    return score


def _parse(run: _Run, path: Path, *, ocr: bool = True) -> _Parsed:
    """Read and understand one file; raises FileRefused or ExtractionError with the reason."""
    name = path.name
    suffix = suffix_of(name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileRefused(
            f"unsupported file type {suffix or '(no extension)'}: "
            "import .eml, .msg, .txt, .docx, .pdf or scanned .png, .jpg and .tif files"
        )
    info = path.stat()
    _check_size(name, info.st_size, run.max_bytes)
    if suffix in (".eml", ".msg") and info.st_size > limits.MAX_MAIL_BYTES:
        raise FileRefused(
            f"an email of {info.st_size / 1_048_576:.1f} MB, over the "
            f"{limits.MAX_MAIL_BYTES / 1_048_576:g} MB that mail servers carry: save its "
            "attachments and import them as files"
        )
    # OCR takes seconds a page, so a scan has its own budget; reading text keeps the tight one.
    picture = suffix in IMAGE_SUFFIXES
    if picture and not ocr:
        raise NeedsOcr(name)
    with limits.time_limit(limits.MAX_SECONDS_PER_SCAN if picture else limits.MAX_SECONDS_PER_FILE):
        content = limits.read_capped(path, run.max_bytes)
        got = extract(
            name, content, ocr=picture, should_cancel=run.should_cancel,
            progress=run.page_progress,
        )  # fmt: skip
    if suffix == ".pdf" and got.needs_text:
        if not ocr:
            raise NeedsOcr(name)
        with limits.time_limit(limits.MAX_SECONDS_PER_SCAN):  # a PDF without text: a scan
            got = extract(
                name, content, should_cancel=run.should_cancel, progress=run.page_progress
            )
    for att in got.attachments:
        _check_size(f"attachment {att.filename!r}", len(att.content), run.max_bytes)
    text = letter_text_for(got)
    return _Parsed(
        path=path,
        content=content,
        sha=hashlib.sha256(content).hexdigest(),
        got=got,
        text=text,
        needs_text=got.needs_text or not text.strip(),
        proposal=proposal_for(got),
        received_on=received_date(got, info.st_mtime, run.today),
        channel="email" if suffix in (".eml", ".msg") else "post",
        summary=summary_for(name, got, text),
        themes=[],  # scored in _log_cases, once duplicates are set aside
    )


def _check_size(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise FileRefused(
            f"{what} is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:g} MB limit "
            "for one file (the import size limit; CORRESPONDENCE_IMPORT_MAX_MB changes it)"
        )


def _store(
    uow: UnitOfWorkFactory, run: _Run, batch: list[_Parsed], failed: list[Failure]
) -> list[ImportedCase | Duplicate]:
    """Store a batch in one transaction; if that fails, store its files one by one."""
    try:
        with uow.begin() as work:
            return _store_batch(work.session, run, batch)
    except Exception:  # noqa: BLE001 - find the file at fault by storing each alone
        pass
    out: list[ImportedCase | Duplicate] = []
    for parsed in batch:
        try:
            with uow.begin() as work:
                stored = _store_batch(work.session, run, [parsed])
            # Counted only here, after the commit: a commit refused (a full disk) is a failure.
            out.extend(stored)
        except ServiceError as exc:
            failed.append(Failure(str(parsed.path), _reason(exc)))
        except Exception as exc:  # noqa: BLE001 - this file only; the rest go on
            failed.append(Failure(str(parsed.path), _store_failure(exc)))
    return out


def _store_failure(exc: Exception) -> str:
    from correspondence.db.health import storage_problem

    words = storage_problem(exc)
    if words is not None:
        return f"not logged: {words}"
    return f"could not store it ({type(exc).__name__}: {exc})"


def _existing(s: Session, column: Any, values: list[str], *, originals: bool) -> dict[str, str]:
    """value → reference of the case already holding a document with that value."""
    found: dict[str, str] = {}
    for i in range(0, len(values), 500):
        query = (
            select(column, Case.reference)
            .join(Case, Case.id == Document.case_id)
            .where(column.in_(values[i : i + 500]))
        )
        if originals:
            query = query.where(Document.role == "original")
        for value, reference in s.execute(query):
            found.setdefault(value, reference)
    return found


def _store_batch(s: Session, run: _Run, batch: list[_Parsed]) -> list[ImportedCase | Duplicate]:
    """Every file of `batch` as a logged case, with a handful of set-based statements.

    Does what cases.log_case + cases.add_document do for one letter (reference,
    due date, 'logged' and 'document added' events in the hash chain), for many.
    """
    by_sha = _existing(s, Document.sha256, sorted({p.sha for p in batch}), originals=True)
    mids = sorted({p.got.message_id for p in batch if p.got.message_id})
    by_mid = _existing(s, Document.message_id, mids, originals=False) if mids else {}

    # Duplicates of stored cases, or of an earlier file in this same batch.
    fresh: list[_Parsed] = []
    first_sha: dict[str, _Parsed] = {}
    first_mid: dict[str, _Parsed] = {}
    dup_of: dict[int, tuple[_Parsed, str]] = {}  # position → (earlier file, why)
    outcomes: list[ImportedCase | Duplicate | None] = []
    for p in batch:
        mid = p.got.message_id
        if p.sha in by_sha:
            ref = by_sha[p.sha]
            outcomes.append(
                Duplicate(str(p.path), ref, f"the same file is already logged as {ref}")
            )
        elif mid and mid in by_mid:
            ref = by_mid[mid]
            outcomes.append(Duplicate(str(p.path), ref, _mid_reason(mid, ref)))
        elif p.sha in first_sha:
            dup_of[len(outcomes)] = (first_sha[p.sha], "file")
            outcomes.append(None)
        elif mid and mid in first_mid:
            dup_of[len(outcomes)] = (first_mid[mid], "mid")
            outcomes.append(None)
        else:
            first_sha[p.sha] = p
            if mid:
                first_mid[mid] = p
            fresh.append(p)
            outcomes.append(None)

    logged: dict[int, ImportedCase] = {}  # id(parsed) → result
    if fresh:
        logged = _log_cases(s, run, fresh)
    result: list[ImportedCase | Duplicate] = []
    for pos, p in enumerate(batch):
        out = outcomes[pos]
        if out is not None:
            result.append(out)
        elif pos in dup_of:
            earlier, kind = dup_of[pos]
            ref = logged[id(earlier)].reference
            why = (
                f"the same file is already logged as {ref}"
                if kind == "file"
                else _mid_reason(p.got.message_id or "", ref)
            )
            result.append(Duplicate(str(p.path), ref, why))
        else:
            result.append(logged[id(p)])
    return result


def _mid_reason(mid: str, ref: str) -> str:
    return f"the same email (Message-ID {mid}) is already logged as {ref}"


def _log_cases(s: Session, run: _Run, fresh: list[_Parsed]) -> dict[int, ImportedCase]:
    if run.score is not None:
        for p in fresh:
            p.themes = [(c, sc) for c, sc in run.score(p.text) if c in run.theme_ids]
    correspondent_ids = correspondents.resolve_many(s, [p.proposal for p in fresh])
    # Taking references first also takes SQLite's write lock, so the event chain
    # read below cannot be overtaken by another writer.
    refs = _allocate(s, [p.received_on.year for p in fresh], run.office)
    due: dict[dt.date, dt.date | None] = {}
    for p in fresh:
        if p.received_on not in due:
            due[p.received_on] = (
                due_date(p.received_on, run.target_days) if run.target_days is not None else None
            )
    case_table = Case.__table__
    now = now_utc()
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
            "reply_email": (p.proposal.email or "")[:200] if p.channel == "email" else "",
            "received_on": p.received_on,
            "logged_at": now,
            "due_on": due[p.received_on],
            "status": CaseStatus.LOGGED.value,
            "reply_type_code": run.reply_type,
            "priority": "normal",
            "summary": p.summary,
            "letter_text": p.text,
            "correspondent_id": cid,
            "logged_by_id": run.actor.user_id,
            "version": 1,
        }
        for p, ref, cid in zip(fresh, refs, correspondent_ids, strict=True)
    ]
    # PostgreSQL: one search refresh for the batch, not one trigger call per case.
    with search_batch.deferred_search(s) as indexed:
        case_ids = list(
            s.execute(
                insert(case_table).returning(case_table.c.id, sort_by_parameter_order=True),
                case_rows,
            ).scalars()
        )
        indexed.extend(case_ids)

    doc_table = Document.__table__
    originals = list(
        s.execute(
            insert(doc_table).returning(doc_table.c.id, sort_by_parameter_order=True),
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
        ).scalars()
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
        s.execute(insert(doc_table), searchable_rows)
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
        s.execute(insert(doc_table), attachment_rows)

    theme_rows = [
        {"case_id": cid, "theme_id": run.theme_ids[code], "source": "suggested", "score": sc}
        for p, cid in zip(fresh, case_ids, strict=True)
        for code, sc in p.themes
    ]
    if theme_rows:
        s.execute(insert(case_themes), theme_rows)

    _record_events(s, run.actor, fresh, case_ids, case_rows)

    # The campaign hook sees real Case rows, loaded in one query, and places them in bulk.
    loaded = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(case_ids)))}
    results: dict[int, ImportedCase] = {}
    names = _display_names(s, correspondent_ids)
    campaigns = intake_hooks.on_cases_logged(s, [loaded[cid] for cid in case_ids])
    for p, cid, row, corr, campaign in zip(
        fresh, case_ids, case_rows, correspondent_ids, campaigns, strict=True
    ):
        results[id(p)] = ImportedCase(
            path=str(p.path),
            reference=str(row["reference"]),
            case_id=cid,
            correspondent=names.get(corr, ""),
            campaign=campaign,
            needs_text=p.needs_text,
            themes=tuple(code for code, _ in p.themes),
        )
    s.flush()
    return results


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
    run: _Run,
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
    fresh: list[_Parsed],
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


# --- logging by hand ------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeHint:
    """A suggested theme as the log-letter form shows it."""

    code: str
    name: str
    score: float
    because: tuple[str, ...]
    likely: bool  # at or above the suggester's threshold: pre-ticked


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: str


@dataclass
class LetterForm:
    """What the log-letter dialog collects; field names match the form's labels."""

    received_on: dt.date
    channel: str = "post"
    correspondent_id: int | None = None
    new_correspondent: NewCorrespondent | None = None
    constituents: list[NewConstituent] = field(default_factory=list)
    addressed_to_id: int | None = None
    signatory_id: int | None = None
    reply_type: str = cases.DEFAULT_REPLY_TYPE
    priority: str = "normal"
    summary: str = ""
    letter_text: str = ""
    theme_codes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)  # suggested ones


@dataclass(frozen=True)
class LoggedCase:
    id: int
    reference: str
    on_stop_list: bool
    campaign: str | None = None


# Field names the service reports; the dialog maps each to its widget.
F_RECEIVED = "Received date"
F_CHANNEL = "Channel"
F_CORRESPONDENT = "Correspondent"
F_CONSTITUENCY = "Constituency"
F_PARTY = "Party"
F_EMAIL = "Email"
F_POSTCODE = "Postcode"
F_CONSTITUENTS = "Constituents"
F_ADDRESSED_TO = "Addressed to"
F_SIGNATORY = "Signatory"
F_REPLY_TYPE = "Reply type"
F_PRIORITY = "Priority"
F_SUMMARY = "Summary"
F_THEMES = "Themes"


def validate_letter(form: LetterForm, today: dt.date) -> None:
    """Raise ValidationError naming the first field that is wrong."""
    if form.received_on > today:
        raise ValidationError(F_RECEIVED, f"{form.received_on:%d %B %Y} is in the future")
    if form.channel not in CHANNELS:
        raise ValidationError(F_CHANNEL, f"choose post, email or phone, not {form.channel!r}")
    if form.correspondent_id is None and form.new_correspondent is None:
        raise ValidationError(F_CORRESPONDENT, "choose who wrote, or add them")
    new = form.new_correspondent
    if form.correspondent_id is None and new is not None:
        has_name = new.last_name.strip() or new.first_name.strip() or new.peerage.strip()
        if not has_name and not new.organisation.strip():
            raise ValidationError(F_CORRESPONDENT, "give the new correspondent's name")
        if new.kind is CorrespondentKind.MP:
            if not new.constituency.strip():
                raise ValidationError(F_CONSTITUENCY, "an MP's constituency is needed")
            if not new.party.strip():
                raise ValidationError(F_PARTY, "an MP's party is needed")
        if new.email.strip() and not EMAIL.fullmatch(new.email.strip()):
            raise ValidationError(F_EMAIL, f"{new.email.strip()!r} is not an email address")
        if new.postcode.strip() and not POSTCODE.fullmatch(
            re.sub(r"\s+", " ", new.postcode.strip().upper())
        ):
            raise ValidationError(F_POSTCODE, f"{new.postcode.strip()!r} is not a UK postcode")
    for i, c in enumerate(form.constituents, start=1):
        if not (c.last_name.strip() or c.first_name.strip()):
            raise ValidationError(F_CONSTITUENTS, f"row {i} has no name: fill it in or remove it")
    if form.priority not in PRIORITIES:
        raise ValidationError(F_PRIORITY, f"choose normal, high or urgent, not {form.priority!r}")
    if not form.summary.strip():
        raise ValidationError(F_SUMMARY, "say in a line what the letter is about")


def log_letter(session: Session, actor: Actor, form: LetterForm, today: dt.date) -> LoggedCase:
    """Log a letter typed in by an officer; ticked themes count as the officer's choice."""
    actor.require("log correspondence", Role.OFFICER)
    validate_letter(form, today)
    for field_name, sid in (
        (F_ADDRESSED_TO, form.addressed_to_id),
        (F_SIGNATORY, form.signatory_id),
    ):
        if sid is not None and session.get(Signatory, sid) is None:
            raise ValidationError(field_name, f"no signatory #{sid}")
    codes = list(dict.fromkeys(form.theme_codes))
    theme_ids = {
        code: tid
        for code, tid in session.execute(select(Theme.code, Theme.id).where(Theme.code.in_(codes)))
    }
    unknown = [c for c in codes if c not in theme_ids]
    if unknown:
        raise ValidationError(F_THEMES, f"unknown theme code(s): {', '.join(unknown)}")
    case = cases.log_case(
        session,
        actor,
        NewCase(
            received_on=form.received_on,
            correspondent_id=form.correspondent_id,
            new_correspondent=form.new_correspondent if form.correspondent_id is None else None,
            constituents=[c for c in form.constituents],
            channel=form.channel,
            summary=form.summary,
            letter_text=form.letter_text,
            reply_type=form.reply_type,
            priority=form.priority,
            addressed_to_id=form.addressed_to_id,
            signatory_id=form.signatory_id,
        ),
        today=today,
    )
    if codes:
        now = now_utc()
        session.execute(
            insert(case_themes),
            [
                {
                    "case_id": case.id,
                    "theme_id": theme_ids[c],
                    "source": "officer",
                    "score": form.theme_scores.get(c),
                    "confirmed_by_id": actor.user_id,
                    "confirmed_at": now,
                }
                for c in codes
            ],
        )
        _note_confirmations(session)
    campaign = intake_hooks.on_case_logged(session, case)
    stop = bool(case.correspondent and case.correspondent.on_stop_list)
    return LoggedCase(case.id, case.reference, stop, campaign)


def _note_confirmations(session: Session) -> None:
    try:
        from correspondence.services.triage import theme_suggest
    except ImportError:
        return
    note = getattr(theme_suggest, "note_confirmations", None)
    if note is not None:
        note(session)


def theme_hints(session: Session, text: str, limit: int = 5) -> list[ThemeHint]:
    if not text.strip():
        return []
    try:
        from correspondence.services.triage import theme_suggest
    except ImportError:
        return []
    threshold = float(getattr(theme_suggest, "THRESHOLD", 0.5))
    return [
        ThemeHint(x.code, x.name, float(x.score), tuple(x.because), x.score >= threshold)
        for x in theme_suggest.suggest(session, text, limit=limit)
    ]


# --- the facade ---------------------------------------------------------------------


class Intake:
    """Intake use cases bound to a database and a user; one transaction per call (or file)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
        *,
        max_file_bytes: int | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.max_file_bytes = max_file_bytes

    def import_paths(
        self,
        paths: Sequence[str | Path],
        *,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> ImportResult:
        return import_files(
            self.uow,
            paths,
            today=self.clock(),
            max_file_bytes=self.max_file_bytes,
            progress=progress,
            should_cancel=should_cancel,
        )

    def log_letter(self, form: LetterForm) -> LoggedCase:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            return log_letter(s, actor, form, self.clock())

    def search_correspondents(self, text: str, limit: int = 20) -> list[CorrespondentChoice]:
        with self.uow.read() as uow:
            s = uow.session
            return correspondents.search(s, text, limit)

    def correspondent(self, correspondent_id: int) -> CorrespondentChoice:
        with self.uow.read() as uow:
            s = uow.session
            return correspondents.get(s, correspondent_id)

    def suggest_themes(self, text: str, limit: int = 5) -> list[ThemeHint]:
        with self.uow.read() as uow:
            s = uow.session
            return theme_hints(s, text, limit)

    def signatory_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(i, f"{name}, {title}")
                for i, name, title in s.execute(
                    select(Signatory.id, Signatory.name, Signatory.title)
                    .where(Signatory.active.is_(True))
                    .order_by(Signatory.id)
                )
            ]

    def reply_type_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(code, name)
                for code, name in s.execute(
                    select(ReplyType.code, ReplyType.name).order_by(
                        ReplyType.needs_reply.desc(), ReplyType.code
                    )
                )
            ]

    def theme_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(code, name)
                for code, name in s.execute(
                    select(Theme.code, Theme.name)
                    .where(Theme.active.is_(True))
                    .order_by(Theme.code)
                )
            ]


def parse_chunk(paths: list[Path], today: dt.date, max_bytes: int) -> list[intake_workers.Outcome]:
    """In the worker: parse each file; a file that needs OCR is left to the importer."""
    run = reader_run(today, max_bytes)
    out: list[intake_workers.Outcome] = []
    for path in paths:
        try:
            out.append((path, _parse(run, path, ocr=False), None, False))
        except NeedsOcr:
            out.append((path, None, None, True))
        except Exception as exc:  # noqa: BLE001 - the reason travels back, the rest go on
            out.append((path, None, failure_reason(exc), False))
    return out
