"""Word-level diffs between two versions of a line."""

from __future__ import annotations

from correspondence.documents.word_diff import (
    Segment,
    changed_words,
    diff_html,
    diff_text,
    word_diff,
)

OLD = "Lord Laming will report to me early this year and I shall publish a response."
NEW = "Lord Laming reported to me on 12 March and I have published a full response."


def _rebuild(segments: list[Segment], keep: str) -> str:
    return "".join(s.text for s in segments if s.kind in ("equal", keep))


def test_segments_rebuild_both_versions_exactly() -> None:
    segments = word_diff(OLD, NEW)
    assert _rebuild(segments, "delete") == OLD
    assert _rebuild(segments, "insert") == NEW


def test_changes_are_whole_words_and_unchanged_words_are_equal() -> None:
    segments = word_diff(OLD, NEW)
    deleted = " ".join(s.text for s in segments if s.kind == "delete")
    inserted = " ".join(s.text for s in segments if s.kind == "insert")
    assert "will report" in deleted and "early this year" in deleted
    assert "reported" in inserted and "12 March" in inserted and "full" in inserted
    assert segments[0] == Segment("equal", "Lord Laming ")


def test_identical_text_is_one_equal_segment() -> None:
    assert word_diff(OLD, OLD) == [Segment("equal", OLD)]
    assert changed_words(word_diff(OLD, OLD)) == 0


def test_empty_old_text_is_all_inserted() -> None:
    assert word_diff("", "New words") == [Segment("insert", "New words")]


def test_html_marks_deletions_and_insertions_and_escapes_text() -> None:
    html = diff_html(word_diff("Keep <b> & old", "Keep <b> & new"))
    assert "<del" in html and ">old</del>" in html
    assert "<ins" in html and ">new</ins>" in html
    assert "&lt;b&gt; &amp;" in html and "<b>" not in html


def test_text_form_for_the_terminal() -> None:
    assert diff_text(word_diff("a big dog", "a small dog")) == "a [-big-]{+small+} dog"
