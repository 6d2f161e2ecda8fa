"""The window's commands, declared where each feature lives and built in one place.

A feature is a `Feature` subclass (its state for one window) and the functions that act,
each declared with `@TheFeature.action(...)`: id (the action's object name), text, menu
and section, shortcut, status tip, and when it is enabled. The window makes each feature
once, then its menus, shortcuts and F1's list from these declarations (Picard's
`@add_action` is the model).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTableView, QWidget

from correspondence.services.cases.case_list import CaseFilter
from correspondence.services.desk import Desk
from correspondence.ui.background import LatestOnly
from correspondence.ui.models.case_table_model import CaseTableModel
from correspondence.ui.widgets.case_detail import CaseDetailPane
from correspondence.ui.widgets.filter_bar import FilterBar

Handler = Callable[["DeskWindow"], object]
H = TypeVar("H", bound=Handler)


class Menu(enum.Enum):
    """The menu bar, in order."""

    FILE = "&File"
    VIEW = "&View"
    CASE = "&Case"
    TOOLS = "&Tools"
    GO = "&Go"
    HELP = "&Help"


class Section(enum.IntEnum):
    """Groups within a menu, in order; a line separates one group from the next."""

    FIRST = 0
    OPEN = 10  # logging, importing, opening a companion window
    WORK = 20  # triage, editing
    DEADLINES = 30
    REPLY = 40  # drafting, dispatch, email
    DATA = 50  # backups, reports, retention
    PEOPLE = 60  # switching user, administration
    LAST = 90  # Quit, About


@dataclass(frozen=True)
class ActionSpec:
    id: str  # the QAction's object name
    text: str  # with its mnemonic, e.g. "&Triage…"
    menu: Menu
    section: Section
    handler: Handler  # takes the window
    shortcut: str | QKeySequence.StandardKey | None = None
    tip: str = ""
    enabled_when: Callable[[DeskWindow], bool] | None = None  # asked again on a user change
    disabled_note: str = ""  # added to the status tip while disabled


class DeskWindow(QMainWindow):
    """What a feature may use of the main window: its list, filters and details, who is
    at the desk, and the other features. Features see this class, never `main_window`
    (which lists the features), so neither imports the other."""

    # Another person now works at this desk (their username): `desk` is already theirs, and
    # each feature rebuilds whatever it made for the last user.
    user_changed = Signal(str)

    desk: Desk
    settings: QSettings
    filters: FilterBar
    model: CaseTableModel
    table: QTableView
    detail: CaseDetailPane
    counts_label: QLabel
    detail_reads: LatestOnly  # the newest read behind a click on the list
    file_menu: QMenu
    view_menu: QMenu
    case_menu: QMenu
    tools_menu: QMenu
    go_menu: QMenu
    help_menu: QMenu
    # Each feature's state, made once (see `feature`), and every declared action by id.
    features: dict[type[Feature], Feature]
    built_actions: dict[str, BuiltAction]

    def feature(self, kind: type[F]) -> F:
        """The window's one `kind` feature (its dialogs, companion windows, docks)."""
        found = self.features[kind]
        assert isinstance(found, kind)
        return found

    def action(self, action_id: str) -> QAction:
        """The QAction declared with `action_id` (its object name)."""
        return self.built_actions[action_id].action

    def apply_filter(self, flt: CaseFilter) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def refresh_in_background(self) -> None:
        raise NotImplementedError

    def current_case_id(self) -> int | None:
        raise NotImplementedError

    def select_case(self, case_id: int) -> bool:
        raise NotImplementedError


class Feature(QObject):
    """One feature's state for one window (its companion windows, dialogs, docks), made
    once the window's list and details exist. Subclasses declare their commands with
    `@Kind.action(...)` on functions that take the window."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.window = window

    @classmethod
    def action(
        cls,
        action_id: str,
        text: str,
        menu: Menu,
        section: Section,
        *,
        shortcut: str | QKeySequence.StandardKey | None = None,
        tip: str = "",
        enabled_when: Callable[[DeskWindow], bool] | None = None,
        disabled_note: str = "",
    ) -> Callable[[H], H]:
        def register(handler: H) -> H:
            spec = ActionSpec(
                action_id, text, menu, section, handler, shortcut, tip, enabled_when, disabled_note
            )
            _DECLARED.setdefault(cls, []).append(spec)
            return handler

        return register

    @classmethod
    def specs(cls) -> list[ActionSpec]:
        return list(_DECLARED.get(cls, []))


_DECLARED: dict[type[Feature], list[ActionSpec]] = {}

F = TypeVar("F", bound=Feature)


def close_widget(widget: QWidget | None) -> None:
    """Close a companion window for good (one built for the last user, say)."""
    if widget is not None:
        widget.close()
        widget.deleteLater()


@dataclass(frozen=True)
class BuiltAction:
    spec: ActionSpec
    action: QAction


def build(window: DeskWindow, kinds: list[type[Feature]]) -> dict[str, BuiltAction]:
    """Every declared action of `kinds` as a QAction of the window, in its menu: menus in
    `Menu` order, sections in `Section` order (then declaration order), a line between."""
    built: dict[str, BuiltAction] = {}
    for kind in kinds:
        for spec in kind.specs():
            if spec.id in built:
                raise ValueError(f"two actions are declared with the id {spec.id!r}")
            act = QAction(spec.text, window)
            act.setObjectName(spec.id)
            if isinstance(spec.shortcut, str):
                act.setShortcut(QKeySequence(spec.shortcut))
            elif spec.shortcut is not None:  # the platform's keys, e.g. Ctrl+Q or F5
                act.setShortcuts(QKeySequence.keyBindings(spec.shortcut))
            act.setStatusTip(spec.tip)
            act.triggered.connect(lambda _checked=False, h=spec.handler: h(window))
            window.addAction(act)  # shortcuts work with the menu bar hidden too
            built[spec.id] = BuiltAction(spec, act)
    _free_taken_keys(built)
    bar = window.menuBar()
    for menu in Menu:
        entries = sorted(
            (b for b in built.values() if b.spec.menu is menu), key=lambda b: b.spec.section
        )
        qmenu = bar.addMenu(menu.value)
        qmenu.setObjectName(f"{menu.name.lower()}Menu")
        for i, b in enumerate(entries):
            if i and b.spec.section != entries[i - 1].spec.section:
                qmenu.addSeparator()
            qmenu.addAction(b.action)
    return built


def menus(window: DeskWindow) -> dict[Menu, QMenu]:
    found: dict[Menu, QMenu] = {}
    for top in window.menuBar().actions():
        qmenu = top.menu()
        for menu in Menu:
            if isinstance(qmenu, QMenu) and top.text() == menu.value:
                found[menu] = qmenu
    return found


def _free_taken_keys(built: dict[str, BuiltAction]) -> None:
    """A key named outright wins over a platform's standard one: on Linux the standard
    Refresh keys include Ctrl+R (Draft reply), and an ambiguous shortcut fires neither."""
    named = {
        QKeySequence(b.spec.shortcut) for b in built.values() if isinstance(b.spec.shortcut, str)
    }
    for b in built.values():
        if b.spec.shortcut is not None and not isinstance(b.spec.shortcut, str):
            b.action.setShortcuts([k for k in b.action.shortcuts() if k not in named])


def sync_enabled(window: DeskWindow, built: dict[str, BuiltAction]) -> None:
    """Enable each action as its `enabled_when` says for the person now at the desk."""
    for b in built.values():
        if b.spec.enabled_when is None:
            continue
        on = b.spec.enabled_when(window)
        b.action.setEnabled(on)
        note = b.spec.disabled_note
        b.action.setStatusTip(b.spec.tip if on or not note else b.spec.tip + note)
