"""A case's subject phrase reads inside "Thank you for your letter about …"."""

from __future__ import annotations

import pytest

from correspondence.domain.subject_phrase import phrase_for, propose


@pytest.mark.parametrize(
    ("summary", "phrase"),
    [
        ("Shortage of health visitors", "the shortage of health visitors"),
        ("Serious case reviews", "serious case reviews"),
        (
            "NSPCC campaign letter after the death of Baby P",
            "NSPCC campaign letter after the death of Baby P",
        ),
        ("Baby P and the Haringey case", "Baby P and the Haringey case"),
        (
            "  Closure of the Wexcombe children's centre. ",
            "the closure of the Wexcombe children's centre",
        ),
        ("The smacking defence", "the smacking defence"),
        ("", ""),
    ],
)
def test_a_summary_becomes_a_phrase_in_sentence_case(summary: str, phrase: str) -> None:
    assert propose(summary) == phrase


def test_a_phrase_someone_set_wins_over_the_summary() -> None:
    assert phrase_for("health visiting in Wexcombe", "Shortage of health visitors") == (
        "health visiting in Wexcombe"
    )
    assert phrase_for("  ", "Shortage of health visitors") == "the shortage of health visitors"
