"""Tools → Reports… (Ctrl+Shift+R), Apply retention…, Export a person's data…, Verify the
audit log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from correspondence.services.actors import Role
from correspondence.services.errors import ServiceError

if TYPE_CHECKING:
    from correspondence.services.reports import Reports
    from correspondence.ui.main_window import MainWindow
    from correspondence.ui.reports_window import ReportsWindow

SHORTCUT = "Ctrl+Shift+R"


def _reports(window: MainWindow) -> Reports:
    from correspondence.services.reports import Reports  # when first used, not at start-up

    desk = window.desk
    return Reports(desk.uow, desk.clock)


def open_reports(window: MainWindow) -> ReportsWindow:
    """Show the reports window, reusing it if it is already open."""
    from correspondence.ui.reports_window import ReportsWindow

    existing: ReportsWindow | None = getattr(window, "reports_window", None)
    if existing is None:
        existing = ReportsWindow(_reports(window), window)
        window.reports_window = existing  # type: ignore[attr-defined]
    else:
        existing.refresh()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


def open_retention(window: MainWindow) -> None:
    from correspondence.services.retention import Retention
    from correspondence.ui.dialogs.retention import RetentionDialog

    desk = window.desk
    dialog = RetentionDialog(Retention(desk.uow, desk.clock), window)
    dialog.exec()
    if dialog.applied is not None:
        window.refresh()


def export_person(window: MainWindow) -> None:
    from correspondence.services.subject_access import SubjectAccess

    query, ok = QInputDialog.getText(
        window,
        "Export a person's data",
        "Name or email address of the person (subject access request):",
    )
    if not ok or not query.strip():
        return
    folder = QFileDialog.getExistingDirectory(
        window, "Folder to put the export in", str(Path.home())
    )
    if not folder:
        return
    desk = window.desk
    try:
        result = SubjectAccess(desk.uow, desk.clock).export(query, Path(folder))
    except ServiceError as exc:
        QMessageBox.warning(window, "Export a person's data", str(exc))
        return
    QMessageBox.information(
        window,
        "Export a person's data",
        f"{result.cases:,} case(s), {result.documents:,} document(s) and {result.drafts:,} "
        f"draft(s) that mention {query!r} are in\n{result.folder}\n\n"
        "Open index.html there for the list.",
    )


def verify_audit(window: MainWindow) -> None:
    result = _reports(window).verify_audit()
    if result.intact:
        QMessageBox.information(window, "Audit log", f"The event log is {result.message}.")
    else:
        QMessageBox.critical(
            window, "Audit log", f"The event log has been tampered with: {result.message}."
        )


ADMIN_ONLY = " (admins only)"


def _sync_admin_actions(window: MainWindow) -> None:
    admin = window.desk.actor().has(Role.ADMIN)
    for name in ("retention_action", "person_export_action"):
        action: QAction = getattr(window, name)
        action.setEnabled(admin)
        tip = action.statusTip().removesuffix(ADMIN_ONLY)
        action.setStatusTip(tip if admin else tip + ADMIN_ONLY)


def _user_changed(window: MainWindow) -> None:
    _sync_admin_actions(window)
    window.close_companion("reports_window")  # built for the last user


def _action(window: MainWindow, text: str, name: str, tip: str, slot) -> QAction:  # noqa: ANN001
    action = QAction(text, window)
    action.setObjectName(name)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)
    window.tools_menu.addAction(action)
    return action


def install(window: MainWindow) -> None:
    window.tools_menu.addSeparator()
    reports = _action(
        window,
        "&Reports…",
        "openReports",
        "Letters received and answered, performance against target, overdue, campaigns",
        lambda: open_reports(window),
    )
    reports.setShortcut(QKeySequence(SHORTCUT))
    window.reports_action = reports  # type: ignore[attr-defined]
    window.audit_action = _action(  # type: ignore[attr-defined]
        window,
        "&Verify the audit log",
        "verifyAudit",
        "Check that no recorded event has been changed or deleted",
        lambda: verify_audit(window),
    )
    retention = _action(
        window,
        "Apply re&tention…",
        "applyRetention",
        "Anonymise personal data on cases closed longer ago than the retention period",
        lambda: open_retention(window),
    )
    person = _action(
        window,
        "Export a &person's data…",
        "exportPerson",
        "Subject access: every case, document and draft that mentions a person, in one folder",
        lambda: export_person(window),
    )
    window.retention_action = retention  # type: ignore[attr-defined]
    window.person_export_action = person  # type: ignore[attr-defined]
    _sync_admin_actions(window)
    window.user_changed.connect(lambda _username: _user_changed(window))
