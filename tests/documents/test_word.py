"""The Word reply builder: read the .docx back and check what a reader would see."""

from __future__ import annotations

import dataclasses
import os
import re
import time
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image as PILImage

from correspondence.documents import word
from correspondence.documents.fast_word import combined_letters
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec, long_date
from correspondence.documents.textclean import clean_for_word
from correspondence.documents.word import (
    SkeletonMissingError,
    UnreadableDocumentError,
    build_letter,
    letter_bytes,
    letter_paragraph_texts,
    write_letter,
)
from correspondence.templates.make_skeleton import SKELETON_PATH, build_skeleton


def _open(path: Path) -> DocxDocument:
    return docx.Document(str(path))


def _styled_paragraphs(doc: DocxDocument) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.text.strip()]


def _header_footer_texts(doc: DocxDocument) -> str:
    parts = []
    for section in doc.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def saved_seed_letter(seed_letter: LetterSpec, tmp_path: Path) -> Path:
    return write_letter(seed_letter, tmp_path / "reply.docx")


# --- page and fonts ------------------------------------------------------------------------


def test_page_is_a4_with_departmental_margins(saved_seed_letter: Path) -> None:
    section = _open(saved_seed_letter).sections[0]
    assert section.page_width.mm == pytest.approx(210, abs=0.5)
    assert section.page_height.mm == pytest.approx(297, abs=0.5)
    assert section.left_margin.mm == pytest.approx(25, abs=1)
    assert section.right_margin.mm == pytest.approx(25, abs=1)
    assert section.top_margin.mm == pytest.approx(20, abs=1)
    assert section.bottom_margin.mm == pytest.approx(20, abs=1)


def test_normal_style_is_arial_12_for_every_script(saved_seed_letter: Path) -> None:
    normal = _open(saved_seed_letter).styles["Normal"]
    assert normal.font.name == "Arial"
    assert normal.font.size == Pt(12)
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert rfonts.get(qn(attr)) == "Arial", attr


def test_body_text_inherits_arial_rather_than_setting_it_run_by_run(
    saved_seed_letter: Path,
) -> None:
    # Direct run fonts would defeat the styles a private office edits in Word.
    doc = _open(saved_seed_letter)
    assert all(run.font.name is None for p in doc.paragraphs for run in p.runs)


def test_body_and_addressee_spacing(saved_seed_letter: Path) -> None:
    styles = _open(saved_seed_letter).styles
    assert styles["Letter Body"].paragraph_format.space_after == Pt(12)
    assert styles["Addressee"].paragraph_format.space_after == Pt(0)


# --- content and order -----------------------------------------------------------------------


def test_paragraphs_appear_in_order_in_house_styles(saved_seed_letter: Path) -> None:
    got = _styled_paragraphs(_open(saved_seed_letter))
    assert got[:11] == [
        ("Letterhead Name", "Rt Hon Ed Balls MP"),
        ("Letterhead Title", "Secretary of State"),
        (
            "Letterhead Address",
            "Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT",
        ),
        ("Letterhead Address", "tel: 0870 0012345 dcsf.ministers@dcsf.gsi.gov.uk"),
        ("Reference", "2009/0007948POSoS"),
        ("Addressee", "Rt Hon Tessa Jowell MP"),
        ("Addressee", "House of Commons"),
        ("Addressee", "London"),
        ("Addressee", "SW1A 0AA"),
        ("Letter Date", "3 February 2009"),
        ("Letter Salutation", "Dear Tessa"),
    ]
    assert [style for style, _ in got[11:16]] == [
        "Letter Body",
        "Letter Body",
        "Numbered Point",
        "Numbered Point",
        "Numbered Point",
    ]
    assert got[16:] == [
        ("Complimentary Close", "Yours sincerely"),
        ("Signatory", "ED BALLS MP"),
    ]


def test_numbered_points_are_number_tab_text(saved_seed_letter: Path) -> None:
    texts = letter_paragraph_texts(saved_seed_letter)
    numbered = [t for t in texts if re.match(r"\d+\.\t", t)]
    assert [t.split("\t")[0] for t in numbered] == ["1.", "2.", "3."]
    assert " ".join(numbered[0].split()).startswith("1. The NSPCC rightly draw attention")


def test_numbered_point_has_hanging_indent_with_tab_at_the_indent(
    saved_seed_letter: Path,
) -> None:
    fmt = _open(saved_seed_letter).styles["Numbered Point"].paragraph_format
    assert fmt.left_indent > 0
    assert fmt.first_line_indent == -fmt.left_indent
    assert [stop.position for stop in fmt.tab_stops] == [fmt.left_indent]


def test_signature_space_sits_between_close_and_signatory(saved_seed_letter: Path) -> None:
    doc = _open(saved_seed_letter)
    styles = [p.style.name for p in doc.paragraphs]
    close = styles.index("Complimentary Close")
    assert styles[close + 1 : close + 3] == ["Signature Space", "Signatory"]
    space = doc.styles["Signature Space"].paragraph_format.space_after
    assert space is not None and space >= Pt(24)


def test_department_is_in_the_first_page_footer(saved_seed_letter: Path) -> None:
    section = _open(saved_seed_letter).sections[0]
    assert section.different_first_page_header_footer
    footer = section.first_page_footer
    assert not footer.is_linked_to_previous
    text = " ".join(" ".join(p.text for p in footer.paragraphs).split())
    assert text == "department for children, schools and families"


def test_subject_is_a_bold_capital_heading_after_the_salutation(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    spec = dataclasses.replace(seed_letter, subject="Progress report on safeguarding")
    doc = _open(write_letter(spec, tmp_path / "subject.docx"))
    got = _styled_paragraphs(doc)
    at = got.index(("Letter Salutation", "Dear Tessa"))
    assert got[at + 1] == ("Subject", "PROGRESS REPORT ON SAFEGUARDING")
    assert doc.styles["Subject"].font.bold is True


def test_no_subject_paragraph_when_there_is_no_subject(saved_seed_letter: Path) -> None:
    assert "Subject" not in [p.style.name for p in _open(saved_seed_letter).paragraphs]


def test_copy_recipients_follow_the_signatory(seed_letter: LetterSpec, tmp_path: Path) -> None:
    spec = dataclasses.replace(seed_letter, cc_lines=("Lord Laming", "Beverley Hughes MP"))
    texts = letter_paragraph_texts(letter_bytes(spec))
    assert texts[-3:] == ["ED BALLS MP", "cc\tLord Laming", "\tBeverley Hughes MP"]


def test_core_properties_name_the_reply_and_the_department(saved_seed_letter: Path) -> None:
    props = _open(saved_seed_letter).core_properties
    assert props.title == "Reply 2009/0007948POSoS"
    assert props.author == "department for children, schools and families"


# --- draft marking ---------------------------------------------------------------------------


def test_draft_is_marked_at_the_top_and_in_every_page_header(
    draft_letter: LetterSpec, tmp_path: Path
) -> None:
    doc = _open(write_letter(draft_letter, tmp_path / "draft.docx"))
    first = doc.paragraphs[0]
    assert (first.style.name, first.text) == ("Draft Marking", "DRAFT")
    for section in doc.sections:
        assert "DRAFT" in [p.text for p in section.header.paragraphs]


def test_undated_draft_prints_a_date_placeholder(draft_letter: LetterSpec) -> None:
    doc = build_letter(draft_letter)
    dates = [p.text for p in doc.paragraphs if p.style.name == "Letter Date"]
    assert dates == ["[date]"]


def test_continuation_pages_carry_the_reference_and_the_page_number(
    saved_seed_letter: Path, seed_letter: LetterSpec
) -> None:
    header = _open(saved_seed_letter).sections[0].header
    line = header.paragraphs[-1]
    assert line.style.name == "Continuation Header"
    assert line.text == f"{seed_letter.reference}\t\tPage 2"
    instructions = " ".join(t.text for t in line._p.iter(qn("w:instrText")))
    assert 'STYLEREF "Reference"' in instructions and "PAGE" in instructions


def test_numbered_points_keep_their_lines_together(saved_seed_letter: Path) -> None:
    styles = _open(saved_seed_letter).styles
    point = styles["Numbered Point"].paragraph_format
    assert point.keep_together and point.widow_control
    assert styles["Letter Body"].paragraph_format.widow_control


def test_final_letter_has_no_draft_marking_anywhere(saved_seed_letter: Path) -> None:
    doc = _open(saved_seed_letter)
    assert not any("DRAFT" in text for text in letter_paragraph_texts(saved_seed_letter))
    assert "DRAFT" not in _header_footer_texts(doc)


# --- hostile text ----------------------------------------------------------------------------


def test_control_characters_are_removed_and_the_file_still_opens(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    spec = dataclasses.replace(
        seed_letter,
        addressee_lines=("Rt Hon Tessa\x00 Jowell MP", "House of\x1b Commons", "London\x07"),
        paragraphs=(
            BodyParagraph("Bell\x07 and escape\x1b removed\ufffe."),
            BodyParagraph("Null\x00 byte\x0bhere.", number=1),
        ),
        salutation="Dear Tessa\x0c",
    )
    path = write_letter(spec, tmp_path / "controls.docx")
    texts = letter_paragraph_texts(path)
    assert "Rt Hon Tessa Jowell MP" in texts
    assert "House of Commons" in texts
    assert "London" in texts
    assert "Bell and escape removed." in texts
    assert "Dear Tessa" in texts  # the form feed at the end leaves no stray line
    # A vertical tab or form feed is a line break to the person who typed it.
    assert "1.\tNull byte\nhere." in texts
    for text in texts:
        assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in text), repr(text)


def test_markup_characters_and_quotes_survive(seed_letter: LetterSpec) -> None:
    body = 'Barnardo\'s & the NSPCC said "<b>no</b>" \u2018twice\u2019 at 5 > 3.'
    spec = dataclasses.replace(seed_letter, paragraphs=(BodyParagraph(body),))
    assert body in letter_paragraph_texts(letter_bytes(spec))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("line\r\nnext\rlast", "line\nnext\nlast"),
        ("page\x0cbreak\x0bvt", "page\nbreak\nvt"),
        ("tab\tkept\nnewline kept", "tab\tkept\nnewline kept"),
        ("\ufffe\uffffbad\ud800", "bad"),
        ("£73million – Climbié", "£73million – Climbié"),
        ("", ""),
    ],
)
def test_clean_for_word(raw: str, clean: str) -> None:
    assert clean_for_word(raw) == clean


def test_long_date_has_no_leading_zero_or_ordinal() -> None:
    assert long_date(date(2009, 2, 3)) == "3 February 2009"
    assert long_date(date(2008, 11, 17)) == "17 November 2008"


# --- saving ----------------------------------------------------------------------------------


def test_write_letter_leaves_only_the_letter_in_the_directory(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    path = write_letter(seed_letter, tmp_path / "reply.docx")
    assert path == tmp_path / "reply.docx"
    assert sorted(os.listdir(tmp_path)) == ["reply.docx"]


def test_write_letter_replaces_an_existing_file_whole(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    path = tmp_path / "reply.docx"
    long_spec = dataclasses.replace(
        seed_letter, paragraphs=seed_letter.paragraphs * 20, salutation="Dear Minister"
    )
    write_letter(long_spec, path)
    write_letter(seed_letter, path)
    assert path.read_bytes()[:2] == b"PK"
    texts = letter_paragraph_texts(path)
    assert "Dear Tessa" in texts and "Dear Minister" not in texts
    assert sorted(os.listdir(tmp_path)) == ["reply.docx"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
    seed_letter: LetterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_letter(seed_letter, tmp_path / "reply.docx")
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    draft = dataclasses.replace(seed_letter, draft=True)
    with pytest.raises(OSError, match="disk pulled out"):
        write_letter(draft, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["reply.docx"]


def test_combined_letters_start_each_letter_on_a_new_page(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    names = ["Tessa", "Mr Brown", "Ms Okafor"]
    specs = [
        dataclasses.replace(seed_letter, salutation=f"Dear {name}", reference=f"2009/000{n}MC")
        for n, name in enumerate(names)
    ]
    path = combined_letters(specs, tmp_path / "campaign.docx")
    doc = _open(path)
    salutations = [p.text for p in doc.paragraphs if p.style.name == "Letter Salutation"]
    assert salutations == [f"Dear {name}" for name in names]
    # Each letter is a section: it starts a page, has its own first-page furniture, and
    # its pages count from 1 under its own reference.
    breaks = doc.element.body.xpath("./w:p/w:pPr/w:sectPr")
    assert len(breaks) == len(names) - 1 and len(doc.sections) == len(names)
    # Each break closes a letter: the paragraph holding it is that letter's signatory.
    for sect_pr in breaks:
        assert sect_pr.getparent().getparent().style == "Signatory"
    for section, spec in zip(doc.sections, specs, strict=True):
        assert section.different_first_page_header_footer
        assert section.first_page_footer.paragraphs[0].text.startswith("department for")
        assert section.header.paragraphs[-1].text == f"{spec.reference}\t\tPage 2"
        assert section._sectPr.xpath("./w:pgNumType/@w:start") == ["1"]
    assert sorted(os.listdir(tmp_path)) == ["campaign.docx"]


def test_a_print_file_of_signed_letters_carries_each_signature(
    seed_letter: LetterSpec, tmp_path: Path
) -> None:
    buffer = BytesIO()
    PILImage.new("RGB", (120, 40), "white").save(buffer, "PNG")
    signed = dataclasses.replace(seed_letter, signature_image=buffer.getvalue())
    specs = [signed, dataclasses.replace(signed, reference="2009/0001234MPSoS")]
    doc = _open(combined_letters(specs, tmp_path / "signed.docx"))
    assert len(doc.inline_shapes) == 2 and len(doc.sections) == 2
    assert [s.header.paragraphs[-1].text.split("\t")[0] for s in doc.sections] == [
        seed_letter.reference,
        "2009/0001234MPSoS",
    ]


def test_combined_letters_refuses_to_mix_drafts_and_finals(
    seed_letter: LetterSpec, draft_letter: LetterSpec, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="draft and final"):
        combined_letters([seed_letter, draft_letter], tmp_path / "mixed.docx")
    with pytest.raises(ValueError, match="No letters"):
        combined_letters([], tmp_path / "empty.docx")
    assert not list(tmp_path.iterdir())


def test_a_letter_builds_and_saves_quickly(seed_letter: LetterSpec, tmp_path: Path) -> None:
    write_letter(seed_letter, tmp_path / "warm.docx")
    started = time.perf_counter()
    for index in range(20):
        write_letter(seed_letter, tmp_path / f"reply-{index}.docx")
    per_letter = (time.perf_counter() - started) / 20
    # About 15 ms here; a generous bound so only a lost skeleton cache or similar trips it.
    assert per_letter < 0.15


# --- reading back and the skeleton ------------------------------------------------------


def test_reading_back_includes_table_text_in_order(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("Before")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Left cell"
    table.cell(0, 1).text = "Right cell"
    doc.add_paragraph("")
    doc.add_paragraph("After")
    buffer = BytesIO()
    doc.save(buffer)
    assert letter_paragraph_texts(buffer.getvalue()) == [
        "Before",
        "Left cell",
        "Right cell",
        "After",
    ]


def test_reading_a_file_that_is_not_a_docx_names_the_file(tmp_path: Path) -> None:
    bogus = tmp_path / "letter.docx"
    bogus.write_bytes(b"%PDF-1.4 not a word file")
    with pytest.raises(UnreadableDocumentError, match="letter.docx"):
        letter_paragraph_texts(bogus)


@pytest.fixture
def fresh_skeleton_cache() -> object:
    word._skeleton_bytes.cache_clear()
    yield
    word._skeleton_bytes.cache_clear()


@pytest.mark.usefixtures("fresh_skeleton_cache")
def test_missing_skeleton_gives_a_clear_message(
    seed_letter: LetterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(word, "files", lambda package: tmp_path)
    with pytest.raises(SkeletonMissingError, match="make_skeleton"):
        build_letter(seed_letter)


@pytest.mark.usefixtures("fresh_skeleton_cache")
def test_skeleton_without_house_styles_is_refused(
    seed_letter: LetterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docx.Document().save(str(tmp_path / word.SKELETON_NAME))
    monkeypatch.setattr(word, "files", lambda package: tmp_path)
    with pytest.raises(SkeletonMissingError, match="Letterhead Name"):
        build_letter(seed_letter)


def test_committed_skeleton_matches_its_generator() -> None:
    # Fails when make_skeleton.py was changed but the .docx was not regenerated.
    committed = docx.Document(str(SKELETON_PATH))
    fresh = build_skeleton()
    assert committed.styles.element.xml == fresh.styles.element.xml
    assert committed.sections[0]._sectPr.xml == fresh.sections[0]._sectPr.xml
