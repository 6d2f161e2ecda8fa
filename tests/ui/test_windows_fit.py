"""Every window fits a 1366×768 screen, keeps working at a 1.5 scale factor and under a
dark palette, and every control can be reached by Tab and has a name a screen reader says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from correspondence.database import Database
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui import (
    campaign_actions,
    library_actions,
    reports_actions,
    triage_actions,
)
from correspondence.ui.draft_editor.loading import read_draft
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.drafting_actions import DraftingFeature
from correspondence.ui.intake_actions import IntakeController
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.gui

# A 1366×768 screen less a task bar and the window's title bar.
SCREEN = QSize(1366, 768 - 40 - 30)


@pytest.fixture
def main(qtbot: QtBot, demo_db: Database, settings: QSettings) -> MainWindow:
    w = MainWindow(
        Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY), settings
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _windows(main: MainWindow, demo_db: Database, qtbot: QtBot) -> Iterator[tuple[str, QWidget]]:
    yield "main", main
    for name, opener in (
        ("triage", triage_actions.open_triage),
        ("library", library_actions.open_library),
        ("campaigns", campaign_actions.open_campaigns),
        ("reports", reports_actions.open_reports),
    ):
        w = opener(main)
        qtbot.addWidget(w)
        yield name, w
        w.close()
    drafting = Drafting(acting_as(demo_db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        from sqlalchemy import select

        from correspondence.db.models import Case

        case_id = s.scalar(select(Case.id).where(Case.reference == "2009/0007948POSoS"))
    assert case_id is not None
    draft_id = drafting.current_draft_id(case_id)
    assert draft_id is not None
    editor = DraftEditor(drafting, read_draft(drafting, draft_id))
    qtbot.addWidget(editor)
    editor.show()
    yield "draft editor", editor
    editor.close()
    log = main.feature(IntakeController).log_letter()
    yield "log a letter", log
    log.close()
    from correspondence.ui import collab_actions

    main.table.selectRow(0)
    edit = collab_actions.edit_case(main)
    assert edit is not None
    yield "edit case", edit
    edit.close()
    shortcuts = main.show_shortcuts()
    yield "shortcuts", shortcuts
    shortcuts.close()


def test_every_window_fits_a_1366_by_768_screen(
    main: MainWindow, demo_db: Database, qtbot: QtBot, screenshot_dir: Path
) -> None:
    for name, w in _windows(main, demo_db, qtbot):
        size, least = w.size(), w.minimumSizeHint()
        assert size.width() <= SCREEN.width() and size.height() <= SCREEN.height(), name
        assert least.width() <= SCREEN.width() and least.height() <= SCREEN.height(), name
        w.grab().save(str(screenshot_dir / f"fit_{name.replace(' ', '_')}.png"))


def test_my_work_does_not_widen_the_window(main: MainWindow, qtbot: QtBot) -> None:
    main.resize(1340, 690)
    qtbot.wait(10)
    before = main.width()
    qtbot.keyClick(main, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.feature(DraftingFeature).my_work_dock.isVisible())
    QApplication.processEvents()
    assert main.width() == before
    assert main.minimumSizeHint().width() <= SCREEN.width()


# --- every control within reach -------------------------------------------------------

INTERACTIVE = (
    "QAbstractButton",
    "QLineEdit",
    "QComboBox",
    "QAbstractItemView",
    "QTextEdit",
    "QPlainTextEdit",
    "QAbstractSpinBox",
    "QAbstractSlider",
    "QTabBar",
)


def _is_control(w: QWidget) -> bool:
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QScrollBar

    if not any(w.inherits(name) for name in INTERACTIVE) or isinstance(w, QScrollBar):
        return False
    if w.objectName().startswith("qt_") or w.inherits("QHeaderView"):
        return False
    parent = w.parentWidget()
    # The parts of a composite control (a combo's editor, a tab bar's scroll arrows,
    # a line edit's clear button) are reached through it.
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox) or (
            parent.inherits("QTabBar") or parent.inherits("QLineEdit")
        ):
            return False
        parent = parent.parentWidget()
    return w.isVisible() and w.isEnabled()


def _name(w: QWidget) -> str:
    from PySide6.QtGui import QAccessible

    face = QAccessible.queryAccessibleInterface(w)
    return (face.text(QAccessible.Text.Name) if face is not None else "") or ""


def tab_walk(qtbot: QtBot, window: QWidget, limit: int = 250) -> list[QWidget]:
    """Press Tab until the focus comes back round; the widgets it visited, in order."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    seen: list[QWidget] = []
    for _ in range(limit):
        current = QApplication.focusWidget()
        if current is None:
            window.focusNextChild()
            continue
        # Round again (a date box takes a Tab per part before letting go: not yet round).
        if len(seen) > 1 and current is seen[0]:
            break
        if current not in seen:
            seen.append(current)
        qtbot.keyClick(current, Qt.Key.Key_Tab)
    return seen


def reach_problems(qtbot: QtBot, window: QWidget) -> list[str]:
    reached = tab_walk(qtbot, window)
    owners = {id(w.focusProxy() or w) for w in reached} | {id(w) for w in reached}
    problems = []
    for w in window.findChildren(QWidget):
        if not _is_control(w):
            continue
        label = f"{type(w).__name__} {w.objectName() or ''} {getattr(w, 'text', lambda: '')()!r}"
        if not _name(w).strip():
            problems.append(f"no accessible name: {label}")
        if id(w) not in owners and id(w.focusProxy()) not in owners:
            problems.append(f"not reached by Tab: {label}")
    return problems


def test_every_control_is_named_and_reached_by_tab(
    main: MainWindow, demo_db: Database, qtbot: QtBot
) -> None:
    problems: dict[str, list[str]] = {}
    for name, w in _windows(main, demo_db, qtbot):
        found = reach_problems(qtbot, w)
        if found:
            problems[name] = found
    assert not problems, "\n".join(f"{k}: {p}" for k, v in problems.items() for p in v)


# --- a dark palette and a 1.5 scale factor ---------------------------------------------------


def dark_palette() -> QPalette:
    """A palette like a desktop's dark theme."""
    p = QPalette()
    dark, base, text = QColor("#2b2b2b"), QColor("#1e1e1e"), QColor("#e8e8e8")
    for role, colour in (
        (QPalette.ColorRole.Window, dark),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#262626")),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#353535")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Highlight, QColor("#2f65ca")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor("#9a9a9a")),
        (QPalette.ColorRole.Mid, QColor("#8a8a8a")),
    ):
        p.setColor(role, colour)
    return p


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def faint_labels(window: QWidget) -> list[str]:
    """Visible labels whose text would vanish into their background."""
    from PySide6.QtWidgets import QLabel

    out = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text().strip():
            continue
        pal = label.palette()
        fg = pal.color(label.foregroundRole())
        bg = pal.color(label.backgroundRole())
        if contrast(fg, bg) < 3.0:
            out.append(f"{label.objectName() or label.text()[:40]!r}: {fg.name()} on {bg.name()}")
    return out


@pytest.fixture
def dark_app(qapp: QApplication) -> Iterator[QApplication]:
    before = qapp.palette()
    qapp.setPalette(dark_palette())
    yield qapp
    qapp.setPalette(before)


def test_under_a_dark_palette_no_text_vanishes(
    dark_app: QApplication,
    qtbot: QtBot,
    demo_db: Database,
    settings: QSettings,
    screenshot_dir: Path,
) -> None:
    main = MainWindow(
        Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY), settings
    )
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.table.selectRow(0)
    problems = []
    for name, w in _windows(main, demo_db, qtbot):
        problems.extend(f"{name}: {p}" for p in faint_labels(w))
        w.grab().save(str(screenshot_dir / f"dark_{name.replace(' ', '_')}.png"))
    assert not problems, "\n".join(problems)


def test_at_a_one_and_a_half_scale_factor_nothing_is_squeezed(
    tmp_path: Path, screenshot_dir: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).parent.parent.parent
    env = {**os.environ, "QT_SCALE_FACTOR": "1.5", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.scaled_windows", str(tmp_path), str(screenshot_dir)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    problems = json.loads(done.stdout.strip().splitlines()[-1])
    assert problems == {"main": [], "draft_editor": []}


def test_tab_goes_through_the_main_window_in_reading_order(main: MainWindow, qtbot: QtBot) -> None:
    main.filters.status.setFocus()
    order = [w.objectName() or w.accessibleName() for w in tab_walk(qtbot, main)]
    wanted = ["Status filter", "Theme filter", "Team filter", "Deadline filter", "search"]
    wanted += ["caseTable", "caseSummary"]
    positions = [next(i for i, name in enumerate(order) if name == w) for w in wanted]
    assert positions == sorted(positions), order
