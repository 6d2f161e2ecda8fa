"""Word-level differences between two versions of a line.

Lines are paragraphs of prose, so a character diff is noisy and a line diff says
nothing; words (with the spaces between them kept as tokens) read like tracked changes.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Segment", "SegmentKind", "word_diff", "diff_html", "diff_text", "changed_words"]

SegmentKind = Literal["equal", "insert", "delete"]
_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _merge(segments: Iterable[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if merged and merged[-1].kind == seg.kind:
            merged[-1] = Segment(seg.kind, merged[-1].text + seg.text)
        else:
            merged.append(seg)
    return merged


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that rebuild `old` (equal + delete) and `new` (equal + insert), in order."""
    a, b = _tokens(old), _tokens(new)
    # autojunk off: short paragraphs repeat "the" and spaces often enough to be junked.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(out)


def changed_words(segments: Sequence[Segment]) -> int:
    """How many words were inserted or deleted: a quick measure of how big a change is."""
    return sum(len(s.text.split()) for s in segments if s.kind != "equal")


_DEL_STYLE = "background-color:#fbe0e0; color:#8b0000; text-decoration:line-through;"
_INS_STYLE = "background-color:#dcf5dc; color:#0b5d1e; text-decoration:none;"


def diff_html(segments: Sequence[Segment]) -> str:
    """The diff as HTML with <del>/<ins>, styled inline so Qt's rich text shows it."""
    parts: list[str] = []
    for seg in segments:
        text = html.escape(seg.text).replace("\n", "<br>")
        if seg.kind == "delete":
            parts.append(f'<del style="{_DEL_STYLE}">{text}</del>')
        elif seg.kind == "insert":
            parts.append(f'<ins style="{_INS_STYLE}">{text}</ins>')
        else:
            parts.append(text)
    return "".join(parts)


def diff_text(segments: Sequence[Segment]) -> str:
    """The diff for a terminal: [-deleted-] and {+inserted+}, as `git diff --word-diff`."""
    parts: list[str] = []
    for seg in segments:
        if seg.kind == "delete":
            parts.append(f"[-{seg.text}-]")
        elif seg.kind == "insert":
            parts.append(f"{{+{seg.text}+}}")
        else:
            parts.append(seg.text)
    return "".join(parts)
