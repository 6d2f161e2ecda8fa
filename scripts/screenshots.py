"""Screenshots of every window on a demo database at 1366×768 and 1400×900.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py sqlite:////tmp/x.db [tag]

Saves under screenshots/<tag>/; a developer's look at the windows, not a test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Case
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as

SIZES = ((1366, 768), (1400, 900))


def shoot(widget: QWidget, name: str, out: Path) -> None:
    for w, h in SIZES:
        if widget.isWindow():
            widget.resize(min(w, widget.maximumWidth()), min(h - 60, widget.maximumHeight()))
        QApplication.processEvents()
        widget.grab().save(str(out / f"{name}-{w}x{h}.png"))
    print(name, widget.size().width(), widget.size().height(), widget.sizeHint().toTuple())


def main() -> None:
    url = sys.argv[1]
    tag = sys.argv[2] if len(sys.argv) > 2 else "now"
    out = Path(__file__).parent.parent / "screenshots" / tag
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415

    # Modal boxes would stop the run: say what they said instead.
    for name in ("warning", "information", "critical"):
        setattr(QMessageBox, name, staticmethod(lambda *a, **k: print("BOX", a[1:3])))
    if os.environ.get("DARK"):
        from correspondence.ui.palette import dark_palette  # noqa: PLC0415

        app.setPalette(dark_palette())
    db = open_database(url)
    desk = Desk(acting_as(db.session_factory, os.environ.get("AS_USER", "a.okoro")))
    settings = QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat)
    from correspondence.ui import (  # noqa: PLC0415
        campaign_actions,
        drafting_actions,
        library_actions,
        reports_actions,
        triage_actions,
    )
    from correspondence.ui.main_window import MainWindow  # noqa: PLC0415

    win = MainWindow(desk, settings, db_label="demo.db")
    win.show()
    win.resize(1366, 768 - 60)
    QApplication.processEvents()
    win.table.selectRow(0)
    shoot(win, "main", out)
    drafting_actions.toggle_my_work(win)
    shoot(win, "main-mywork", out)
    drafting_actions.toggle_my_work(win)
    win.my_work_dock.hide()
    tri = triage_actions.open_triage(win)
    shoot(tri, "triage", out)
    tri.close()
    # The seed case's draft, and a triaged case's fresh draft.
    with db.session_factory() as s:
        seed = s.scalar(select(Case.id).where(Case.reference.like("%0007948%")))
        triaged = s.scalar(select(Case.id).where(Case.status == "triaged").limit(1))
    for name, cid in (("draft-seed", seed), ("draft-new", triaged)):
        if cid is None:
            continue
        win.filters.clear()
        drafting_actions._select_case(win, cid)
        ed = drafting_actions.draft_reply(win)
        if ed is not None:
            shoot(ed, name, out)
            ed.close()
    for name, opener in (
        ("library", library_actions.open_library),
        ("campaigns", campaign_actions.open_campaigns),
        ("reports", reports_actions.open_reports),
    ):
        w = opener(win)
        shoot(w, name, out)
        w.close()
    from correspondence.ui import collab_actions, intake_actions  # noqa: PLC0415

    dlg = collab_actions.edit_case(win)
    if dlg is not None:
        shoot(dlg, "edit-case", out)
        dlg.close()
    ctl = win.feature(intake_actions.IntakeController)
    if ctl is not None:
        d = ctl.log_letter()
        shoot(d, "log-letter", out)
        d.close()
    win.close()
    db.close()


if __name__ == "__main__":
    main()
