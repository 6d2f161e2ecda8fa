"""The fast Word writer gives the document python-docx gives, for letters it never saw built.

A frame is built once, from the first letter of a letterhead; every later letter written into
it must read back exactly as python-docx would have written it.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import docx

from correspondence.documents import fast_word
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.template_reads import MISSING, paths_read, value_at
from correspondence.documents.word import (
    combined_by_python_docx,
    letter_bytes,
    letter_paragraph_texts,
)

_STAMPS = re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: _STAMPS.sub("", z.read(n).decode("utf-8")) for n in z.namelist()}


def _awkward(seed_letter: LetterSpec) -> LetterSpec:
    """Another member's letter: markup characters, tabs, line breaks, edge spaces, Welsh."""
    return dataclasses.replace(
        seed_letter,
        reference="2009/0000042 & <Co>",
        addressee_lines=("Mr Dafydd O'Brien & <Sons>", "Heol y Siân\tUned 2", "Caerdydd"),
        salutation="Dear Mr O'Brien",
        paragraphs=(
            BodyParagraph("  Leading and trailing spaces kept.  "),
            BodyParagraph("One line\nand the next, in one paragraph."),
            BodyParagraph("Numbered & escaped: <b>not bold</b>", number=1),
        ),
    )


def test_a_letter_written_into_another_letters_frame_equals_python_docx(
    seed_letter: LetterSpec,
) -> None:
    fast_word.clear_frames()
    fast_word.letter_docx(seed_letter)  # builds the frame from the seed letter
    other = _awkward(seed_letter)
    assert fast_word.frame_for(other).ok
    fast, slow = fast_word.letter_docx(other), letter_bytes(other)
    assert _parts(fast) == _parts(slow)
    assert letter_paragraph_texts(fast) == letter_paragraph_texts(slow)
    texts = [p.text for p in docx.Document(io.BytesIO(fast)).paragraphs]
    assert any("Mr Dafydd O'Brien & <Sons>" in t for t in texts)
    assert "Numbered & escaped: <b>not bold</b>" in " ".join(texts)


def test_draft_letters_get_a_frame_of_their_own(draft_letter: LetterSpec) -> None:
    fast_word.clear_frames()
    final = dataclasses.replace(draft_letter, draft=False)
    fast_word.letter_docx(final)
    other = dataclasses.replace(_awkward(draft_letter), draft=True, letter_date=None)
    assert fast_word.frame_for(other) is not fast_word.frame_for(final)
    assert fast_word.frame_for(other).ok
    assert _parts(fast_word.letter_docx(other)) == _parts(letter_bytes(other))


def test_paths_read_are_what_a_line_reads_from_the_context() -> None:
    body = "{{ correspondent.title }} {{ case.summary|lower }}: {{ constituents|length }} {{ x }}"
    assert paths_read(body) == (
        ("case", "summary"),
        ("constituents",),
        ("correspondent", "title"),
        ("x",),
    )
    assert paths_read("{% if case.reference %}{{ 1 + }}") is None  # rendering says what is wrong


def test_value_at_follows_a_path_and_says_when_it_is_missing() -> None:
    class Case:
        summary = "school funding"

    mapping: dict[str, object] = {"case": Case()}
    assert value_at(mapping, ("case", "summary")) == "school funding"
    assert value_at(mapping, ("case", "reference")) is MISSING
    assert value_at(mapping, ("campaign", "name")) is MISSING


_SECTIONS = re.compile(r"<w:sectPr[ >].*?</w:sectPr>")


def _furniture(data: bytes) -> list[tuple[object, ...]]:
    """What each section of a print file shows around its letter, as python-docx reads it."""
    document = docx.Document(io.BytesIO(data))
    return [
        (
            section.different_first_page_header_footer,
            tuple(section._sectPr.xpath("./w:pgNumType/@w:start")),
            section.page_width,
            section.page_height,
            section.top_margin,
            [p.text for p in section.first_page_header.paragraphs],
            [p.text for p in section.first_page_footer.paragraphs],
            [p.text for p in section.header.paragraphs],
            [p.text for p in section.footer.paragraphs],
        )
        for section in document.sections
    ]


def test_the_print_file_written_fast_reads_as_python_docx_writes_it(
    seed_letter: LetterSpec, draft_letter: LetterSpec
) -> None:
    fast_word.clear_frames()
    for first in (seed_letter, draft_letter):
        specs = [
            first,
            dataclasses.replace(_awkward(first), draft=first.draft),
            dataclasses.replace(first, reference="2009/0001234MPSoS", salutation="Dear Mr Brown"),
        ]
        assert fast_word.frame_for(first).print_ok
        fast, slow = fast_word.combined_docx(specs), combined_by_python_docx(specs)
        # The same paragraphs; the section breaks differ only in which parts they name.
        fast_parts, slow_parts = _parts(fast), _parts(slow)
        assert _SECTIONS.sub("", fast_parts["word/document.xml"]) == _SECTIONS.sub(
            "", slow_parts["word/document.xml"]
        )
        assert fast_parts["docProps/core.xml"] == slow_parts["docProps/core.xml"]
        assert letter_paragraph_texts(fast) == letter_paragraph_texts(slow)
        furniture = _furniture(fast)
        assert furniture == _furniture(slow)
        # Each letter is a section numbering its own pages under its own reference.
        assert [f[7][-1].split("\t")[0] for f in furniture] == [s.reference for s in specs]
        assert all(f[0] and f[1] == ("1",) for f in furniture)
        # One part a letter for its continuation header; the rest are shared.
        headers = [n for n in fast_parts if n.startswith("word/header")]
        assert len(headers) == len(specs) + 1
        assert len([n for n in slow_parts if n.startswith("word/header")]) == 2 * len(specs)


def test_a_print_file_of_one_letter_is_that_letter(seed_letter: LetterSpec) -> None:
    fast_word.clear_frames()
    fast = _parts(fast_word.combined_docx([seed_letter]))
    slow = _parts(letter_bytes(seed_letter))
    assert fast == slow
