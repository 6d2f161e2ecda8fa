"""Answering a campaign: its signed-off reply merged per member into Word letters.

One letter per open member (own addressee block, salutation and close, the body rendered
against that member's context) plus one combined document for printing. The export can
be cancelled and resumed, and survives a crash:

- every file is written under a hidden temporary name and renamed into place only when
  whole (after the data is on disk), so no half-written letter ever carries a real name;
- a journal in the output folder (``.campaign-export.jsonl``) gains a line per letter
  only after that letter's rename, so the journal never claims a letter that is not there.
  A journal *file* rather than a table: it travels with the letters it describes, needs no
  schema change, and a resumed export must look at the folder anyway. Lines are appended
  and a torn last line (a crash mid-append) is ignored;
- members are marked dispatched only once every letter and the combined file exist, in
  one transaction. A campaign reply went through QA, private office and sign-off as the
  campaign's draft, so members are moved straight from wherever they stand (logged,
  triaged, ...) to dispatched, one event each naming the draft and the file; closed
  members (dispatched, no reply, transferred) are left out of the export.

Speed: python-docx takes ~18-30 ms to build and save one letter. Here each distinct page
frame (letterhead, DRAFT marking) is built once by python-docx; a letter's body is laid
out by ``documents.word``'s own layout code against a recording stand-in document and
serialised exactly as python-docx would write it, then zipped with the frame's other
parts. The fast output is checked against python-docx at run time (the frame's own
letter must serialise identically, else the export falls back to python-docx) and in
tests/db/test_campaign_export.py. Letters are written by two worker processes.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import functools
import hashlib
import json
import multiprocessing
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, nodes
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Campaign, Case, Draft, Signatory
from correspondence.documents.context import CampaignView, CaseView, LineContext
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.documents.textclean import clean_for_word
from correspondence.domain.salutations import addressee_block
from correspondence.domain.states import CLOSED_STATUSES, CaseStatus, DraftStatus
from correspondence.domain.subject_phrase import phrase_for
from correspondence.services import events
from correspondence.services.actors import Role
from correspondence.services.campaigns.campaigns import current_draft
from correspondence.services.errors import NotFound, ServiceError, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory
from correspondence.services.worker_guard import guard_worker

JOURNAL_NAME = ".campaign-export.jsonl"
CHANNELS = ("post", "email", "hand")
CHUNK = 64  # letters per unit of work: the grain of progress, cancel and the journal
IN_PROCESS_BELOW = 300  # smaller exports are not worth starting worker processes for

Progress = Callable[[int, int, str], None]  # (letters done, letters in all, reference)
ShouldCancel = Callable[[], bool]


class ExportRefused(ServiceError):
    """The output folder holds another or a finished export."""


@dataclass(frozen=True)
class ExportResult:
    campaign_id: int
    out_dir: str
    total: int  # letters in the export
    written: int  # written by this run
    already_done: int  # found in the journal when resuming
    combined: str | None  # the print file, once every letter is written
    dispatched: int  # members marked dispatched by this run
    cancelled: bool
    left_out: tuple[str, ...] = ()  # closed members, not written to


@dataclass(frozen=True)
class MemberLetter:
    case_id: int
    reference: str
    filename: str
    spec: LetterSpec


# --- the letters a campaign reply makes ------------------------------------------------------


def signed_off_reply(session: Session, campaign_id: int) -> Draft:
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"No campaign #{campaign_id}")
    draft = current_draft(session, campaign_id)
    if draft is None:
        raise ValidationError("Reply", f"“{camp.name}” has no reply draft yet")
    if draft.status != DraftStatus.SIGNED_OFF.value:
        raise ValidationError(
            "Reply",
            f"the reply to “{camp.name}” is {DraftStatus(draft.status).label.lower()}, "
            "not signed off; only a signed-off reply is sent",
        )
    if not draft.paragraphs:
        raise ValidationError("Reply", f"the reply to “{camp.name}” has no paragraphs")
    return draft


def member_letters(
    session: Session, campaign_id: int, *, today: dt.date | None = None
) -> tuple[list[MemberLetter], list[str]]:
    """Every open member's final letter, in reference order, and the closed members' refs.

    The same letters ``reply_letter.letter_spec_for(..., final=True)`` gives one by one,
    built in bulk: a handful of queries instead of several per member, and each paragraph
    rendered once per distinct value of the context it uses.
    """
    from correspondence.services.drafting.reply_letter import (
        computed_salutation,
        letter_file_name,
        letterhead_of,
        person_of,
    )
    from correspondence.services.lines.line_context import (
        constituent_view,
        person_view,
        signatory_view,
    )

    today = today or dt.date.today()
    draft = signed_off_reply(session, campaign_id)
    camp = session.get(Campaign, campaign_id)
    assert camp is not None
    cases = session.scalars(
        select(Case)
        .where(Case.campaign_id == campaign_id)
        .options(
            selectinload(Case.correspondent),
            selectinload(Case.constituents),
            selectinload(Case.themes),
        )
        .order_by(Case.reference)
    ).all()
    closed = {s.value for s in CLOSED_STATUSES}
    left_out = [c.reference for c in cases if c.status in closed]
    size = session.scalar(select(func.count(Case.id)).where(Case.campaign_id == campaign_id))
    campaign_view = CampaignView(name=camp.name, organisation=camp.organisation, size=size or 0)
    letter_date = draft.letter_date or today
    signatories: dict[int, Any] = {}
    renderer = _ParagraphRenderer(draft)
    # A member who wrote casework of their own may have a paragraph written for them.
    from correspondence.services.campaigns.campaign_own_words import additions_for, with_addition

    additions = additions_for(session, campaign_id)
    out: list[MemberLetter] = []
    for case in cases:
        if case.status in closed:
            continue
        if case.correspondent is None:
            raise ValidationError(
                "Correspondent", f"case {case.reference} has no correspondent to reply to"
            )
        sid = draft.signatory_id or case.signatory_id or case.addressed_to_id
        if sid is None:
            raise ValidationError(
                "Signatory", f"choose who signs the campaign reply (case {case.reference})"
            )
        if sid not in signatories:
            row = session.get(Signatory, sid)
            if row is None:
                raise ValidationError("Signatory", f"no signatory #{sid}")
            signatories[sid] = (row, signatory_view(row), letterhead_of(row))
        row, sig_view, letterhead = signatories[sid]
        context = LineContext(
            case=CaseView(
                reference=case.reference,
                received_on=case.received_on,
                summary=phrase_for(case.subject_phrase, case.summary),
                themes=tuple(t.code for t in case.themes),
            ),
            correspondent=person_view(case.correspondent),
            constituents=tuple(constituent_view(c) for c in case.constituents),
            campaign=campaign_view,
            signatory=sig_view,
            letter_date=letter_date,
        )
        dear, close = computed_salutation(case)
        spec = LetterSpec(
            letterhead=letterhead,
            reference=case.reference,
            addressee_lines=tuple(addressee_block(person_of(case.correspondent))),
            letter_date=letter_date,
            salutation=dear,
            paragraphs=with_addition(
                renderer.render(context.as_mapping(today=today), case.reference),
                additions.get(case.id),
            ),
            complimentary_close=close,
            signatory_name=row.name,
            subject=draft.subject,
            draft=False,
        )
        out.append(MemberLetter(case.id, case.reference, letter_file_name(case.reference), spec))
    return out, left_out


_MISSING = object()


class _ParagraphRenderer:
    """Renders a draft's paragraphs, once per distinct value of what each line reads."""

    def __init__(self, draft: Draft) -> None:
        env = Environment()
        self._paras: list[tuple[str, str, bool, tuple[tuple[str, ...], ...] | None]] = []
        for index, para in enumerate(draft.paragraphs, start=1):
            if para.kind == "line" and para.line_version is not None:
                v = para.line_version
                where = f"Paragraph {index} (line {v.line.key} v{v.number})"
                try:
                    paths: tuple[tuple[str, ...], ...] | None = tuple(
                        sorted(_paths(env.parse(v.body)))
                    )
                except Exception:  # noqa: BLE001 - render_line reports the real problem
                    paths = None
                self._paras.append((where, v.body, para.numbered, paths))
            else:
                self._paras.append(("", para.text, para.numbered, ()))
        self._memo: dict[tuple[int, Any], str] = {}

    def render(self, mapping: dict[str, object], reference: str) -> tuple[BodyParagraph, ...]:
        out: list[BodyParagraph] = []
        number = 0
        for i, (where, body, numbered, paths) in enumerate(self._paras):
            text: str | None
            if not where:
                text = body  # the drafter's own words, never a template
            else:
                key = None if paths is None else (i, tuple(_resolve(mapping, p) for p in paths))
                try:
                    text = self._memo[key] if key is not None else None
                except (KeyError, TypeError):
                    text = None
                if text is None:
                    try:
                        text = render_line(body, mapping)
                    except TemplateProblem as exc:
                        raise ValidationError(f"{where} for {reference}", str(exc)) from exc
                    if key is not None:
                        try:
                            self._memo[key] = text
                        except TypeError:
                            pass
            if numbered:
                number += 1
                out.append(BodyParagraph(text, number))
            else:
                out.append(BodyParagraph(text))
        return tuple(out)


def _paths(node: nodes.Node) -> set[tuple[str, ...]]:
    """What a template reads: dotted paths from a name (``case.summary``), or whole names
    when used any other way (``constituents|length``) — a conservative memo key."""
    out: set[tuple[str, ...]] = set()

    def visit(n: nodes.Node) -> None:
        if isinstance(n, nodes.Getattr):
            chain: list[str] = []
            inner: nodes.Node = n
            while isinstance(inner, nodes.Getattr):
                chain.insert(0, inner.attr)
                inner = inner.node
            if isinstance(inner, nodes.Name):
                out.add((inner.name, *chain))
                return
            visit(inner)
            return
        if isinstance(n, nodes.Name):
            out.add((n.name,))
            return
        for child in n.iter_child_nodes():
            visit(child)

    visit(node)
    return out


def _resolve(mapping: dict[str, object], path: tuple[str, ...]) -> object:
    value: object = mapping.get(path[0], _MISSING)
    for attr in path[1:]:
        value = getattr(value, attr, _MISSING)
    return value


# --- writing Word files fast ---------------------------------------------------------------


class _Para:
    """Stands in for python-docx's Paragraph (and its run) while word.py lays a letter out."""

    __slots__ = ("text", "style", "page_break")

    def __init__(self, text: str) -> None:
        self.text = text
        self.style = ""
        self.page_break = False

    @property
    def _p(self) -> _Para:  # word.py sets ``paragraph._p.style = style_id``
        return self

    def add_run(self) -> _Para:
        return self

    def add_break(self, _kind: object) -> None:
        self.page_break = True


class _LayoutRecorder:
    """Stands in for python-docx's Document: records paragraphs instead of building XML."""

    def __init__(self, style_ids: dict[str, str]) -> None:
        self.styles = {name: SimpleNamespace(style_id=sid) for name, sid in style_ids.items()}
        self.paragraphs: list[_Para] = []

    def add_paragraph(self, text: str = "") -> _Para:
        p = _Para(text)
        self.paragraphs.append(p)
        return p


def _run_xml(text: str) -> str:
    """A run's content as python-docx writes it: tabs and line breaks become elements."""
    parts: list[str] = []
    for piece in re.split(r"([\t\r\n])", text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(parts)


def _paragraph_xml(p: _Para) -> str:
    run = f"<w:r>{_run_xml(p.text)}</w:r>" if p.text else ""
    brk = '<w:r><w:br w:type="page"/></w:r>' if p.page_break else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{p.style}"/></w:pPr>{run}{brk}</w:p>'


class _Frame:
    """The parts of a letter that do not change per member, from one python-docx build."""

    def __init__(self, spec: LetterSpec) -> None:
        from correspondence.documents import word

        self.word = word
        proto = word.letter_bytes(spec)
        with zipfile.ZipFile(BytesIO(proto)) as z:
            self.names = [i.filename for i in z.infolist()]
            self.parts = {n: z.read(n) for n in self.names}
        doc = self.parts["word/document.xml"].decode("utf-8")
        skeleton = word._open_skeleton()
        self.style_ids = {s.name: s.style_id for s in skeleton.styles if s.name}
        body = self.body_xml([spec])
        at = doc.find(body)
        self.ok = at >= 0 and doc.count(body) == 1
        self.prefix, self.suffix = doc[:at], doc[at + len(body) :]
        core = self.parts["docProps/core.xml"].decode("utf-8")
        title = f"<dc:title>{escape(clean_for_word(f'Reply {spec.reference}'))}</dc:title>"
        self.ok = self.ok and core.count(title) == 1
        self.core_head, _, self.core_tail = core.partition(title)
        # The continuation pages' header names the letter: one header part shows the
        # prototype's reference, and each member's file shows its own there.
        shown = f">{escape(clean_for_word(spec.reference).strip())}</w:t>"
        headers = [
            n for n in self.names if n.startswith("word/header") and shown.encode() in self.parts[n]
        ]
        self.ok = (
            self.ok and len(headers) == 1 and self.parts[headers[0]].count(shown.encode()) == 1
        )
        self.header_name = headers[0] if headers else ""
        head, _, tail = (
            self.parts[self.header_name].decode("utf-8").partition(shown)
            if headers
            else ("", "", "")
        )
        self.header_head, self.header_tail = head, tail

    def body_xml(self, specs: Sequence[LetterSpec]) -> str:
        rec = _LayoutRecorder(self.style_ids)
        last: _Para | None = None
        for spec in specs:
            if last is not None:
                last.add_run().add_break(None)  # as word.combined_letters does
            # The recorder stands in for a Document, and so gives back its own paragraphs.
            last = self.word._append_letter(rec, spec)  # type: ignore[arg-type, assignment]
        return "".join(_paragraph_xml(p) for p in rec.paragraphs)

    def docx(self, spec: LetterSpec) -> bytes:
        """One member's letter."""
        document = self.prefix + self.body_xml([spec]) + self.suffix
        title = escape(clean_for_word(f"Reply {spec.reference}"))
        core = f"{self.core_head}<dc:title>{title}</dc:title>{self.core_tail}"
        reference = escape(clean_for_word(spec.reference).strip())
        header = f"{self.header_head}>{reference}</w:t>{self.header_tail}"
        return self.zip.build(
            {
                "word/document.xml": document.encode("utf-8"),
                "docProps/core.xml": core.encode(),
                self.header_name: header.encode("utf-8"),
            }
        )

    @functools.cached_property
    def zip(self) -> _ZipTemplate:
        return _ZipTemplate(self.names, self.parts)


class _ZipTemplate:
    """A .docx zip whose unchanging parts are compressed once, not once per letter.

    Writes the same entries, in the same order, as python-docx; only the container bytes
    differ (zipfile's own writer spent ~2 ms a letter recompressing the styles and theme).
    """

    _TIME = (0 << 11) | (0 << 5)  # 00:00:00 in MS-DOS form
    _DATE = ((2009 - 1980) << 9) | (1 << 5) | 1

    def __init__(self, names: list[str], parts: dict[str, bytes]) -> None:
        self.names = names
        self.packed = {name: self._pack(parts[name]) for name in names}

    @staticmethod
    def _pack(data: bytes) -> tuple[int, int, bytes]:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        raw = c.compress(data) + c.flush()
        return zlib.crc32(data), len(data), raw

    def build(self, changed: dict[str, bytes]) -> bytes:
        out = bytearray()
        central = bytearray()
        for name in self.names:
            crc, size, raw = self._pack(changed[name]) if name in changed else self.packed[name]
            encoded = name.encode("utf-8")
            offset = len(out)
            out += struct.pack(
                "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, self._TIME, self._DATE,
                crc, len(raw), size, len(encoded), 0,
            )  # fmt: skip
            out += encoded
            out += raw
            central += struct.pack(
                "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 8, self._TIME, self._DATE,
                crc, len(raw), size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offset,
            )  # fmt: skip
            central += encoded
        start = len(out)
        out += central
        out += struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(self.names), len(self.names), len(central),
            start, 0,
        )  # fmt: skip
        return bytes(out)


_FRAMES: dict[tuple[str, bool], _Frame] = {}


def _frame_for(spec: LetterSpec) -> _Frame:
    key = (spec.letterhead.department, spec.draft)
    frame = _FRAMES.get(key)
    if frame is None:
        frame = _FRAMES[key] = _Frame(spec)
    return frame


def letter_docx(spec: LetterSpec, *, fast: bool = True) -> bytes:
    """One letter's .docx bytes: the fast path when it is proven for this frame."""
    if fast:
        frame = _frame_for(spec)
        if frame.ok:
            return frame.docx(spec)
    from correspondence.documents.word import letter_bytes

    return letter_bytes(spec)


def combined_docx(specs: Sequence[LetterSpec], *, fast: bool = True) -> bytes:
    """The print file's bytes: every letter, each starting on a new page.

    Written by python-docx (``fast`` is not used): each letter is a section of its own, with
    its own first-page furniture and its own reference over its later pages, which the
    per-letter fast path cannot give. One file a campaign, so its speed matters less."""
    if not specs:
        raise ValueError("No letters to combine.")
    from correspondence.documents.word import combined_letters

    with tempfile.TemporaryDirectory() as tmp:
        path = combined_letters(specs, Path(tmp) / "combined.docx")
        return path.read_bytes()


# --- the folder: atomic files and the journal ----------------------------------------------


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _durable() -> None:
    """Put written data on disk: one sync per batch instead of an fsync per letter."""
    if hasattr(os, "sync"):
        os.sync()


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_batch(out_dir: Path, letters: Sequence[tuple[str, LetterSpec]], fast: bool) -> list[str]:
    """Write letters atomically: all to temporary names, synced, then renamed into place.
    Returns the file names written. On any error no temporary file is left behind."""
    temps: list[tuple[Path, Path]] = []
    try:
        for filename, spec in letters:
            final = out_dir / filename
            temp = _temp_name(final)
            temps.append((temp, final))
            _write_one(temp, spec, fast)
            if os.name != "posix":  # no os.sync: make each file durable on its own
                with open(temp, "rb+") as handle:
                    os.fsync(handle.fileno())
        _durable()
        for temp, final in temps:
            os.replace(temp, final)
        _fsync_dir(out_dir)
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        raise
    return [final.name for _, final in temps]


def _write_one(temp: Path, spec: LetterSpec, fast: bool) -> None:
    with open(temp, "wb") as handle:
        handle.write(letter_docx(spec, fast=fast))


def _write_chunk(out_dir: str, letters: list[tuple[str, LetterSpec]], fast: bool) -> list[str]:
    """Worker-process entry point."""
    return write_batch(Path(out_dir), letters, fast)


@dataclass(frozen=True)
class WrittenLetter:
    """A letter as the journal recorded it: a plain name inside the export folder, and the
    size and SHA-256 of what was written under it."""

    file: str
    size: int
    sha256: str


@dataclass
class Journal:
    """What an export folder already holds, read from and appended to its journal."""

    path: Path
    campaign_id: int
    draft_id: int
    done: dict[str, str] = field(default_factory=dict)  # reference -> file name
    written: dict[str, WrittenLetter] = field(default_factory=dict)  # reference -> record
    combined: str | None = None
    dispatched: bool = False

    @classmethod
    def read(cls, out_dir: Path) -> Journal | None:
        path = out_dir / JOURNAL_NAME
        if not path.is_file():
            return None
        journal: Journal | None = None
        raw = path.read_bytes().decode("utf-8", "replace")
        for line in raw.split("\n")[:-1]:  # a last line without "\n" is torn: ignore it
            try:
                entry = json.loads(line)
                journal = cls._take(journal, path, entry)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # not a line this export wrote: ignored
        return journal

    @classmethod
    def _take(cls, journal: Journal | None, path: Path, entry: dict[str, Any]) -> Journal | None:
        kind = entry.get("kind")
        if kind == "export":
            return cls(path, int(entry["campaign_id"]), int(entry["draft_id"]))
        if journal is None:
            return None
        if kind == "letter":
            reference, name = str(entry["reference"]), str(entry["file"])
            journal.done[reference] = name
            if isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str):
                journal.written[reference] = WrittenLetter(name, entry["size"], entry["sha256"])
        elif kind == "combined":
            journal.combined = str(entry["file"])
        elif kind == "dispatched":
            journal.dispatched = True
        return journal

    def append(self, entries: Iterable[dict[str, object]]) -> None:
        lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def trusted(self, out_dir: Path, reference: str, filename: str) -> bool:
        """True only if the journal's line for `reference` names the very file this export
        writes for it, as a plain file in `out_dir`, with the size and SHA-256 recorded.

        A journal is a file anyone can edit: a line naming another path (``../desk.db``),
        another member's letter, or a file changed since, never counts as a letter sent."""
        record = self.written.get(reference)
        if record is None or record.file != filename or Path(filename).name != filename:
            return False
        path = out_dir / filename
        try:
            info = path.lstat()
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or info.st_size != record.size:
            return False
        return file_digest(path) == record.sha256


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _letter_entry(out_dir: Path, m: MemberLetter) -> dict[str, object]:
    path = out_dir / m.filename
    return {
        "kind": "letter",
        "reference": m.reference,
        "file": m.filename,
        "size": path.stat().st_size,
        "sha256": file_digest(path),
    }


def _open_journal(out_dir: Path, campaign_id: int, draft_id: int, resume: bool) -> Journal:
    if (out_dir / JOURNAL_NAME).is_symlink():  # appending would write wherever it leads
        raise ExportRefused(f"{out_dir / JOURNAL_NAME} is a link, not a journal: remove it")
    found = Journal.read(out_dir)
    if found is not None:
        if found.campaign_id != campaign_id or found.draft_id != draft_id:
            raise ExportRefused(
                f"{out_dir} holds an export of campaign #{found.campaign_id} "
                f"(reply draft #{found.draft_id}); choose another folder"
            )
        if found.dispatched:
            raise ExportRefused(f"{out_dir} holds a finished export of this campaign")
        if not resume:
            raise ExportRefused(
                f"{out_dir} holds an unfinished export of this campaign "
                f"({len(found.done)} letters written): resume it, or choose another folder"
            )
        return found
    journal = Journal(out_dir / JOURNAL_NAME, campaign_id, draft_id)
    if journal.path.exists():  # unreadable journal: start it again
        journal.path.unlink()
    journal.append([{"kind": "export", "campaign_id": campaign_id, "draft_id": draft_id}])
    return journal


def _clear_stale_temps(out_dir: Path) -> None:
    for stale in out_dir.glob(".*.docx.*.tmp"):
        stale.unlink(missing_ok=True)


def combined_file_name(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-combined.docx"


# --- the use case --------------------------------------------------------------------------


def export_campaign(
    uow: UnitOfWorkFactory,
    campaign_id: int,
    out_dir: Path | str,
    *,
    resume: bool = False,
    channel: str = "post",
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    workers: int | None = None,
    today: dt.date | None = None,
    fast: bool = True,
) -> ExportResult:
    """Write one letter per open member and the combined print file, then mark the members
    dispatched. Cancelling stops after the letters in hand; ``resume=True`` carries on."""
    today = today or dt.date.today()
    if channel not in CHANNELS:
        raise ValidationError("Channel", f"choose one of {', '.join(CHANNELS)}")
    out = Path(out_dir).expanduser()
    _FRAMES.clear()  # frames carry their build time as the documents' creation time
    with uow.read() as work:
        s = work.session
        work.actor.require("send a campaign's letters", Role.OFFICER)
        draft = signed_off_reply(s, campaign_id)
        draft_id = draft.id
        letters, left_out = member_letters(s, campaign_id, today=today)
    previous = Journal.read(out) if out.is_dir() else None
    if previous is not None and previous.dispatched and previous.campaign_id == campaign_id:
        raise ExportRefused(f"{out} holds a finished export of this campaign")
    if not letters:
        raise ValidationError("Members", "the campaign has no open letters to answer")
    out.mkdir(parents=True, exist_ok=True)
    journal = _open_journal(out, campaign_id, draft_id, resume)
    _clear_stale_temps(out)

    total = len(letters)
    done_before = {m.reference for m in letters if journal.trusted(out, m.reference, m.filename)}
    pending = [m for m in letters if m.reference not in done_before]
    done = total - len(pending)
    if progress:
        progress(done, total, "")
    written = 0
    cancelled = False

    def record(batch: Sequence[MemberLetter]) -> None:
        nonlocal done, written
        journal.append(_letter_entry(out, m) for m in batch)
        done += len(batch)
        written += len(batch)
        if progress:
            progress(done, total, batch[-1].reference)

    chunks = [pending[i : i + CHUNK] for i in range(0, len(pending), CHUNK)]
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    # Workers asked for by number are used whatever the size; by default only when it pays.
    if n_workers <= 1 or (workers is None and len(pending) < IN_PROCESS_BELOW):
        for chunk in chunks:
            if should_cancel and should_cancel():
                cancelled = True
                break
            write_batch(out, [(m.filename, m.spec) for m in chunk], fast)
            record(chunk)
    else:
        cancelled = _write_in_workers(out, chunks, n_workers, fast, record, should_cancel)

    combined: str | None = None
    dispatched = 0
    if not cancelled:
        name = combined_file_name(campaign_id)
        data = combined_docx([m.spec for m in letters], fast=fast)
        from correspondence.documents.word import _write_atomically

        _write_atomically(out / name, data)
        journal.append([{"kind": "combined", "file": name}])
        combined = str(out / name)
        try:
            dispatched = _dispatch(uow, campaign_id, draft_id, letters, channel, today)
        except SQLAlchemyError as exc:
            from correspondence.db.health import storage_problem

            words = storage_problem(exc)
            if words is None:
                raise
            # Counted only once committed: no member is marked dispatched, and the report
            # says so rather than a number the database does not hold.
            raise ServiceError(
                f"The {total:,} letters are written in {out}, but no member could be marked "
                f"dispatched: {words}. Nothing was marked; once there is room, run the export "
                "again with resume to finish."
            ) from exc
        journal.append([{"kind": "dispatched", "count": dispatched, "on": today.isoformat()}])
    return ExportResult(
        campaign_id=campaign_id,
        out_dir=str(out),
        total=total,
        written=written,
        already_done=len(done_before),
        combined=combined,
        dispatched=dispatched,
        cancelled=cancelled,
        left_out=tuple(left_out),
    )


def _write_in_workers(
    out: Path,
    chunks: list[list[MemberLetter]],
    n_workers: int,
    fast: bool,
    record: Callable[[Sequence[MemberLetter]], None],
    should_cancel: ShouldCancel | None,
) -> bool:
    """Chunks to worker processes, recorded in order of completion; True if cancelled."""
    # "spawn": forking a process that runs Qt threads is unsafe.
    ctx = multiprocessing.get_context("spawn")
    cancelled = False
    with cf.ProcessPoolExecutor(
        n_workers, mp_context=ctx, initializer=guard_worker, initargs=(os.getpid(),)
    ) as pool:
        queue = list(reversed(chunks))
        running: dict[cf.Future[list[str]], list[MemberLetter]] = {}
        try:
            while queue or running:
                while queue and len(running) < n_workers * 2 and not cancelled:
                    chunk = queue.pop()
                    job = pool.submit(
                        _write_chunk, str(out), [(m.filename, m.spec) for m in chunk], fast
                    )
                    running[job] = chunk
                if not running:
                    break
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for job in finished:
                    chunk = running.pop(job)
                    job.result()  # a worker's error stops the export here
                    record(chunk)
                if should_cancel and should_cancel():
                    cancelled = True
                    queue.clear()
        except BaseException:
            for job in running:
                job.cancel()
            raise
    return cancelled


def _dispatch(
    uow: UnitOfWorkFactory,
    campaign_id: int,
    draft_id: int,
    letters: Sequence[MemberLetter],
    channel: str,
    today: dt.date,
) -> int:
    """Mark every member whose letter was written as dispatched, in one transaction."""
    files = {m.case_id: m.filename for m in letters}
    closed = {s.value for s in CLOSED_STATUSES}
    with uow.begin() as work:
        s, actor = work.session, work.actor
        draft = s.get(Draft, draft_id)
        assert draft is not None
        signed_on = draft.signed_off_at.date() if draft.signed_off_at else today
        moved: list[tuple[Case, str]] = []
        for case in s.scalars(
            select(Case).where(Case.campaign_id == campaign_id).order_by(Case.reference)
        ):
            if case.id not in files or case.status in closed:
                continue
            moved.append((case, case.status))
            case.status = CaseStatus.DISPATCHED
            case.signed_off_on = case.signed_off_on or signed_on
            case.signature_method = case.signature_method or draft.signature_method
            case.dispatched_on = today
            case.dispatch_channel = channel
        s.flush()
        reason = f"answered by the campaign reply (draft #{draft_id}); letter "
        rows: list[dict[str, Any]] = [
            {
                "entity": "case",
                "entity_id": case.id,
                "case_id": case.id,
                "action": "status",
                "field": "status",
                "old_value": old,
                "new_value": CaseStatus.DISPATCHED.value,
                "reason": reason + files[case.id],
            }
            for case, old in moved
        ]
        rows.append(
            {
                "entity": "campaign",
                "entity_id": campaign_id,
                "case_id": None,
                "action": "letters sent",
                "field": "",
                "old_value": "",
                "new_value": str(len(moved)),
                "reason": f"reply draft #{draft_id} exported and dispatched by {channel}",
            }
        )
        events.record_many(s, actor, rows)
    return len(moved)


class CampaignExport:
    """The export bound to a database and the person running it (for the UI and CLI)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def journal(self, out_dir: Path | str) -> Journal | None:
        return Journal.read(Path(out_dir))

    def run(
        self,
        campaign_id: int,
        out_dir: Path | str,
        *,
        resume: bool = False,
        channel: str = "post",
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        workers: int | None = None,
    ) -> ExportResult:
        return export_campaign(
            self.uow,
            campaign_id,
            out_dir,
            resume=resume,
            channel=channel,
            progress=progress,
            should_cancel=should_cancel,
            workers=workers,
            today=self.clock(),
        )
