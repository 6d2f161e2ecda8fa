"""Run by test_windows_fit in a process of its own (QT_SCALE_FACTOR must be set before Qt
starts): the main window and the draft editor at 1.5 scale; prints what is squeezed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Case
from correspondence.services.demo.demo import load_demo
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.draft_editor.loading import read_draft
from correspondence.ui.draft_editor.window import DraftEditor
from correspondence.ui.main_window import MainWindow
from tests.conftest import DEMO_TODAY


def squeezed(window: QWidget) -> list[str]:
    """Buttons and one-line labels narrower than their text needs."""
    out = []
    for w in window.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QAbstractButton | QLabel):
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or not w.text().strip()):
            continue
        if isinstance(w, QAbstractButton) and not w.text().strip():
            continue
        if w.width() < w.minimumSizeHint().width():
            out.append(
                f"{type(w).__name__} {w.text()[:40]!r}: {w.width()} < {w.minimumSizeHint().width()}"
            )
    return out


def main() -> None:
    folder, shots = Path(sys.argv[1]), Path(sys.argv[2])
    app = QApplication([])
    db = open_database(f"sqlite:///{folder / 'scaled.db'}")
    load_demo(db.session_factory, today=DEMO_TODAY)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY), settings
    )
    window.show()
    window.table.selectRow(0)
    with db.session_factory() as s:
        seed = s.scalar(select(Case.id).where(Case.reference == "2009/0007948POSoS"))
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), clock=lambda: DEMO_TODAY)
    editor = DraftEditor(drafting, read_draft(drafting, drafting.current_draft_id(seed) or 0))
    editor.show()
    app.processEvents()
    problems = {}
    for name, w in (("main", window), ("draft_editor", editor)):
        problems[name] = squeezed(w)
        w.grab().save(str(shots / f"scaled_{name}.png"))
    editor.close()
    window.close()
    db.close()
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
