"""The facade the UI and the CLI call: one method per use case, one transaction each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from correspondence.db.batch_reads import read_together
from correspondence.db.models import Campaign, Case, Team, Theme
from correspondence.domain.states import CaseStatus
from correspondence.services.actors import Actor
from correspondence.services.cases import case_list, case_move, cases
from correspondence.services.cases.deadlines import DeadlineView, deadline_from, deadline_reads
from correspondence.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


class Desk:
    """Services bound to a database and to the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    # --- who -----------------------------------------------------------------
    @property
    def username(self) -> str:
        """Who this desk acts as (for an admin acting for someone: the admin)."""
        return self.uow.username

    def actor(self) -> Actor:
        with self.uow.read() as uow:
            return uow.actor

    # --- the list --------------------------------------------------------------
    def list_page(
        self,
        flt: case_list.CaseFilter,
        *,
        sort: case_list.SortKey = case_list.SortKey.RECEIVED,
        descending: bool = True,
        after: tuple[Any, int] | None = None,
        limit: int = 200,
    ) -> case_list.Page:
        with self.uow.read() as uow:
            s = uow.session
            return case_list.list_page(
                s,
                flt,
                sort=sort,
                descending=descending,
                after=after,
                limit=limit,
                today=self.clock(),
            )

    def counts(self, flt: case_list.CaseFilter) -> case_list.Counts:
        with self.uow.read() as uow:
            s = uow.session
            return case_list.counts(s, flt, self.clock())

    def list_with_counts(
        self,
        flt: case_list.CaseFilter,
        *,
        sort: case_list.SortKey = case_list.SortKey.RECEIVED,
        descending: bool = True,
        limit: int = 200,
    ) -> tuple[case_list.Page, case_list.Counts]:
        """The first page and the status-bar counts in one unit of work (one click)."""
        with self.uow.read() as uow:
            s, today = uow.session, self.clock()
            page = case_list.list_page(
                s, flt, sort=sort, descending=descending, limit=limit, today=today
            )
            return page, case_list.counts(s, flt, today)

    def change_marker(self) -> tuple[int, int, str]:
        """A cheap fingerprint of the cases table, to notice other users' changes."""
        with self.uow.read() as uow:
            s = uow.session
            n, top, updated = s.execute(
                select(func.count(Case.id), func.max(Case.id), func.max(Case.updated_at))
            ).one()
            return (n or 0, top or 0, str(updated))

    # --- one case ----------------------------------------------------------------
    def detail(self, case_id: int) -> cases.CaseDetail:
        with self.uow.read() as uow:
            s = uow.session
            return cases.detail(s, case_id, self.clock())

    def open_case(self, case_id: int) -> tuple[cases.CaseDetail, DeadlineView]:
        """The detail pane and the deadline box of one case, in one unit of work."""
        with self.uow.read() as uow:
            s, today = uow.session, self.clock()
            case = cases.case_for_detail(s, case_id)
            # Everything else the pane and the deadline box show, in one round trip more.
            rows = read_together(s, [*cases.detail_reads(case), *deadline_reads(case)])
            return cases.detail_from(s, case, rows[:3], today), deadline_from(
                case, *rows[3:], today=today
            )

    def find_reference(self, reference: str) -> int:
        with self.uow.read() as uow:
            s = uow.session
            return cases.case_by_reference(s, reference).id

    def move(
        self,
        case_id: int,
        target: CaseStatus,
        reason: str = "",
        expected_version: int | None = None,
    ) -> cases.CaseDetail:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            # The case locked with all its pane shows, written with the COMMIT (case_move).
            return case_move.move_and_show(
                s,
                actor,
                case_id,
                target,
                reason=reason,
                expected_version=expected_version,
                today=self.clock(),
            )

    def log_case(self, data: cases.NewCase) -> str:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            return cases.log_case(s, actor, data, today=self.clock()).reference

    # --- choices for filters and forms -------------------------------------------
    def theme_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(code, f"{code} — {name}")
                for code, name in s.execute(
                    select(Theme.code, Theme.name)
                    .where(Theme.active.is_(True))
                    .order_by(Theme.code)
                )
            ]

    def team_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(i, name)
                for i, name in s.execute(
                    select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name)
                )
            ]

    def campaign_choices(self) -> list[Choice]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Choice(i, name)
                for i, name in s.execute(select(Campaign.id, Campaign.name).order_by(Campaign.name))
            ]

    @staticmethod
    def status_choices() -> list[Choice]:
        return [Choice("open", "All open"), Choice("closed", "All closed")] + [
            Choice(st.value, st.label) for st in CaseStatus
        ]
