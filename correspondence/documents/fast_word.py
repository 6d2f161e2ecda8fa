"""Word letters written fast: python-docx's layout, serialised by hand into a frame built once.

python-docx takes ~18-30 ms to build and save one letter. Here each distinct page frame
(letterhead, DRAFT marking) is built once by python-docx; a letter's body is laid out by
``documents.word``'s own layout code against a recording stand-in document and serialised
exactly as python-docx would write it, then zipped with the frame's other parts. The fast
output is checked against python-docx at run time (the frame's own letter must serialise
identically, else ``letter_docx`` falls back to python-docx) and in
tests/db/test_campaign_export.py.

The print file is written the same way: every letter's body is appended as text, each letter
ends with a section break copied from the frame's, and each letter's continuation header is a
part of its own naming its reference. python-docx took quadratic time for this (every new
section walked all parts; every paragraph scanned the body), 808 s for 1,000 letters.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

from correspondence.documents.letter_spec import LetterSpec
from correspondence.documents.textclean import clean_for_word
from correspondence.templates.make_skeleton import REFERENCE_PLACEHOLDER

_HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"


class _Para:
    """Stands in for python-docx's Paragraph (and its run) while word.py lays a letter out."""

    __slots__ = ("text", "style", "section_break")

    def __init__(self, text: str) -> None:
        self.text = text
        self.style = ""
        self.section_break = ""  # a w:sectPr ending the letter this paragraph closes

    @property
    def _p(self) -> _Para:  # word.py sets ``paragraph._p.style = style_id``
        return self

    def add_run(self) -> _Para:
        return self


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
    return f'<w:p><w:pPr><w:pStyle w:val="{p.style}"/>{p.section_break}</w:pPr>{run}</w:p>'


class Frame:
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
        body = self.body_xml(spec)
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
        self.print_ok = self.ok and self._find_section()

    def _find_section(self) -> bool:
        """Find the body's section properties and the continuation header's relationship,
        which each letter of a print file repeats with a header of its own."""
        rels = self.parts["word/_rels/document.xml.rels"].decode("utf-8")
        target = self.header_name.removeprefix("word/")
        ids = re.findall(rf'Id="(rId\d+)" Type="[^"]+/header" Target="{target}"', rels)
        sections = re.findall(r"<w:sectPr[ >].*?</w:sectPr>", self.suffix)
        if len(ids) != 1 or len(sections) != 1:
            return False
        self.header_ref = f'r:id="{ids[0]}"'
        self.section = sections[0]
        numbers = [int(n) for n in re.findall(r'Id="rId(\d+)"', rels)]
        self.next_rid = max(numbers) + 1
        parts = re.findall(r"word/(?:header|footer)(\d+)\.xml", " ".join(self.names))
        self.next_part = max(int(n) for n in parts) + 1
        return (
            self.section.count(self.header_ref) == 1
            and 'w:pgNumType w:start="1"' in self.section
            and "<w:titlePg/>" in self.section
            and "</Relationships>" in rels
            and "</Types>" in self.parts["[Content_Types].xml"].decode("utf-8")
        )

    def body_xml(self, spec: LetterSpec, section_break: str = "") -> str:
        """The letter's paragraphs; ``section_break`` ends its last one."""
        rec = _LayoutRecorder(self.style_ids)
        # The recorder stands in for a Document, and so gives back its own paragraphs.
        last = self.word._append_letter(rec, spec)  # type: ignore[arg-type]
        last.section_break = section_break  # type: ignore[attr-defined]
        return "".join(_paragraph_xml(p) for p in rec.paragraphs)

    def header_xml(self, reference: str) -> bytes:
        """The continuation header naming ``reference`` (Word recomputes it from the
        letter's Reference paragraph; other programs show this text)."""
        shown = escape(clean_for_word(reference).strip() or REFERENCE_PLACEHOLDER)
        return f"{self.header_head}>{shown}</w:t>{self.header_tail}".encode()

    def print_file(self, specs: Sequence[LetterSpec]) -> bytes:
        """Every letter in one document, each a section of its own: a new page, the frame's
        first-page furniture, page numbers from 1 and its reference over its later pages.
        Linear in the letters: the body and the new parts are appended as text."""
        body: list[str] = []
        headers: dict[str, bytes] = {}
        rels: list[str] = []
        types: list[str] = []
        section = ""
        for index, spec in enumerate(specs):
            if index == 0:  # the frame's own continuation header serves the first letter
                name, ref = self.header_name, self.header_ref
            else:
                name = f"word/header{self.next_part + index - 1}.xml"
                rid = f"rId{self.next_rid + index - 1}"
                ref = f'r:id="{rid}"'
                rels.append(f'<Relationship Id="{rid}" Type="{_HEADER_REL}" Target="{name[5:]}"/>')
                types.append(f'<Override PartName="/{name}" ContentType="{_HEADER_TYPE}"/>')
            headers[name] = self.header_xml(spec.reference)
            # The last letter's section is the body's own, at its end.
            section = self.section.replace(self.header_ref, ref)
            body.append(self.body_xml(spec, section if index < len(specs) - 1 else ""))
        suffix = self.suffix.replace(self.section, section)
        title = escape(clean_for_word(self.word.print_file_title(specs)))
        core = f"{self.core_head}<dc:title>{title}</dc:title>{self.core_tail}"
        changed = {
            "word/document.xml": (self.prefix + "".join(body) + suffix).encode("utf-8"),
            "docProps/core.xml": core.encode(),
            "word/_rels/document.xml.rels": self._text("word/_rels/document.xml.rels")
            .replace("</Relationships>", "".join(rels) + "</Relationships>")
            .encode("utf-8"),
            "[Content_Types].xml": self._text("[Content_Types].xml")
            .replace("</Types>", "".join(types) + "</Types>")
            .encode("utf-8"),
            **headers,
        }
        names = self.names + [n for n in headers if n not in self.parts]
        buffer = BytesIO()
        # zipfile rather than _ZipTemplate: one file an export, and it may need ZIP64 (a
        # header part a letter passes the 65,535 entries of a plain zip).
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                z.writestr(name, changed.get(name, self.parts.get(name, b"")))
        return buffer.getvalue()

    def _text(self, name: str) -> str:
        return self.parts[name].decode("utf-8")

    def docx(self, spec: LetterSpec) -> bytes:
        """One member's letter."""
        document = self.prefix + self.body_xml(spec) + self.suffix
        title = escape(clean_for_word(f"Reply {spec.reference}"))
        core = f"{self.core_head}<dc:title>{title}</dc:title>{self.core_tail}"
        return self.zip.build(
            {
                "word/document.xml": document.encode("utf-8"),
                "docProps/core.xml": core.encode(),
                self.header_name: self.header_xml(spec.reference),
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


_FRAMES: dict[tuple[str, bool], Frame] = {}


def clear_frames() -> None:
    """Forget the frames built so far: each carries its build time as the documents'
    creation time, so an export starts with frames of its own."""
    _FRAMES.clear()


def frame_for(spec: LetterSpec) -> Frame:
    """The frame a letter is written into, built by python-docx on first use."""
    key = (spec.letterhead.department, spec.draft)
    frame = _FRAMES.get(key)
    if frame is None:
        frame = _FRAMES[key] = Frame(spec)
    return frame


def letter_docx(spec: LetterSpec, *, fast: bool = True) -> bytes:
    """One letter's .docx bytes: the fast path when it is proven for this frame."""
    if fast and not spec.signature_image:  # a frame has no image part to hold one
        frame = frame_for(spec)
        if frame.ok:
            return frame.docx(spec)
    from correspondence.documents.word import letter_bytes

    return letter_bytes(spec)


def combined_docx(specs: Sequence[LetterSpec], *, fast: bool = True) -> bytes:
    """The print file's bytes: every letter, each a section starting on a new page.

    The fast path when it is proven for the first letter's frame; else python-docx, whose
    time grows with the square of the letters."""
    from correspondence.documents import word

    word.check_combinable(specs)
    if fast and not any(spec.signature_image for spec in specs):
        frame = frame_for(specs[0])
        if frame.print_ok:
            return frame.print_file(specs)
    return word.combined_by_python_docx(specs)


def combined_letters(specs: Iterable[LetterSpec], path: Path) -> Path:
    """Save several replies as one document for printing, each starting on a new page.

    Each letter is a section of its own: its first page has the department's footer, its
    later pages its reference and page number, counted from 1.
    """
    from correspondence.documents.word import _write_atomically

    return _write_atomically(Path(path), combined_docx(list(specs)))
