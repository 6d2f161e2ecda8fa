"""Log a letter by hand: the date stamp, who wrote (and for whom), what it is about.

Validation happens in the service; its ValidationError names the field, and the
dialog shows the message under that field and puts the cursor there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.cases import NewConstituent, NewCorrespondent
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.intake import log_letter as svc
from correspondence.services.intake.intake import Intake
from correspondence.services.intake.log_letter import LetterForm, LoggedCase, ThemeHint
from correspondence.services.people.correspondents import KIND_LABELS, CorrespondentChoice
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.triage_view import theme_label

CHANNELS = (("post", "Post"), ("email", "Email"), ("phone", "Phone note"))
PRIORITIES = (("normal", "Normal"), ("high", "High"), ("urgent", "Urgent"))
CONSTITUENT_COLUMNS = ("Title", "First name", "Last name", "Postcode")
ERROR_STYLE = "color: #b3261e; background: #fde2e1; font-weight: 600;"
STOP_STYLE = (
    "background: #b3261e; color: white; font-weight: 700; padding: 6px; border-radius: 3px;"
)
# Kinds offered for a new correspondent, in the order an officer meets them.
NEW_KINDS = (
    CorrespondentKind.PUBLIC,
    CorrespondentKind.MP,
    CorrespondentKind.PEER,
    CorrespondentKind.ORGANISATION,
)


class LogLetterDialog(QDialog):
    def __init__(self, intake: Intake, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intake = intake
        self.logged: LoggedCase | None = None
        self.chosen: CorrespondentChoice | None = None
        self._hints: dict[str, ThemeHint] = {}
        self._touched: dict[str, bool] = {}  # themes the officer ticked or unticked
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self.setWindowTitle("Log a letter")
        self.resize(1240, 690)  # fits a 1366×768 screen with its task bar

        self.general_error = QLabel()
        self.general_error.setObjectName("generalError")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()

        top = QGridLayout()
        top.addWidget(self._letter_box(), 0, 0)
        top.addWidget(self._correspondent_box(), 0, 1)
        top.addWidget(self._themes_box(), 0, 2)
        top.setColumnStretch(0, 5)
        top.setColumnStretch(1, 6)
        top.setColumnStretch(2, 5)

        self.letter_text = QPlainTextEdit()
        self.letter_text.setObjectName("letterText")
        self.letter_text.setPlaceholderText("The letter's text, pasted or typed (optional)")
        self.letter_text.textChanged.connect(self._schedule_suggest)
        text_box = QGroupBox("&Letter text")
        tl = QVBoxLayout(text_box)
        tl.addWidget(self.letter_text)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "&Log letter", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip("Save the case (Ctrl+Enter)")
        for b in self.buttons.buttons():
            if isinstance(b, QPushButton):  # as every button of the box is
                b.setAutoDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self).activated.connect(self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        layout.addLayout(top, 3)
        layout.addWidget(text_box, 2)
        layout.addWidget(self.buttons)

        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self.run_search)
        self._suggest_timer = QTimer(self, singleShot=True, interval=400)
        self._suggest_timer.timeout.connect(self.refresh_suggestions)
        self._fill_themes()
        self.search.setFocus()
        make_reachable(self)

    def done(self, result: int) -> None:
        # A closed dialog must not query the database later (its database may be closed).
        self._search_timer.stop()
        self._suggest_timer.stop()
        super().done(result)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Enter picks a correspondent in the search box and moves on elsewhere; it never
        # saves half a form (QDialogButtonBox would make "Log letter" the default button).
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            focus = self.focusWidget()
            if isinstance(focus, QPushButton):
                focus.click()
            else:
                self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- building ------------------------------------------------------------------
    def _row(self, form: QFormLayout, label: str, widget: QWidget, field: str) -> None:
        """A form row whose error message appears right under the field."""
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error:{field}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        v.addWidget(error)
        form.addRow(label, holder)
        self._fields[field] = widget
        self._errors[field] = error

    def _letter_box(self) -> QGroupBox:
        box = QGroupBox("The letter")
        form = QFormLayout(box)
        self.received = QDateEdit()
        self.received.setObjectName("received")
        self.received.setAccessibleName("Date received")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("d MMMM yyyy")
        today = self.intake.clock()
        self.received.setDate(QDate(today.year, today.month, today.day))
        self._row(form, "&Received:", self.received, svc.F_RECEIVED)
        self.channel = _combo(CHANNELS)
        self._row(form, "C&hannel:", self.channel, svc.F_CHANNEL)
        signatories = self.intake.signatory_choices()
        self.addressed_to = _combo([(None, "—")] + [(c.value, c.label) for c in signatories])
        if signatories:
            self.addressed_to.setCurrentIndex(1)
        self._row(form, "A&ddressed to:", self.addressed_to, svc.F_ADDRESSED_TO)
        self.signatory = _combo(
            [(None, "— decide at triage —")] + [(c.value, c.label) for c in signatories]
        )
        self._row(form, "Si&gnatory:", self.signatory, svc.F_SIGNATORY)
        self.reply_type = _combo([(c.value, c.label) for c in self.intake.reply_type_choices()])
        index = self.reply_type.findData(svc.cases.DEFAULT_REPLY_TYPE)
        self.reply_type.setCurrentIndex(max(index, 0))
        self._row(form, "Reply &type:", self.reply_type, svc.F_REPLY_TYPE)
        self.priority = _combo(PRIORITIES)
        self._row(form, "&Priority:", self.priority, svc.F_PRIORITY)
        self.summary = QLineEdit()
        self.summary.setObjectName("summary")
        self.summary.setAccessibleName("Summary")
        self.summary.setPlaceholderText("What the letter is about, in a line")
        self.summary.textChanged.connect(self._schedule_suggest)
        self._row(form, "S&ummary:", self.summary, svc.F_SUMMARY)
        return box

    def _correspondent_box(self) -> QGroupBox:
        box = QGroupBox("Correspondent")
        v = QVBoxLayout(box)
        self.stop_banner = QLabel()
        self.stop_banner.setObjectName("stopBanner")
        self.stop_banner.setStyleSheet(STOP_STYLE)
        self.stop_banner.setWordWrap(True)
        self.stop_banner.hide()
        v.addWidget(self.stop_banner)

        form = QFormLayout()
        self.search = QLineEdit()
        self.search.setObjectName("correspondentSearch")
        self.search.setAccessibleName("Who wrote")
        self.search.setPlaceholderText("Type a name, constituency, organisation or email")
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._pick_first)
        self._row(form, "&Who wrote:", self.search, svc.F_CORRESPONDENT)
        v.addLayout(form)
        self.results = QListWidget()
        self.results.setObjectName("correspondentResults")
        self.results.setMaximumHeight(110)
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.currentItemChanged.connect(self._picked)
        v.addWidget(self.results)
        self.chosen_label = QLabel("Nobody chosen yet")
        self.chosen_label.setObjectName("chosenCorrespondent")
        self.chosen_label.setWordWrap(True)
        v.addWidget(self.chosen_label)

        self.add_new = QCheckBox("Add a &new correspondent")
        self.add_new.setObjectName("addNew")
        self.add_new.toggled.connect(self._toggle_new)
        v.addWidget(self.add_new)
        self.new_box = QWidget()
        nf = QFormLayout(self.new_box)
        nf.setContentsMargins(0, 0, 0, 0)
        self.new_kind = _combo([(k.value, KIND_LABELS[k.value]) for k in NEW_KINDS])
        self.new_kind.currentIndexChanged.connect(self._kind_changed)
        nf.addRow("Kind:", self.new_kind)
        names = QHBoxLayout()
        self.new_title = QLineEdit(placeholderText="Title")
        self.new_title.setMaximumWidth(70)
        self.new_first = QLineEdit(placeholderText="First name")
        self.new_last = QLineEdit(placeholderText="Last name")
        for w in (self.new_title, self.new_first, self.new_last):
            names.addWidget(w)
        names_holder = QWidget()
        names_holder.setLayout(names)
        names.setContentsMargins(0, 0, 0, 0)
        nf.addRow("Name:", names_holder)
        self.new_org = QLineEdit(placeholderText="Organisation (if any)")
        nf.addRow("Organisation:", self.new_org)
        self.new_constituency = QLineEdit()
        self._row(nf, "Constituency:", self.new_constituency, svc.F_CONSTITUENCY)
        self.new_party = QLineEdit()
        self._row(nf, "Party:", self.new_party, svc.F_PARTY)
        self.new_address = QLineEdit(placeholderText="Address, lines separated by commas")
        nf.addRow("Address:", self.new_address)
        contact = QHBoxLayout()
        contact.setContentsMargins(0, 0, 0, 0)
        self.new_postcode = QLineEdit(placeholderText="Postcode")
        self.new_postcode.setMaximumWidth(110)
        self.new_email = QLineEdit(placeholderText="Email")
        self._row(nf, "Postcode:", self.new_postcode, svc.F_POSTCODE)
        self._row(nf, "Email:", self.new_email, svc.F_EMAIL)
        self.new_box.hide()
        v.addWidget(self.new_box)

        self.constituents_box = QGroupBox("On behalf of constituents (MPs)")
        cv = QVBoxLayout(self.constituents_box)
        self.constituents = QTableWidget(0, len(CONSTITUENT_COLUMNS))
        self.constituents.setObjectName("constituents")
        self.constituents.setHorizontalHeaderLabels(list(CONSTITUENT_COLUMNS))
        self.constituents.verticalHeader().setVisible(False)
        self.constituents.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.constituents.setMinimumHeight(90)
        cv.addWidget(self.constituents)
        row_buttons = QHBoxLayout()
        self.add_constituent = QPushButton("&Add constituent")
        self.add_constituent.clicked.connect(self.add_constituent_row)
        self.remove_constituent = QPushButton("Re&move")
        self.remove_constituent.clicked.connect(self.remove_constituent_row)
        row_buttons.addWidget(self.add_constituent)
        row_buttons.addWidget(self.remove_constituent)
        row_buttons.addStretch(1)
        cv.addLayout(row_buttons)
        self.constituents_error = QLabel()
        self.constituents_error.setStyleSheet(ERROR_STYLE)
        self.constituents_error.hide()
        cv.addWidget(self.constituents_error)
        self._fields[svc.F_CONSTITUENTS] = self.constituents
        self._errors[svc.F_CONSTITUENTS] = self.constituents_error
        v.addWidget(self.constituents_box)
        v.addStretch(1)
        return box

    def _themes_box(self) -> QGroupBox:
        box = QGroupBox("T&hemes")
        v = QVBoxLayout(box)
        note = QLabel("Suggested themes come first, with the words that led to them.")
        note.setWordWrap(True)
        note.setStyleSheet("font-style: italic;")  # not grey: it vanished on dark themes
        v.addWidget(note)
        self.themes = QListWidget()
        self.themes.setObjectName("themes")
        self.themes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.themes.setWordWrap(True)
        self.themes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.themes.itemChanged.connect(self._theme_toggled)
        v.addWidget(self.themes)
        self.themes_error = QLabel()
        self.themes_error.setStyleSheet(ERROR_STYLE)
        self.themes_error.hide()
        v.addWidget(self.themes_error)
        self._fields[svc.F_THEMES] = self.themes
        self._errors[svc.F_THEMES] = self.themes_error
        return box

    # --- correspondent -----------------------------------------------------------------
    def run_search(self) -> None:
        text = self.search.text().strip()
        self.results.blockSignals(True)
        self.results.clear()
        self.results.blockSignals(False)
        if len(text) < 2:
            return
        try:
            found = self.intake.search_correspondents(text)
        except ServiceError as exc:
            self.show_error(svc.F_CORRESPONDENT, str(exc))
            return
        for choice in found:
            item = QListWidgetItem(choice.label)
            item.setData(Qt.ItemDataRole.UserRole, choice)
            if choice.on_stop_list:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.results.addItem(item)
        if not found:
            item = QListWidgetItem("Nobody found — tick “Add a new correspondent”")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)

    def _pick_first(self) -> None:
        self._search_timer.stop()
        self.run_search()
        if self.results.count() and self.results.item(0).data(Qt.ItemDataRole.UserRole):
            self.results.setCurrentRow(0)

    def _picked(self, current: QListWidgetItem | None, _previous: object = None) -> None:
        choice = current.data(Qt.ItemDataRole.UserRole) if current else None
        if isinstance(choice, CorrespondentChoice):
            self.choose(choice)

    def choose(self, choice: CorrespondentChoice | None) -> None:
        self.chosen = choice
        self._clear_error(svc.F_CORRESPONDENT)
        if choice is None:
            self.chosen_label.setText("Nobody chosen yet")
            self.stop_banner.hide()
            return
        self.add_new.setChecked(False)
        self.chosen_label.setText(f"<b>Chosen:</b> {_escape(choice.label)}")
        if choice.on_stop_list:
            reason = (choice.stop_list_reason or "no reason recorded").rstrip(". ")
            self.stop_banner.setText(
                f"⚠ {choice.name} is on the STOP LIST ({reason}). "
                "This letter gets an official acknowledgement, not a new reply."
            )
            self.stop_banner.show()
        else:
            self.stop_banner.hide()
        is_mp = choice.kind == CorrespondentKind.MP.value
        self.constituents_box.setTitle(
            "On behalf of constituents" if is_mp else "On behalf of constituents (MPs)"
        )

    def _toggle_new(self, on: bool) -> None:
        self.new_box.setVisible(on)
        if on:
            self.chosen = None
            self.results.clearSelection()
            self.chosen_label.setText("A new correspondent, as entered below")
            self.stop_banner.hide()
            self.new_last.setFocus()
        elif self.chosen is None:
            self.chosen_label.setText("Nobody chosen yet")
        self._kind_changed()

    def _kind_changed(self, *_args: object) -> None:
        is_mp = self.new_kind.currentData() == CorrespondentKind.MP.value
        for w in (self.new_constituency, self.new_party):
            w.setPlaceholderText("Required for an MP" if is_mp else "MPs only")

    # --- constituents --------------------------------------------------------------------
    def add_constituent_row(self) -> None:
        row = self.constituents.rowCount()
        self.constituents.insertRow(row)
        for col in range(len(CONSTITUENT_COLUMNS)):
            self.constituents.setItem(row, col, QTableWidgetItem(""))
        self.constituents.setCurrentCell(row, 1)
        item = self.constituents.item(row, 1)
        assert item is not None  # set just above
        self.constituents.editItem(item)

    def remove_constituent_row(self) -> None:
        row = self.constituents.currentRow()
        if row < 0:
            row = self.constituents.rowCount() - 1
        if row >= 0:
            self.constituents.removeRow(row)

    def set_constituent(self, row: int, title: str, first: str, last: str, postcode: str) -> None:
        for col, value in enumerate((title, first, last, postcode)):
            self.constituents.setItem(row, col, QTableWidgetItem(value))

    def _constituents(self) -> list[NewConstituent]:
        out = []
        for r in range(self.constituents.rowCount()):
            cells = [
                (item.text() if (item := self.constituents.item(r, c)) else "").strip()
                for c in range(len(CONSTITUENT_COLUMNS))
            ]
            if not any(cells):
                continue  # an empty row the officer added and left: not an error
            out.append(
                NewConstituent(
                    title=cells[0], first_name=cells[1], last_name=cells[2], postcode=cells[3]
                )
            )
        return out

    # --- themes -------------------------------------------------------------------------
    def _schedule_suggest(self) -> None:
        if self.isVisible():
            self._suggest_timer.start()

    def refresh_suggestions(self) -> None:
        text = f"{self.summary.text()}\n{self.letter_text.toPlainText()}"
        try:
            hints = self.intake.suggest_themes(text) if text.strip() else []
        except ServiceError:
            hints = []
        self._hints = {h.code: h for h in hints}
        self._fill_themes()

    def _fill_themes(self) -> None:
        choices = {str(c.value): c.label for c in self.intake.theme_choices()}
        ordered = [h.code for h in self._hints.values() if h.code in choices]
        ordered += [code for code in choices if code not in self._hints]
        self.themes.blockSignals(True)
        self.themes.clear()
        for code in ordered:
            hint = self._hints.get(code)
            # Plain names, and for a suggestion the words of the letter that led to it.
            text = theme_label(code, None, (), choices[code])
            if hint is not None:
                because = ", ".join(hint.because[:4])
                text = f"★ {theme_label(code, hint.score, hint.because, choices[code])}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = self._touched.get(code, bool(hint and hint.likely))
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            if hint is not None:
                item.setToolTip(f"Suggested because the letter says: {because}")
            self.themes.addItem(item)
        self.themes.blockSignals(False)

    def _theme_toggled(self, item: QListWidgetItem) -> None:
        self._touched[item.data(Qt.ItemDataRole.UserRole)] = (
            item.checkState() == Qt.CheckState.Checked
        )

    def checked_themes(self) -> list[str]:
        return [
            self.themes.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.themes.count())
            if self.themes.item(i).checkState() == Qt.CheckState.Checked
        ]

    def suggested_codes(self) -> list[str]:
        return list(self._hints)

    # --- saving -------------------------------------------------------------------------
    def form(self) -> LetterForm:
        d = self.received.date()
        new = None
        if self.add_new.isChecked():
            new = NewCorrespondent(
                kind=CorrespondentKind(self.new_kind.currentData()),
                title=self.new_title.text().strip(),
                first_name=self.new_first.text().strip(),
                last_name=self.new_last.text().strip(),
                organisation=self.new_org.text().strip(),
                constituency=self.new_constituency.text().strip(),
                party=self.new_party.text().strip(),
                address="\n".join(
                    p.strip() for p in self.new_address.text().split(",") if p.strip()
                ),
                postcode=self.new_postcode.text().strip(),
                email=self.new_email.text().strip(),
                post_nominals="MP" if self.new_kind.currentData() == "mp" else "",
            )
        codes = self.checked_themes()
        return LetterForm(
            received_on=dt.date(d.year(), d.month(), d.day()),
            channel=self.channel.currentData(),
            correspondent_id=self.chosen.id if (self.chosen and new is None) else None,
            new_correspondent=new,
            constituents=self._constituents(),
            addressed_to_id=self.addressed_to.currentData(),
            signatory_id=self.signatory.currentData(),
            reply_type=self.reply_type.currentData(),
            priority=self.priority.currentData(),
            summary=self.summary.text(),
            letter_text=self.letter_text.toPlainText(),
            theme_codes=codes,
            theme_scores={c: self._hints[c].score for c in codes if c in self._hints},
        )

    def save(self) -> None:
        self.clear_errors()
        try:
            self.logged = self.intake.log_letter(self.form())
        except ValidationError as exc:
            self.show_error(exc.field, exc.detail)
            return
        except ServiceError as exc:
            self.general_error.setText(str(exc))
            self.general_error.show()
            return
        self.accept()

    # --- errors -------------------------------------------------------------------------
    def show_error(self, field: str, message: str) -> None:
        label = self._errors.get(field)
        widget = self._fields.get(field)
        if label is None or widget is None:
            self.general_error.setText(f"{field}: {message}")
            self.general_error.show()
            return
        label.setText(f"{field}: {message}")
        label.show()
        if field in (svc.F_CONSTITUENCY, svc.F_PARTY, svc.F_EMAIL, svc.F_POSTCODE):
            self.add_new.setChecked(True)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def error_text(self, field: str) -> str:
        label = self._errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def _clear_error(self, field: str) -> None:
        if field in self._errors:
            self._errors[field].hide()

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.hide()
        self.general_error.hide()


def _combo(items: Iterable[tuple[object, str]]) -> QComboBox:
    combo = QComboBox()
    for value, label in items:
        combo.addItem(label, value)
    return combo


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
