"""The line editor: Jinja with colours, a live preview against a real case, problems inline."""

from __future__ import annotations

import html

from PySide6.QtCore import QStringListModel, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from correspondence.documents.context import CONTEXT_DOC, LineContext
from correspondence.documents.rendering import TemplateProblem
from correspondence.services.errors import ServiceError
from correspondence.services.lines.library import CaseChoice, Library, Preview
from correspondence.ui.widgets.jinja_highlighter import JinjaHighlighter

PREVIEW_DELAY_MS = 250
SAMPLE_LABEL = "Sample letter (invented): an MP forwarding two constituents' NSPCC letters"
_PROBLEM_LINE = QColor("#fde2e2")
_KIND_LABEL = {
    "syntax": "Syntax error",
    "undefined": "Unknown variable",
    "security": "Not allowed",
    "runtime": "Cannot fill in",
}


class LineEditor(QWidget):
    """Edits one version's text; `preview_updated` fires after each (debounced) render."""

    preview_updated = Signal(object)  # Preview
    body_changed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.case: CaseChoice | None = None
        self._context: LineContext = library.context(None)
        self.preview: Preview | None = None
        self._matches: dict[str, CaseChoice] = {}

        # --- what the line is (only editable for a new line) ---
        self.key = QLineEdit()
        self.key.setObjectName("lineKey")
        self.key.setPlaceholderText("lowercase-with-hyphens, e.g. scr-review-panels")
        self.title = QLineEdit()
        self.title.setObjectName("lineTitle")
        self.title.setPlaceholderText("what the line says, in a few words")
        self.themes = QLineEdit()
        self.themes.setObjectName("lineThemes")
        self.themes.setPlaceholderText("theme codes, e.g. SCR, LAMING")
        codes = [t.code for t in library.themes()]
        self.themes.setToolTip("Theme codes: " + ", ".join(codes))
        self.numbered = QCheckBox("Printed as a numbered point")
        self.heading = QLabel()
        self.heading.setObjectName("editorHeading")
        self.heading.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Key", self.key)
        form.addRow("&Title", self.title)
        form.addRow("T&hemes", self.themes)
        form.addRow("", self.numbered)
        self.meta = QWidget()
        self.meta.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)

        # --- the text ---
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("lineBody")
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(10)
        self.editor.setFont(font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.setPlaceholderText(
            "Write the paragraph. Use {{ correspondent.salutation_name }} and the other "
            "variables listed on the right; {% if campaign %}…{% endif %} for wording that "
            "depends on the letter."
        )
        self.highlighter = JinjaHighlighter(self.editor.document())
        self.problems = QListWidget()
        self.problems.setObjectName("lineProblems")
        self.problems.setMaximumHeight(120)
        self.problems.setWordWrap(True)
        self.problems.itemActivated.connect(self._go_to_problem)
        self.problems.itemClicked.connect(self._go_to_problem)
        self.status = QLabel()
        self.status.setObjectName("problemSummary")
        self.status.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.meta)
        body_label = QLabel("Te&xt (Jinja template)")
        body_label.setBuddy(self.editor)
        left_layout.addWidget(body_label)
        left_layout.addWidget(self.editor, 3)
        left_layout.addWidget(self.status)
        left_layout.addWidget(self.problems)

        # --- the preview against a case ---
        self.case_search = QLineEdit()
        self.case_search.setObjectName("previewCase")
        self.case_search.setPlaceholderText("Case reference or correspondent, then Enter")
        self.case_search.setClearButtonEnabled(True)
        self._case_model = QStringListModel(self)
        completer = QCompleter(self._case_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._completion_chosen)
        self.case_search.setCompleter(completer)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._search_cases)
        self.case_search.textEdited.connect(lambda _t: self._search_timer.start())
        self.case_search.returnPressed.connect(self._choose_typed_case)
        self.sample_button = QPushButton("Sample")
        self.sample_button.setToolTip("Preview against the invented sample letter")
        self.sample_button.clicked.connect(lambda: self.set_case(None))
        self.case_label = QLabel(SAMPLE_LABEL)
        self.case_label.setObjectName("previewCaseLabel")
        self.case_label.setWordWrap(True)
        self.rendered = QTextBrowser()
        self.rendered.setObjectName("linePreview")
        self.rendered.setMinimumHeight(120)
        self.help = QTextBrowser()
        self.help.setObjectName("contextHelp")
        self.help.setOpenLinks(False)
        self.help.setHtml(_help_html())
        self.help.anchorClicked.connect(self._insert_variable)
        self.help.setToolTip("Click a variable to insert it at the cursor")

        picker = QHBoxLayout()
        picker.addWidget(self.case_search, 1)
        picker.addWidget(self.sample_button)
        preview_box = QGroupBox("&Preview")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addLayout(picker)
        preview_layout.addWidget(self.case_label)
        preview_layout.addWidget(self.rendered, 1)
        help_box = QGroupBox("Variables a line may use")
        help_layout = QVBoxLayout(help_box)
        help_layout.addWidget(self.help)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(preview_box)
        right.addWidget(help_box)
        right.setSizes([300, 260])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([500, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self.editor.textChanged.connect(self._text_changed)
        self.refresh_preview()

    # --- content ---------------------------------------------------------------------
    def body(self) -> str:
        return self.editor.toPlainText()

    def set_body(self, text: str, *, read_only: bool = False, heading: str = "") -> None:
        """Load a text; the undo history starts afresh unless the text is the one being edited."""
        self.heading.setText(heading)
        self.heading.setVisible(bool(heading))
        if text == self.body() and read_only == self.editor.isReadOnly() and text:
            return  # just saved: keep the cursor and the undo history
        self.editor.setPlainText(text)
        self.editor.document().clearUndoRedoStacks()
        self.editor.document().setModified(False)
        self.editor.setReadOnly(read_only)
        self.refresh_preview()

    def set_new_line_mode(self, new: bool) -> None:
        """Key, title, themes and numbering are asked for only when a line is created."""
        self.meta.setVisible(new)
        if new:
            for field in (self.key, self.title, self.themes):
                field.clear()
            self.numbered.setChecked(False)

    def theme_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.themes.text().replace(";", ",").split(",") if c]

    # --- the case to preview against --------------------------------------------------
    def set_case(self, case: CaseChoice | None) -> None:
        try:
            self._context = self.library.context(case.id if case else None)
        except ServiceError as exc:
            self.case_label.setText(f"Cannot preview against that case: {exc}")
            return
        self.case = case
        self.case_label.setText(case.label if case else SAMPLE_LABEL)
        if case is None:
            self.case_search.clear()
        self.refresh_preview()

    def _search_cases(self) -> None:
        try:
            found = self.library.search_cases(self.case_search.text())
        except ServiceError:
            found = []
        self._matches = {c.label: c for c in found}
        self._case_model.setStringList(list(self._matches))

    def _completion_chosen(self, label: str) -> None:
        choice = self._matches.get(label)
        if choice is not None:
            self.set_case(choice)
            self.case_search.setText(choice.reference)

    def _choose_typed_case(self) -> None:
        text = self.case_search.text().strip()
        if not text:
            self.set_case(None)
            return
        if text in self._matches:
            self._completion_chosen(text)
            return
        try:
            self.set_case(self.library.find_case(text))
            return
        except ServiceError:
            pass
        found = self.library.search_cases(text, limit=1)
        if found:
            self.set_case(found[0])
        else:
            self.case_label.setText(f"No case matches {text!r}")

    # --- preview and problems ---------------------------------------------------------
    def _text_changed(self) -> None:
        self.body_changed.emit()
        self._timer.start()

    def refresh_preview(self) -> None:
        self._timer.stop()
        body = self.body()
        if not body.strip():
            self.preview = None
            self.rendered.setHtml("<p style='color:#666'>Nothing to preview yet.</p>")
            self._show_problems(())
            self.preview_updated.emit(None)
            return
        self.preview = self.library.preview(body, self._context)
        if self.preview.text is not None:
            self.rendered.setHtml(f"<p>{html.escape(self.preview.text)}</p>")
        else:
            self.rendered.setHtml(
                "<p style='color:#8b0000'>The line cannot be rendered until the problems "
                "below are fixed.</p>"
            )
        self._show_problems(self.preview.problems)
        self.preview_updated.emit(self.preview)

    def _show_problems(self, problems: tuple[TemplateProblem, ...]) -> None:
        self.problems.clear()
        selections: list[QTextEdit.ExtraSelection] = []
        for problem in problems:
            label = _KIND_LABEL.get(problem.kind, problem.kind)
            where = f"line {problem.line}: " if problem.line else ""
            item = QListWidgetItem(f"{label} — {where}{problem.message}")
            item.setData(Qt.ItemDataRole.UserRole, (problem.line, problem.column))
            item.setForeground(QColor("#8b0000"))
            self.problems.addItem(item)
            if problem.line:
                selections.append(self._line_selection(problem.line, problem.column))
        self.editor.setExtraSelections(selections)
        self.problems.setVisible(bool(problems))
        if problems:
            count = len(problems)
            self.status.setText(
                f"<span style='color:#8b0000'><b>{count} problem{'s' if count > 1 else ''}</b>"
                " — a version with problems cannot be submitted.</span>"
            )
        else:
            self.status.setText("<span style='color:#0b5d1e'>No problems found.</span>")

    def _line_selection(self, line: int, column: int | None) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(_PROBLEM_LINE)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.format = fmt
        block = self.editor.document().findBlockByNumber(line - 1)
        cursor = QTextCursor(block)
        if column:
            cursor.setPosition(block.position() + min(column - 1, max(block.length() - 1, 0)))
        selection.cursor = cursor
        return selection

    def problem_lines(self) -> list[int]:
        """Editor lines (1-based) marked as holding a problem."""
        return sorted({s.cursor.blockNumber() + 1 for s in self.editor.extraSelections()})

    def _go_to_problem(self, item: QListWidgetItem) -> None:
        line, column = item.data(Qt.ItemDataRole.UserRole)
        if not line:
            return
        block = self.editor.document().findBlockByNumber(line - 1)
        cursor = QTextCursor(block)
        if column:
            cursor.setPosition(block.position() + min(column - 1, max(block.length() - 1, 0)))
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    # --- help ------------------------------------------------------------------------
    def _insert_variable(self, url: QUrl) -> None:
        name = url.toString().removeprefix("var:")
        if not name or self.editor.isReadOnly():
            return
        self.editor.insertPlainText(f"{{{{ {name} }}}}")
        self.editor.setFocus()


def _help_html() -> str:
    rows = []
    for name, text in CONTEXT_DOC.items():
        indent = "&nbsp;&nbsp;&nbsp;" if "." in name else ""
        rows.append(
            f"<tr><td width='50%'>{indent}<a href='var:{name}'>{name}</a></td>"
            f"<td>{html.escape(text)}</td></tr>"
        )
    rows.append(
        "<tr><td><b>|longdate</b></td><td>filter: a date as '3 February 2009', e.g. "
        "{{ letter_date|longdate }}</td></tr>"
    )
    rows.append(
        "<tr><td><b>|plural(n)</b></td><td>filter: {{ 'constituent'|plural(constituents|length) }}"
        "</td></tr>"
    )
    return (
        "<p style='color:#555'>Click a name to insert it. A misspelt name is an error, "
        "never a blank.</p><table width='100%' cellspacing='0' cellpadding='3'>"
        + "".join(rows)
        + "</table>"
    )
