"""The triage window: walks the untriaged cases one after another, keyboard first.

Ctrl+Return confirms and moves on, Ctrl+Right skips, Ctrl+Left goes back; Alt+letters reach
each field; Space ticks a theme. Errors show in a line under the form, never in a modal box,
so the walk is never interrupted.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from correspondence.domain.states import CaseStatus
from correspondence.services.cases.deadlines import DeadlineView
from correspondence.services.errors import ServiceError
from correspondence.services.triage.reply_channel import ReplyChannels
from correspondence.services.triage.theme_suggest import THRESHOLD
from correspondence.services.triage.triage import (
    PRIORITIES,
    STRONG,
    Triage,
    TriageCase,
    TriageDecision,
)
from correspondence.ui.accessibility import make_reachable
from correspondence.ui.widgets.reply_channel import ReplyChannelEdit

STOP_STYLE = (
    "background:#f8d7da; color:#842029; border:1px solid #f1aeb5; border-radius:4px;"
    "padding:6px; font-weight:600;"
)


def strength(score: float) -> str:
    if score >= STRONG:
        return "Strongly suggested"
    if score >= THRESHOLD:
        return "Suggested"
    return "Possibly"


def theme_label(
    code: str,
    score: float | None,
    because: tuple[str, ...],
    name: str,
    *,
    campaign: bool = False,
) -> str:
    """ "Serious Case Reviews (SCR) — strongly suggested by “serious case reviews”,
    “independent”" for a suggestion; the plain name for the rest."""
    label = f"{name} ({code})" if name else code
    notes = []
    if score is not None:
        words = ", ".join(f"“{w}”" for w in because[:3])
        notes.append(f"{strength(score)} by {words}" if words else strength(score))
    if campaign:
        notes.append(
            "a theme of the campaign" + ("" if score is not None else ", not this letter's words")
        )
    return f"{label} — {'; '.join(notes)}" if notes else label


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def stages_html(v: DeadlineView) -> str:
    """The due date, days left and stage deadlines as a small table."""
    if v.due_on is None:
        return "<i>No reply needed: no deadline.</i>"
    if v.days_left is None:
        left = ""
    elif v.days_left < 0:
        left = f" <b style='color:#842029'>({_days(-v.days_left)} overdue)</b>"
    else:
        colour = "#8a5300" if v.days_left <= 3 else "inherit"
        left = f" <span style='color:{colour}'>({_days(v.days_left)} left)</span>"
    rows = [f"<b>Due {v.due_on:%a %d %b %Y}</b>{left} · {v.target_days}-day target"]
    # Extensions and holding replies first: a rich-text label sizes poorly after a table.
    for e in v.extensions:
        old = f"{e.old_due_on:%d %b}" if e.old_due_on else "—"
        rows.append(
            f"Extended {old} → {e.new_due_on:%d %b %Y} by {escape(e.granted_by)}: "
            f"{escape(e.reason)}"
        )
    if v.holding_reply_on:
        rows.append(f"Holding reply sent {v.holding_reply_on:%d %b %Y}")
    elif v.offer_holding_reply:
        rows.append("<b style='color:#842029'>Target at risk: send a holding reply.</b>")
    cells = []
    for s in v.stages:
        mark = "✓" if s.done else ("!" if s.days_left < 0 else "")
        cells.append(f"<tr><td>{escape(s.label)}</td><td>{s.due:%a %d %b}</td><td>{mark}</td></tr>")
    rows.append(f"<table cellspacing='0' cellpadding='2'>{''.join(cells)}</table>")
    return "<br>".join(rows)


# Why a letter needs no reply, as offices usually record it; notes say the rest.
NO_REPLY_REASONS = (
    "Round-robin letter: no question asked",
    "Copied to us for information only",
    "A duplicate of a letter already answered",
    "The writer asked for no reply",
    "Stop list: no further replies to this writer",
    "Other (say why in the notes)",
)


class NoReplyDialog(QDialog):
    """Why no reply is needed: a reason from the list, plus notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("No reply needed")
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        self.choice = QComboBox()
        self.choice.setObjectName("noReplyReason")
        self.choice.addItems(NO_REPLY_REASONS)
        self.notes = QLineEdit()
        self.notes.setObjectName("noReplyNotes")
        self.notes.setPlaceholderText("Anything the file should say (optional)")
        for text, widget in (("&Reason:", self.choice), ("&Notes:", self.notes)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#842029; background:#f8d7da;")
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.choice.setFocus()

    @property
    def other(self) -> bool:
        return self.choice.currentIndex() == len(NO_REPLY_REASONS) - 1

    def reason(self) -> str:
        notes = " ".join(self.notes.text().split())
        if self.other:
            return notes
        return f"{self.choice.currentText()}: {notes}" if notes else self.choice.currentText()

    def _accept(self) -> None:
        if self.other and not self.notes.text().strip():
            self.problem.setText("Say in the notes why no reply is needed.")
            self.notes.setFocus()
            return
        self.accept()


class ReasonDialog(QDialog):
    """Asks for a reason (and, for a transfer, where to)."""

    def __init__(self, title: str, *, where: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.where = QLineEdit()
        self.where.setObjectName("transferWhere")
        self.where.setPlaceholderText("e.g. Home Office, Ministry of Justice")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        if where:
            label = QLabel("&Department:")
            label.setBuddy(self.where)
            form.addRow(label, self.where)
        else:
            self.where.hide()
        label = QLabel("&Reason:")
        label.setBuddy(self.reason)
        form.addRow(label, self.reason)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#842029; background:#f8d7da;")
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._need_where = where

    def _accept(self) -> None:
        if self._need_where and not self.where.text().strip():
            self.problem.setText("Name the department the letter goes to.")
            self.where.setFocus()
            return
        if not self.reason.text().strip():
            self.problem.setText("Give a reason.")
            self.reason.setFocus()
            return
        self.accept()


class TriageWindow(QWidget):
    """A non-modal window over the triage queue."""

    changed = Signal()  # a case was saved: the main list should refresh

    def __init__(self, triage: Triage, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.triage = triage
        self.setWindowTitle("Triage")
        self.setObjectName("triageWindow")
        self.resize(1250, 690)  # fits a 1366×768 screen with its task bar
        self.queue: list[int] = []
        self.queue_index = 0  # not "pos": that is QWidget.pos()
        self.current: TriageCase | None = None
        self.done: set[int] = set()
        self._build()
        self.reload_queue()
        make_reachable(self)

    # --- layout ---------------------------------------------------------------
    def _build(self) -> None:
        self.position = QLabel()
        self.position.setObjectName("triagePosition")
        self.position.setStyleSheet("font-size:15px; font-weight:600;")
        self.stop_banner = QLabel()
        self.stop_banner.setObjectName("stopListBanner")
        self.stop_banner.setStyleSheet(STOP_STYLE)
        self.stop_banner.setWordWrap(True)
        self.stop_banner.hide()

        self.who = QLabel()
        self.who.setObjectName("triageWho")
        self.who.setWordWrap(True)
        self.who.setTextFormat(Qt.TextFormat.RichText)
        self.letter = QPlainTextEdit()
        self.letter.setObjectName("triageLetter")
        self.letter.setAccessibleName("The letter")
        self.letter.setReadOnly(True)
        self.deadlines = QLabel()
        self.deadlines.setObjectName("triageDeadlines")
        self.deadlines.setTextFormat(Qt.TextFormat.RichText)
        self.deadlines.setWordWrap(True)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.who)
        lv.addWidget(self.letter, 1)
        lv.addWidget(self.deadlines)

        self.themes = QListWidget()
        self.themes.setObjectName("triageThemes")
        self.themes.setToolTip("Space ticks or unticks a theme")
        self.themes.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.themes.setWordWrap(True)
        self.themes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.reply_type = QComboBox()
        self.reply_type.setObjectName("triageReplyType")
        for o in self.triage.reply_types():
            self.reply_type.addItem(o.label, o.value)
        self.team = QComboBox()
        self.team.setObjectName("triageTeam")
        self.team.addItem("(choose a team)", None)
        for o in self.triage.teams():
            self.team.addItem(o.label, o.value)
        self.drafter = QComboBox()
        self.drafter.setObjectName("triageDrafter")
        self.drafter.addItem("(no drafter yet)", None)
        for o in self.triage.drafters():
            self.drafter.addItem(o.label, o.value)
        self.priority = QComboBox()
        self.priority.setObjectName("triagePriority")
        for p in PRIORITIES:
            self.priority.addItem(p.capitalize(), p)
        self.subject_phrase = QLineEdit()
        self.subject_phrase.setObjectName("triageSubjectPhrase")
        self.subject_phrase.setMaxLength(200)
        self.subject_phrase.setToolTip(
            "How the reply's opening names the subject: "
            "“Thank you for your letter about …”. Proposed from the summary; change it freely."
        )
        self.team.activated.connect(self._team_chosen)
        self.team.currentIndexChanged.connect(self._team_changed)
        # How the reply goes out; saved with the decision (see confirm).
        self.reply_channel = ReplyChannelEdit()
        self.channels = ReplyChannels(self.triage.uow)

        form = QFormLayout()
        for text, widget in (
            ("&Themes (Space ticks)", self.themes),
            ("&Reply type", self.reply_type),
            ("T&eam", self.team),
            ("&Drafter", self.drafter),
            ("&Priority", self.priority),
            ("Su&bject phrase", self.subject_phrase),
            ("Reply b&y", self.reply_channel),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.problem = QLabel()
        self.problem.setObjectName("triageProblem")
        self.problem.setStyleSheet("color:#842029; background:#f8d7da; font-weight:600;")
        self.problem.setWordWrap(True)

        self.prev_button = QPushButton("◀ Previous (Ctrl+Left)")
        self.skip_button = QPushButton("Skip ▶ (Ctrl+Right)")
        self.no_reply_button = QPushButton("&No reply…")
        self.transfer_button = QPushButton("Trans&fer…")
        self.confirm_button = QPushButton("&Confirm and next (Ctrl+Return)")
        self.confirm_button.setObjectName("triageConfirm")
        self.confirm_button.setDefault(True)
        self.prev_button.clicked.connect(self.previous)
        self.skip_button.clicked.connect(self.skip)
        self.no_reply_button.clicked.connect(self.ask_no_reply)
        self.transfer_button.clicked.connect(self.ask_transfer)
        self.confirm_button.clicked.connect(self.confirm)
        for seq, slot in (
            ("Ctrl+Return", self.confirm),
            ("Ctrl+Enter", self.confirm),
            ("Ctrl+Right", self.skip),
            ("Ctrl+Left", self.previous),
            ("Escape", self.close),
        ):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
        actions = QHBoxLayout()
        actions.addWidget(self.no_reply_button)
        actions.addWidget(self.transfer_button)
        actions.addStretch(1)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.skip_button)
        nav.addStretch(1)
        nav.addWidget(self.confirm_button)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(form, 1)
        rv.addWidget(self.problem)
        rv.addLayout(actions)
        rv.addLayout(nav)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([640, 610])

        layout = QVBoxLayout(self)
        layout.addWidget(self.position)
        layout.addWidget(self.stop_banner)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.themes, self.reply_type)
        self.setTabOrder(self.reply_type, self.team)
        self.setTabOrder(self.team, self.drafter)
        self.setTabOrder(self.drafter, self.priority)
        self.setTabOrder(self.priority, self.subject_phrase)
        self.setTabOrder(self.subject_phrase, self.confirm_button)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        # Focus set before the window was visible is lost: start on the themes.
        if self.current is not None:
            self.themes.setFocus()

    # --- the queue ----------------------------------------------------------------
    def reload_queue(self) -> None:
        self.queue = self.triage.queue()
        self.queue_index = 0
        self.done.clear()
        self.show_current()

    def show_current(self) -> None:
        self.problem.clear()
        if not self.queue or self.queue_index >= len(self.queue):
            self._show_finished()
            return
        try:
            self.current = self.triage.load(self.queue[self.queue_index])
        except ServiceError as exc:
            self.problem.setText(str(exc))
            return
        self._fill(self.current)

    def _show_finished(self) -> None:
        self.current = None
        n = len(self.done)
        self.position.setText(
            f"Nothing left to triage — {n} case{'s' if n != 1 else ''} triaged in this session."
            if self.queue
            else "No untriaged cases."
        )
        self.stop_banner.hide()
        self.who.clear()
        self.letter.clear()
        self.deadlines.clear()
        self.themes.clear()
        for w in (
            self.confirm_button,
            self.skip_button,
            self.no_reply_button,
            self.transfer_button,
        ):
            w.setEnabled(False)
        self.prev_button.setEnabled(bool(self.queue))

    def _fill(self, c: TriageCase) -> None:
        for w in (
            self.confirm_button,
            self.skip_button,
            self.no_reply_button,
            self.transfer_button,
        ):
            w.setEnabled(True)
        state = "" if c.status is CaseStatus.LOGGED else f" — already {c.status.label.lower()}"
        self.position.setText(
            f"Case {self.queue_index + 1} of {len(self.queue)} — {c.reference} — received "
            f"{c.received_on:%d %b %Y} by {c.channel}{state}"
        )
        if c.on_stop_list:
            reason = f" {c.stop_list_reason}" if c.stop_list_reason else ""
            self.stop_banner.setText(
                f"⚠ {c.correspondent} is on the stop list.{reason} "
                "Proposed reply: an official acknowledgement."
            )
            self.stop_banner.show()
        else:
            self.stop_banner.hide()
        who = f"<b>{escape(c.correspondent or 'Unknown correspondent')}</b>"
        if c.correspondent_detail:
            who += f" <i>({escape(c.correspondent_detail)})</i>"
        if c.constituents:
            who += "<br>On behalf of " + escape(", ".join(c.constituents))
        if c.campaign:
            who += f"<br>Campaign: {escape(c.campaign)}"
        if c.summary:
            who += f"<br>{escape(c.summary)}"
        self.who.setText(who)
        self.letter.setPlainText(c.letter_text or "(no letter text: see the documents)")
        self.deadlines.setText(stages_html(c.deadlines))
        self._fill_themes(c)

        logged = c.status is CaseStatus.LOGGED
        reply = c.proposed_reply_type if logged else c.reply_type
        self._select(self.reply_type, reply)
        self.team.blockSignals(True)
        self._select(self.team, c.team_id)
        self.team.blockSignals(False)
        self._select(self.drafter, c.drafter_id)
        self._select(self.priority, c.priority)
        self.subject_phrase.setText(c.subject_phrase)
        self.reply_channel.set_value(self.channels.get(c.id))
        self.themes.setFocus()
        self.themes.setCurrentRow(0)

    def _fill_themes(self, c: TriageCase) -> None:
        self.themes.clear()
        names = {str(o.value): o.label.split(" — ", 1)[-1] for o in self.triage.themes()}
        ticked = set(c.proposed_themes)
        campaign = set(c.campaign_themes)
        shown: set[str] = set()
        for s in c.suggestions:
            self._add_theme(
                s.code,
                theme_label(s.code, s.score, s.because, s.name, campaign=s.code in campaign),
                ticked,
                tip=f"{s.name} ({s.code})\nWords in the letter that point to it: "
                + ", ".join(s.because),
            )
            shown.add(s.code)
        for code in (*c.themes, *c.campaign_themes):
            if code not in shown:
                label = theme_label(code, None, (), names.get(code, ""), campaign=code in campaign)
                self._add_theme(code, label, ticked)
                shown.add(code)
        for code, name in names.items():
            if code not in shown:
                self._add_theme(code, theme_label(code, None, (), name), ticked)

    def _add_theme(self, code: str, text: str, ticked: set[str], tip: str = "") -> None:
        item = QListWidgetItem(text)
        if tip:
            item.setToolTip(tip)
        item.setData(Qt.ItemDataRole.UserRole, code)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
        item.setCheckState(Qt.CheckState.Checked if code in ticked else Qt.CheckState.Unchecked)
        self.themes.addItem(item)

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    def checked_themes(self) -> list[str]:
        out = []
        for i in range(self.themes.count()):
            item = self.themes.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _team_changed(self, _index: int) -> None:
        # Keyboard changes in a closed combo do not emit `activated`: treat them alike.
        self._team_chosen(self.team.currentIndex())

    def _team_chosen(self, _index: int) -> None:
        team_id = self.team.currentData()
        if team_id is None:
            return
        drafter = self.triage.default_drafter(int(team_id))
        if drafter is not None:
            self._select(self.drafter, drafter)

    def decision(self) -> TriageDecision:
        drafter = self.drafter.currentData()
        return TriageDecision(
            themes=self.checked_themes(),
            reply_type=self.reply_type.currentData(),
            team_id=self.team.currentData(),
            drafter_id=drafter,
            clear_drafter=drafter is None,
            priority=self.priority.currentData(),
            subject_phrase=self.subject_phrase.text(),
        )

    # --- actions ----------------------------------------------------------------
    def _saved(self) -> None:
        assert self.current is not None
        self.done.add(self.current.id)
        self.changed.emit()
        self.queue_index += 1
        self.show_current()

    def confirm(self) -> None:
        c = self.current
        if c is None:
            return
        try:
            if self.reply_channel.changed():
                saved = self.channels.set(c.id, *self.reply_channel.value(), c.version)
                self.reply_channel.mark_saved(saved)
                self.current = c = replace(c, version=saved.case_version)
            self.triage.apply(
                c.id,
                self.decision(),
                finish=c.status is CaseStatus.LOGGED,
                expected_version=c.version,
            )
        except ServiceError as exc:
            self.problem.setText(str(exc))
            return
        self._saved()

    def skip(self) -> None:
        if self.current is None or self.queue_index >= len(self.queue):
            return
        self.queue_index += 1
        self.show_current()

    def previous(self) -> None:
        if self.queue_index == 0:
            return
        self.queue_index = min(self.queue_index, len(self.queue)) - 1
        self.show_current()

    def ask_no_reply(self) -> None:
        if self.current is None:
            return
        dlg = NoReplyDialog(parent=self)
        dlg.setObjectName("noReplyDialog")
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        self._refocus()
        if not accepted:
            return
        themes = TriageDecision(themes=self.checked_themes())
        reason = dlg.reason()
        self._close_case(lambda cid: self.triage.no_reply(cid, reason, themes))

    def ask_transfer(self) -> None:
        if self.current is None:
            return
        dlg = ReasonDialog("Transfer to another department", where=True, parent=self)
        dlg.setObjectName("transferDialog")
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        self._refocus()
        if not accepted:
            return
        where, why = dlg.where.text(), dlg.reason.text()
        themes = TriageDecision(themes=self.checked_themes())
        self._close_case(lambda cid: self.triage.transfer(cid, where, why, themes))

    def _refocus(self) -> None:
        # Back to the walk where it was, whatever the window system does after a dialog.
        self.activateWindow()
        self.themes.setFocus()

    def _close_case(self, work) -> None:  # noqa: ANN001
        assert self.current is not None
        try:
            work(self.current.id)
        except ServiceError as exc:
            self.problem.setText(str(exc))
            return
        self._saved()
