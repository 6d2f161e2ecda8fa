"""Syntax colours for a standard line's Jinja: tags, variables, filters, comments."""

from __future__ import annotations

import re
from collections.abc import Collection

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from correspondence.documents.context import CONTEXT_VARIABLES

# Inside a tag: strings, filters (|name), dotted names and keywords.
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_FILTER = re.compile(r"\|\s*([A-Za-z_]\w*)")
_NAME = re.compile(r"(?<![\w.|'\"])([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)")
_KEYWORDS = frozenset(
    "if elif else endif for endfor in not and or is set endset true false none loop".split()
)
_NO_STATE, _IN_COMMENT = -1, 1


def _format(color: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class JinjaHighlighter(QSyntaxHighlighter):
    """Colours {{ }}, {% %} and {# #}; documented variables stand out from unknown ones."""

    def __init__(self, document: QTextDocument, known: Collection[str] = CONTEXT_VARIABLES) -> None:
        super().__init__(document)
        self.known = frozenset(known)
        self.delimiter = _format("#7a3e9d", bold=True)
        self.keyword = _format("#a31515", bold=True)
        self.variable = _format("#0451a5", bold=True)
        self.unknown = _format("#0451a5")
        self.unknown.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        self.filter = _format("#795e26", italic=True)
        self.string = _format("#067d17")
        self.comment = _format("#808080", italic=True)
        self.expression_bg = QColor("#f3f0fa")

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        start = 0
        # A {# comment #} may run over several lines.
        if self.previousBlockState() == _IN_COMMENT:
            end = text.find("#}")
            if end < 0:
                self.setFormat(0, len(text), self.comment)
                self.setCurrentBlockState(_IN_COMMENT)
                return
            self.setFormat(0, end + 2, self.comment)
            start = end + 2
        self.setCurrentBlockState(_NO_STATE)
        for match in _TAG.finditer(text, start):
            self._tag(match.start(), match.group(0))
        position = start
        while True:
            begin = text.find("{#", position)
            if begin < 0:
                break
            end = text.find("#}", begin + 2)
            if end < 0:
                self.setFormat(begin, len(text) - begin, self.comment)
                self.setCurrentBlockState(_IN_COMMENT)
                break
            self.setFormat(begin, end + 2 - begin, self.comment)
            position = end + 2

    def _tag(self, offset: int, tag: str) -> None:
        for i in range(len(tag)):
            fmt = self.format(offset + i)
            fmt.setBackground(self.expression_bg)
            self.setFormat(offset + i, 1, fmt)
        self._apply(offset, 2, self.delimiter)
        self._apply(offset + len(tag) - 2, 2, self.delimiter)
        inner = tag[2:-2]
        base = offset + 2
        strings = [(m.start(), m.end()) for m in _STRING.finditer(inner)]

        def in_string(pos: int) -> bool:
            return any(a <= pos < b for a, b in strings)

        for m in _NAME.finditer(inner):
            if in_string(m.start()):
                continue
            name = m.group(1)
            if name in _KEYWORDS:
                self._apply(base + m.start(1), len(name), self.keyword)
            elif name in self.known:
                self._apply(base + m.start(), m.end() - m.start(), self.variable)
            else:
                self._apply(base + m.start(), m.end() - m.start(), self.unknown)
        for m in _FILTER.finditer(inner):
            if not in_string(m.start()):
                self._apply(base + m.start(1), len(m.group(1)), self.filter)
        for a, b in strings:
            self._apply(base + a, b - a, self.string)

    def _apply(self, start: int, length: int, fmt: QTextCharFormat) -> None:
        """Set the colour but keep the tag's background."""
        merged = QTextCharFormat(fmt)
        merged.setBackground(self.expression_bg)
        self.setFormat(start, length, merged)
