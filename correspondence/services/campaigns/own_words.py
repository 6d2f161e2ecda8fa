"""Campaign letters that carry casework of their own: the member's words not in the campaign.

Pure algorithm, no database. bench/bench_own_words.py measures it on a generated bag with
planted paragraphs. The method:

1. Body. The letter between its salutation and its sign-off (for an MP's covering letter
   around an enclosed copy, the enclosure's), as paragraphs of sentences.
2. Align. Each member sentence is looked for in the canonical letter: the same words, or a
   close match (rapidfuzz ratio over the lowercase words, so typos do not matter), or found
   inside the canonical text (a sentence split in two or two joined). The canonical's own
   sentences that a member leaves out (dropped sentences) never count.
3. Blocks. Runs of sentences not found in the campaign are candidate own words. A block is
   own words when it has at least ``MIN_WORDS`` words and is not only pleasantries ("I look
   forward to your reply"). A one-line opener or sign-off is the writer's furniture, not
   their casework, unless that one line names their child, a person, a place or a date.
4. Substance. Casework names something: a question for the department, a person or place
   (a capitalised word the campaign letter does not use), a date or number, or a child or
   service of the writer's ("my grandson", "my social worker"). A block of feeling or of who
   the writer is ("I feel very strongly about this issue", "my husband and I are foster
   carers") is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

MIN_WORDS = 12  # a block shorter than this is a remark, not a situation or a question
SENTENCE_RATIO = 80.0  # rapidfuzz ratio of a sentence to its closest campaign sentence
INSIDE_RATIO = 88.0  # partial ratio: a fragment or a join of campaign sentences
MIN_JUDGED_WORDS = 3  # "Thank you." is too short to be anybody's own words
MAX_EXCERPT = 600

_SALUTATION = re.compile(r"^\s*dear\b[^\n]{0,60}$", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly|ever|respectfully)|yours|"
    r"(?:with\s+)?(?:best|kind|warm)\s+(?:wishes|regards)|regards|many\s+thanks|thanks)"
    r"[\s,.!]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PLEASANTRY = re.compile(
    r"look(?:ing)? forward|thank(?:s| you)|grateful for (?:a|your) (?:reply|response)|"
    r"(?:hear|hearing) from you|i am writing|i write|please (?:reply|respond)|"
    r"your (?:reply|response)|earliest convenience|your time|read(?:ing)? (?:my|this) letter|"
    r"hope you will|best wishes|kind regards",
    re.IGNORECASE,
)
_LONG_LINE_WORDS = 6
_CAPITALISED = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]+|[A-Z]{2,})\b")
_FAMILY = re.compile(
    r"\bmy\s+(?:own\s+)?(?:\w+\s+)?(?:son|daughter|grandson|granddaughter|child|children|baby|"
    r"nephew|niece|stepson|stepdaughter|grandchild|grandchildren|social\s+worker|council|gp|"
    r"doctor|health\s+visitor)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    words: tuple[str, ...]
    paragraph: int


def body_sentences(text: str) -> list[Sentence]:
    """The sentences of a letter's body, without address, date, salutation or sign-off."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    salutations = [i for i, line in enumerate(lines) if _SALUTATION.match(line)]
    # After the last salutation: an enclosed letter's body, not the MP's covering note.
    start = salutations[-1] + 1 if salutations else 0
    end = len(lines)
    for i in range(start, len(lines)):
        if len(lines[i]) < 40 and _SIGN_OFF.match(lines[i]):
            end = i
            break
    segment = lines[start:end]
    if not salutations:
        # No "Dear …": skip the address and date lines above the first real line.
        while segment and len(segment[0].split()) < _LONG_LINE_WORDS:
            segment = segment[1:]
    out: list[Sentence] = []
    paragraph: list[str] = []
    number = 0

    def flush() -> None:
        nonlocal number
        joined = " ".join(" ".join(paragraph).split())
        paragraph.clear()
        if not joined:
            return
        for piece in _SENTENCE_END.split(joined):
            piece = piece.strip()
            if piece:
                out.append(Sentence(piece, tuple(_WORD.findall(piece.lower())), number))
        number += 1

    for line in segment:
        if line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    return out


class CampaignText:
    """The canonical letter prepared once, to look many members' sentences up in."""

    def __init__(self, canonical_text: str) -> None:
        sentences = body_sentences(canonical_text)
        self.keys = [" ".join(s.words) for s in sentences if s.words]
        self.exact = set(self.keys)
        self.whole = " ".join(self.keys)
        self.vocabulary = {w for key in self.keys for w in key.split()}

    def contains(self, sentence: Sentence) -> bool:
        key = " ".join(sentence.words)
        if key in self.exact:
            return True
        if not self.keys:
            return False
        best = process.extractOne(key, self.keys, scorer=fuzz.ratio)
        if best is not None and best[1] >= SENTENCE_RATIO:
            return True
        return fuzz.partial_ratio(key, self.whole) >= INSIDE_RATIO


@dataclass(frozen=True)
class OwnWords:
    """A passage a member wrote that the campaign letter does not have."""

    text: str
    words: int
    sentences: int


def _is_pleasantry(block: Sequence[Sentence]) -> bool:
    return all(_PLEASANTRY.search(s.text) for s in block)


def _has_substance(
    block: Sequence[Sentence], campaign: CampaignText, *, questions: bool = True
) -> bool:
    """A question, a name or place the campaign does not use, a number, or a child of theirs."""
    for s in block:
        text = s.text
        if questions and text.rstrip("\"'”’)").endswith("?"):
            return True
        if any(ch.isdigit() for ch in text):
            return True
        if _FAMILY.search(text):
            return True
        for match in _CAPITALISED.finditer(text):
            word = match.group(1)
            if word != "I" and word.lower() not in campaign.vocabulary:
                return True
    return False


def find_own_words(campaign: CampaignText | str, letter_text: str) -> list[OwnWords]:
    """The passages of `letter_text` that are the writer's own words, in reading order."""
    if isinstance(campaign, str):
        campaign = CampaignText(campaign)
    sentences = body_sentences(letter_text)
    found = [len(s.words) >= MIN_JUDGED_WORDS and not campaign.contains(s) for s in sentences]
    blocks: list[tuple[int, int]] = []  # [start, end) runs of sentences not in the campaign
    i = 0
    while i < len(sentences):
        if not found[i]:
            i += 1
            continue
        j = i
        while j < len(sentences) and found[j]:
            j += 1
        blocks.append((i, j))
        i = j
    out: list[OwnWords] = []
    for start, end in blocks:
        block = sentences[start:end]
        words = sum(len(s.words) for s in block)
        at_edge = start == 0 or end == len(sentences)
        if words < MIN_WORDS or _is_pleasantry(block) or not _has_substance(block, campaign):
            continue
        # One line opening or closing the letter is furniture, unless it names a child, a
        # person, a place or a date of the writer's own (a question alone is not enough:
        # "What will the Government do?" closes many a campaign letter).
        if at_edge and len(block) == 1 and not _has_substance(block, campaign, questions=False):
            continue
        out.append(OwnWords(_excerpt(block), words, len(block)))
    return out


def _excerpt(block: Sequence[Sentence]) -> str:
    parts: list[str] = []
    for s in block:
        if parts and s.paragraph != block[block.index(s) - 1].paragraph:
            parts.append("\n\n" + s.text)
        else:
            parts.append((" " if parts else "") + s.text)
    text = "".join(parts)
    if len(text) > MAX_EXCERPT:
        text = text[: MAX_EXCERPT - 1].rstrip() + "…"
    return text
