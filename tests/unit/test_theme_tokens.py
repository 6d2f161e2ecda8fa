"""The theme suggester reads a letter into the same terms, in the same order, as the plain
word-by-word reading it replaced: every fixture letter, the benchmark's letters and
generated text."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from correspondence.documents.errors import ExtractionError
from correspondence.documents.extract import extract
from correspondence.services.triage import theme_model
from correspondence.services.triage.theme_model import STOP_WORDS, stem, tokenize

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def reference(text: str) -> tuple[list[tuple[str, int]], list[object], list[object]]:
    """The reading as it was: one match, one check and one count at a time."""
    terms: Counter[str] = Counter()
    seq: list[tuple[str, str] | None] = []
    pairs: list[str | None] = []
    prev: str | None = None
    for m in _WORD.finditer(text.lower().translate(_QUOTES)):
        raw = m.group(0)
        if raw in STOP_WORDS or raw.isdigit() or len(raw) < 2:
            if seq and seq[-1] is not None:
                seq.append(None)
                pairs.append(None)
            prev = None
            continue
        s = stem(raw)
        terms[s] += 1
        seq.append((s, raw))
        pairs.append(None)
        if prev is not None:
            bigram = f"{prev} {s}"
            terms[bigram] += 1
            pairs[-2] = bigram
        prev = s
    return list(terms.items()), list(seq), list(pairs)


def read(text: str) -> tuple[list[tuple[str, int]], list[object], list[object]]:
    toks = tokenize(text)
    return list(toks.terms.items()), list(toks.seq), list(toks.pairs)


def fixture_texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix.lower() == ".md":
            out.append((path.name, path.read_text(encoding="utf-8")))
        elif path.suffix.lower() in {".eml", ".txt", ".docx", ".pdf"}:
            try:
                got = extract(path.name, path.read_bytes(), ocr=False)
            except ExtractionError:
                continue  # a fixture that is damaged on purpose
            out.append((path.name, got.text))
    return out


def test_every_fixture_letter_reads_into_the_same_terms_in_the_same_order() -> None:
    texts = fixture_texts()
    assert len(texts) >= 30
    for name, text in texts:
        assert read(text) == reference(text), name
        assert read(text) == reference(text), f"{name}, read a second time"


TOPICS = (
    "the closure of Elmfield Children's Centre and what the council knew",
    "social work caseloads, recruitment and training after the task force",
    "court fees for care proceedings and delays at the family court",
    "the vetting scheme and school volunteers\u2019 checks, 2009-10",
    "Ofsted inspection of children\u2019s services in 12 authorities",
)


def test_letters_like_an_office_s_post_read_into_the_same_terms() -> None:
    rng = random.Random(3)
    for i in range(300):
        topic = rng.choice(TOPICS)
        text = (
            f"Dear Secretary of State\n\nI am writing about {topic}. "
            + " ".join(rng.sample(TOPICS, 2))
            + f". Letter number {i}; café, naïve.\n\nYours sincerely\n\nAsha Pryce MP\n"
        )
        assert read(text) == reference(text)


WORDS = st.sampled_from(
    [
        "the", "Children's", "children\u2019s", "\u2018quoted\u2019", "school", "schools",
        "SCHOOLS", "2009", "a", "I", "x", "care_proceedings", "o'neill", "it's", "'", "café",
        "naïve", "İstanbul", "straße", "ǅ", "12th", "dear", "Sincerely", "funding", "funded",
        "\n\n", ", ", ". ", "-", "—", "  ",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=60))
def test_generated_text_reads_into_the_same_terms(parts: list[str]) -> None:
    text = " ".join(parts)
    assert read(text) == reference(text)


def test_the_words_remembered_stay_bounded() -> None:
    for i in range(theme_model._READ_MAX + 500):
        tokenize(f"word{i}x")
    assert len(theme_model._READ) <= theme_model._READ_MAX
    assert read("word3x schools") == reference("word3x schools")
