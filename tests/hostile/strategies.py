"""Hypothesis settings and strategies shared by the property tests of hostile input.

Kept apart from corpus.py so the corpus (a script, and used by the import benchmark)
needs no hypothesis."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FAST = settings(
    max_examples=40,
    deadline=None,  # the shared CI machine decides timings; the tests assert their bounds
    database=None,  # nothing written into the worktree
    suppress_health_check=[HealthCheck.too_slow],
)
# Text Word can hold: no control characters, no lone surrogates.
WORD_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=60,
)
