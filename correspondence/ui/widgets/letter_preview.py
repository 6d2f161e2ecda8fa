"""A live preview laid out like the printed letter (the seed reply of 3 February 2009).

Everything from users is HTML-escaped, so "<b>" or "{{ x }}" typed in a paragraph shows as
typed; the preview is text on a page, never markup of the user's.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from correspondence.documents.letter_spec import LetterSpec, long_date
from correspondence.documents.textclean import clean_for_word

_DEPARTMENT_PREFIX = "department for "


def _t(text: str) -> str:
    """Escaped, Word-cleaned text with line breaks kept."""
    return escape(clean_for_word(text).strip()).replace("\n", "<br>")


def letter_html(spec: LetterSpec) -> str:
    """The letter as simple rich text QTextBrowser can lay out."""
    head = spec.letterhead
    parts: list[str] = [
        "<html><body style=\"font-family: Arial, 'Liberation Sans', sans-serif; "
        'font-size: 11pt; color: #111;">'
    ]
    if spec.draft:
        parts.append(
            '<p align="center" style="font-size: 30pt; font-weight: bold; color: #d9a0a0; '
            'letter-spacing: 12px; margin: 0;">DRAFT</p>'
        )
    contact = " ".join(
        p for p in (f"tel: {head.telephone}" if head.telephone else "", head.email) if p
    )
    parts.append(
        '<p align="right" style="margin-bottom: 0;">'
        f"<b>{_t(head.minister_name)}</b><br>{_t(head.minister_title)}</p>"
        '<p align="right" style="font-size: 8pt; margin-top: 6px;">'
        f"{_t(head.address)}<br>{_t(contact)}</p>"
    )
    parts.append(f'<p style="margin-top: 18px;">{_t(spec.reference)}</p>')
    parts.append(f"<p>{'<br>'.join(_t(line) for line in spec.addressee_lines)}</p>")
    date_text = long_date(spec.letter_date) if spec.letter_date else "[date]"
    parts.append(f"<p>{escape(date_text)}</p>")
    parts.append(f"<p>{_t(spec.salutation)}</p>")
    if spec.subject.strip():
        parts.append(f"<p><b>{_t(spec.subject.upper())}</b></p>")
    for paragraph in spec.paragraphs:
        if paragraph.number is None:
            parts.append(f'<p style="margin-bottom: 10px;">{_t(paragraph.text)}</p>')
        else:
            # A two-cell row gives the hanging indent of the printed numbered points.
            parts.append(
                '<table cellspacing="0" cellpadding="0" style="margin-bottom: 10px;"><tr>'
                f'<td width="28" valign="top">{paragraph.number}.</td>'
                f'<td valign="top">{_t(paragraph.text)}</td></tr></table>'
            )
    parts.append(f'<p style="margin-top: 14px;">{_t(spec.complimentary_close)}</p>')
    parts.append('<p style="margin-top: 46px;">' + _t(spec.signatory_name.upper()) + "</p>")
    department = clean_for_word(head.department).strip()
    if department.lower().startswith(_DEPARTMENT_PREFIX):
        cut = len(_DEPARTMENT_PREFIX)
        footer = f"{escape(department[: cut - 1])}<br><b>{escape(department[cut:])}</b>"
    else:
        footer = escape(department)
    parts.append(
        f'<p style="margin-top: 28px; font-size: 8pt; color: #444;">{footer}</p></body></html>'
    )
    return "".join(parts)


class LetterPreview(QTextBrowser):
    """Shows a LetterSpec as the letter will look; keeps the scroll position on updates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterPreview")
        self.setAccessibleName("Letter preview")
        self.setOpenLinks(False)
        self.setStyleSheet("QTextBrowser { background: white; padding: 18px; }")
        self.spec: LetterSpec | None = None

    def show_spec(self, spec: LetterSpec) -> None:
        self.spec = spec
        bar = self.verticalScrollBar()
        position = bar.value()
        self.setHtml(letter_html(spec))
        bar.setValue(position)

    def show_problem(self, message: str) -> None:
        self.spec = None
        self.setHtml(f'<p style="color: #a00;">The preview cannot be shown: {_t(message)}</p>')
