"""Build Word (.docx) replies in the department's house style.

Page, fonts, paragraph styles and the footer come from the skeleton made by
``correspondence.templates.make_skeleton``; this module only adds paragraphs in
those styles, so the look of a letter is changed in one place. Every piece of
text passes through :func:`clean_for_word` first, because python-docx refuses
characters that XML cannot hold.
"""

from __future__ import annotations

import copy
import functools
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib.resources import files
from io import BytesIO
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from lxml import etree

from correspondence.documents.letter_spec import LetterSpec, long_date
from correspondence.documents.textclean import clean_for_word
from correspondence.templates.make_skeleton import REFERENCE_PLACEHOLDER, Style

SKELETON_NAME = "letter_skeleton.docx"
DRAFT_TEXT = "DRAFT"
UNDATED_TEXT = "[date]"
_DEPARTMENT_PREFIX = "department for "


class SkeletonMissingError(FileNotFoundError):
    """The letter skeleton is not installed or lacks the house styles."""


class UnreadableDocumentError(ValueError):
    """A file handed to :func:`letter_paragraph_texts` is not a readable .docx."""


def build_letter(spec: LetterSpec) -> DocxDocument:
    """Return the reply described by ``spec`` as an unsaved python-docx document."""
    doc = _open_skeleton()
    _set_page_furniture(doc.sections[0], spec.letterhead.department, spec.reference, spec.draft)
    _append_letter(doc, spec)
    _set_properties(doc, title=f"Reply {spec.reference}", author=spec.letterhead.department)
    return doc


def letter_bytes(spec: LetterSpec) -> bytes:
    return _document_bytes(build_letter(spec))


def write_letter(spec: LetterSpec, path: Path) -> Path:
    """Save the reply to ``path``, replacing any file there only once the new one is whole."""
    return _write_atomically(Path(path), letter_bytes(spec))


def check_combinable(specs: Sequence[LetterSpec]) -> None:
    """Refuse an empty print file, and drafts mixed with final letters: the DRAFT header
    covers every page, so they cannot share a file."""
    if not specs:
        raise ValueError("No letters to combine.")
    if len({spec.draft for spec in specs}) > 1:
        raise ValueError(
            "Cannot combine draft and final letters in one print file: "
            "every page of it would carry the same DRAFT marking (or none)."
        )


def combined_by_python_docx(specs: Sequence[LetterSpec]) -> bytes:
    """The print file built by python-docx: the reference the fast writer is checked
    against, and its fallback. Its time grows with the square of the letters (each new
    section walks every part, each paragraph scans the body): keep it to a few hundred."""
    check_combinable(specs)
    first = specs[0]
    doc = _open_skeleton()
    _set_page_furniture(doc.sections[0], first.letterhead.department, first.reference, first.draft)
    last: Paragraph | None = None
    for spec in specs:
        if last is not None:
            _start_next_letter(doc, last, spec)
        last = _append_letter(doc, spec)
    _set_properties(doc, title=print_file_title(specs), author=first.letterhead.department)
    return _document_bytes(doc)


def print_file_title(specs: Sequence[LetterSpec]) -> str:
    first = specs[0]
    return (
        f"Replies {first.reference} and {len(specs) - 1} more"
        if len(specs) > 1
        else f"Reply {first.reference}"
    )


def letter_paragraph_texts(path_or_bytes: Path | bytes) -> list[str]:
    """Every non-empty paragraph of a .docx body, tables included, in document order."""
    if isinstance(path_or_bytes, bytes | bytearray):
        data, name = bytes(path_or_bytes), "document"
    else:
        path = Path(path_or_bytes)
        data, name = path.read_bytes(), str(path)
    try:
        doc = docx.Document(BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.LxmlError) as exc:
        raise UnreadableDocumentError(f"{name} is not a readable Word document: {exc}") from exc
    return [text for text in _body_paragraph_texts(doc) if text.strip()]


# --- the letter itself -------------------------------------------------------------------


def _append_letter(doc: DocxDocument, spec: LetterSpec) -> Paragraph:
    """Add the letter's paragraphs to the end of ``doc``; return the last one."""
    styles = _Styles(doc)
    add = styles.add

    if spec.draft:
        add(Style.DRAFT_MARKING, DRAFT_TEXT)

    head = spec.letterhead
    add(Style.LETTERHEAD_NAME, head.minister_name)
    add(Style.LETTERHEAD_TITLE, head.minister_title)
    add(Style.LETTERHEAD_ADDRESS, head.address)
    contact = " ".join(
        part for part in (f"tel: {head.telephone}" if head.telephone else "", head.email) if part
    )
    add(Style.LETTERHEAD_ADDRESS, contact)

    add(Style.REFERENCE, spec.reference)
    for line in spec.addressee_lines:
        add(Style.ADDRESSEE, line)
    add(Style.LETTER_DATE, long_date(spec.letter_date) if spec.letter_date else UNDATED_TEXT)
    add(Style.SALUTATION, spec.salutation)
    add(Style.SUBJECT, spec.subject.upper())

    for paragraph in spec.paragraphs:
        if paragraph.number is None:
            add(Style.LETTER_BODY, paragraph.text)
        else:
            add(Style.NUMBERED_POINT, paragraph.text, prefix=f"{paragraph.number}.\t")

    add(Style.COMPLIMENTARY_CLOSE, spec.complimentary_close)
    last = add(Style.SIGNATURE_SPACE, "", keep_empty=True)
    if spec.signature_image and last is not None:
        _add_signature(last, spec.signature_image)
    last = add(Style.SIGNATORY, spec.signatory_name.upper()) or last
    for index, line in enumerate(spec.cc_lines):
        last = add(Style.COPY_LIST, line, prefix="cc\t" if index == 0 else "\t") or last
    assert last is not None
    return last


def _add_signature(paragraph: Paragraph, image: bytes) -> None:
    """The signatory's signature image in the signature space, 1.5 cm high."""
    try:
        paragraph.add_run().add_picture(BytesIO(image), height=Cm(1.5))
    except Exception as exc:  # noqa: BLE001 - python-docx raises several kinds for bad images
        raise ValueError(f"The signature image cannot be placed in the letter: {exc}") from exc


class _Styles:
    """Adds cleaned paragraphs in the skeleton's styles, looking each style up once."""

    def __init__(self, doc: DocxDocument) -> None:
        self._doc = doc
        self._ids: dict[str, str] = {}

    def add(
        self, style_name: str, text: str, *, prefix: str = "", keep_empty: bool = False
    ) -> Paragraph | None:
        """Add ``prefix`` + cleaned ``text`` as a paragraph.

        A blank line of the spec adds nothing unless ``keep_empty``.
        """
        # Outer whitespace is never wanted on a letter's line, and would show as a stray
        # blank line when it was a newline.
        text = clean_for_word(text).strip()
        if not keep_empty and not text:
            return None
        style_id = self._ids.get(style_name)
        if style_id is None:
            style_id = self._ids[style_name] = self._doc.styles[style_name].style_id
        paragraph = self._doc.add_paragraph(prefix + text)
        # Setting the id directly: python-docx's style setter scans every style each time,
        # which was most of the build time.
        paragraph._p.style = style_id
        return paragraph


def _start_next_letter(doc: DocxDocument, last: Paragraph, spec: LetterSpec) -> None:
    """End the letter whose last paragraph is ``last`` with a section break, so the next
    one starts on a new page with its own first-page furniture and page numbers from 1."""
    doc.add_section(WD_SECTION.NEW_PAGE)
    # python-docx puts the break in an empty paragraph of its own; move it into the letter's
    # last line, so no blank paragraph can push an extra page out.
    holder = doc.element.body.xpath("./w:p[last()]")[0]
    sect_pr = holder.pPr.sectPr
    last._p.get_or_add_pPr().append(sect_pr)
    holder.getparent().remove(holder)
    # The letter just ended keeps the furniture (its break is a copy of the old last
    # section); the new last section starts with none and gets a copy of it.
    previous, section = doc.sections[-2], doc.sections[-1]
    for part in ("header", "footer", "first_page_header", "first_page_footer"):
        mine, theirs = getattr(section, part), getattr(previous, part)
        mine.is_linked_to_previous = False
        element = mine._element
        for child in list(element):
            element.remove(child)
        for child in theirs._element:
            element.append(copy.deepcopy(child))
    _set_reference(section, spec.reference)


def _set_page_furniture(section: Section, department: str, reference: str, draft: bool) -> None:
    footer = _only_paragraph(section.first_page_footer.paragraphs)
    _clear_runs(footer)
    department = clean_for_word(department).strip()
    # The departmental logotype: "department for" over the rest of the name in bold.
    if department.lower().startswith(_DEPARTMENT_PREFIX):
        footer.add_run(department[: len(_DEPARTMENT_PREFIX) - 1]).add_break()
        footer.add_run(department[len(_DEPARTMENT_PREFIX) :]).bold = True
    else:
        footer.add_run(department)

    # The DRAFT slot heads every page; later pages then name the letter and the page.
    for header in (section.first_page_header, section.header):
        slot = _only_paragraph(header.paragraphs)
        _clear_runs(slot)
        if draft:
            slot.add_run(DRAFT_TEXT)
    _set_reference(section, reference)


def _set_reference(section: Section, reference: str) -> None:
    """Show ``reference`` as the continuation header's reference field (Word recomputes it
    from the letter's Reference paragraph; other programs show this text)."""
    shown = _field_result(section.header._element, "STYLEREF")
    if shown is None:
        raise SkeletonMissingError(f"The {SKELETON_NAME} continuation header has no reference.")
    shown.text = clean_for_word(reference).strip() or REFERENCE_PLACEHOLDER


def _field_result(element: etree._Element, instruction: str) -> etree._Element | None:
    """The first ``w:t`` a field shows (between its separate and end marks)."""
    in_field = showing = False
    for node in element.iter(qn("w:instrText"), qn("w:fldChar"), qn("w:t")):
        if node.tag == qn("w:instrText"):
            in_field = in_field or instruction in (node.text or "")
        elif node.tag == qn("w:fldChar"):
            kind = node.get(qn("w:fldCharType"))
            showing = in_field and kind == "separate"
            if kind == "end":
                in_field = showing = False
        elif showing:
            return node
    return None


def _only_paragraph(paragraphs: list[Paragraph]) -> Paragraph:
    if not paragraphs:
        raise SkeletonMissingError(f"The {SKELETON_NAME} header or footer has no paragraph.")
    return paragraphs[0]


def _clear_runs(paragraph: Paragraph) -> None:
    for run in paragraph._p.xpath("./w:r"):
        paragraph._p.remove(run)


def _set_properties(doc: DocxDocument, *, title: str, author: str) -> None:
    props = doc.core_properties
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # python-docx writes it as UTC
    props.title = clean_for_word(title)
    props.author = props.last_modified_by = clean_for_word(author)
    props.comments = ""
    props.created = props.modified = now
    props.revision = 1


# --- skeleton, saving and reading back -----------------------------------------------------


def _open_skeleton() -> DocxDocument:
    return docx.Document(BytesIO(_skeleton_bytes()))


@functools.cache
def _skeleton_bytes() -> bytes:
    """The skeleton's bytes, read and checked once per process."""
    resource = files("correspondence.templates") / SKELETON_NAME
    regenerate = "run `python -m correspondence.templates.make_skeleton` to regenerate it"
    try:
        data = resource.read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise SkeletonMissingError(
            f"The Word letter skeleton {SKELETON_NAME} is missing from correspondence/templates; "
            f"{regenerate}."
        ) from exc
    try:
        doc = docx.Document(BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise SkeletonMissingError(
            f"The Word letter skeleton is damaged ({exc}); {regenerate}."
        ) from exc
    names = {style.name for style in doc.styles}
    missing = [name for name in Style.ALL if name not in names]
    if missing:
        raise SkeletonMissingError(
            f"The Word letter skeleton lacks the styles {', '.join(missing)}; {regenerate}."
        )
    return data


def _document_bytes(doc: DocxDocument) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private to us; a letter should be as readable as any document.
        os.chmod(temp_name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def _body_paragraph_texts(doc: DocxDocument) -> Iterator[str]:
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, doc).text
        elif child.tag != qn("w:sectPr"):
            # Tables (nested ones too) and content controls: their paragraphs in order.
            for p in child.iter(qn("w:p")):
                yield Paragraph(p, doc).text
