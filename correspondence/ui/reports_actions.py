"""Tools → Reports… (Ctrl+Shift+R), Apply retention…, Export a person's data…, Verify the
audit log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from correspondence.services.actors import Role
from correspondence.services.errors import ServiceError
from correspondence.ui.actions import DeskWindow, Feature, Menu, Section, close_widget

if TYPE_CHECKING:
    from correspondence.services.reports.reports import Reports
    from correspondence.ui.reports_window import ReportsWindow

SHORTCUT = "Ctrl+Shift+R"
ADMIN_ONLY = " (admins only)"


class ReportsFeature(Feature):
    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.reports_window: ReportsWindow | None = None
        window.user_changed.connect(self._user_changed)

    def _user_changed(self, _username: str) -> None:
        close_widget(self.reports_window)  # built for the last user
        self.reports_window = None


def _is_admin(window: DeskWindow) -> bool:
    return window.desk.actor().has(Role.ADMIN)


def _reports(window: DeskWindow) -> Reports:
    from correspondence.services.reports.reports import Reports  # when first used, not at start-up

    desk = window.desk
    return Reports(desk.uow, desk.clock)


@ReportsFeature.action(
    "openReports",
    "&Reports…",
    Menu.TOOLS,
    Section.DATA,
    shortcut=SHORTCUT,
    tip="Letters received and answered, performance against target, overdue, campaigns",
)
def open_reports(window: DeskWindow) -> ReportsWindow:
    """Show the reports window, reusing it if it is already open."""
    from correspondence.ui.reports_window import ReportsWindow

    feature = window.feature(ReportsFeature)
    existing = feature.reports_window
    if existing is None:
        existing = ReportsWindow(_reports(window), window)
        feature.reports_window = existing
    else:
        existing.refresh()
    existing.show()
    existing.raise_()
    existing.activateWindow()
    return existing


@ReportsFeature.action(
    "applyRetention",
    "Apply re&tention…",
    Menu.TOOLS,
    Section.DATA,
    tip="Anonymise personal data on cases closed longer ago than the retention period",
    enabled_when=_is_admin,
    disabled_note=ADMIN_ONLY,
)
def open_retention(window: DeskWindow) -> None:
    from correspondence.services.people.retention import Retention
    from correspondence.ui.dialogs.retention import RetentionDialog

    desk = window.desk
    dialog = RetentionDialog(Retention(desk.uow, desk.clock), window)
    dialog.exec()
    if dialog.applied is not None:
        window.refresh()


@ReportsFeature.action(
    "exportPerson",
    "Export a &person's data…",
    Menu.TOOLS,
    Section.DATA,
    tip="Subject access: every case, document and draft that mentions a person, in one folder",
    enabled_when=_is_admin,
    disabled_note=ADMIN_ONLY,
)
def export_person(window: DeskWindow) -> None:
    from correspondence.services.people.subject_access import SubjectAccess

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


@ReportsFeature.action(
    "verifyAudit",
    "&Verify the audit log",
    Menu.TOOLS,
    Section.DATA,
    tip="Check that no recorded event has been changed or deleted",
)
def verify_audit(window: DeskWindow) -> None:
    result = _reports(window).verify_audit()
    if result.intact:
        QMessageBox.information(window, "Audit log", f"The event log is {result.message}.")
    else:
        QMessageBox.critical(
            window, "Audit log", f"The event log has been tampered with: {result.message}."
        )
