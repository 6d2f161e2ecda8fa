"""The campaign use cases for the window and the command line, one transaction each.

What each does lives beside it: reading in ``campaign_views``, an officer's changes in
``campaign_membership``, detection in ``campaign_grouping`` (placing a letter at intake in
``campaign_placing``), the reply draft in ``campaign_reply``.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable

from correspondence.services.campaigns.campaign_grouping import DetectReport, detect_campaigns
from correspondence.services.campaigns.campaign_membership import (
    add_members,
    confirm,
    merge,
    remove_members,
    rename,
    set_canonical,
    split,
)
from correspondence.services.campaigns.campaign_reply import reply_draft
from correspondence.services.campaigns.campaign_views import (
    CampaignDetail,
    CampaignSummary,
    detail,
    list_campaigns,
    member_references,
)
from correspondence.services.unit_of_work import UnitOfWorkFactory


class Campaigns:
    """Campaign use cases bound to a database and the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def list(self) -> list[CampaignSummary]:
        with self.uow.read() as uow:
            s = uow.session
            return list_campaigns(s)

    def detail(self, campaign_id: int) -> CampaignDetail:
        with self.uow.read() as uow:
            s = uow.session
            return detail(s, campaign_id)

    def member_references(self, campaign_id: int) -> builtins.list[str]:
        with self.uow.read() as uow:
            s = uow.session
            return member_references(s, campaign_id)

    def rename(
        self,
        campaign_id: int,
        name: str,
        organisation: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            rename(s, uow.actor, campaign_id, name, organisation, expected_version)

    def confirm(self, campaign_id: int) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            confirm(s, uow.actor, campaign_id)

    def remove_members(self, campaign_id: int, case_ids: Iterable[int], reason: str = "") -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return remove_members(s, uow.actor, campaign_id, case_ids, reason)

    def add_members(self, campaign_id: int, case_ids: Iterable[int]) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return add_members(s, uow.actor, campaign_id, case_ids)

    def split(self, campaign_id: int, case_ids: Iterable[int], name: str = "") -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return split(s, uow.actor, campaign_id, case_ids, name)

    def merge(self, keep_id: int, other_id: int) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return merge(s, uow.actor, keep_id, other_id)

    def set_canonical(self, campaign_id: int, case_id: int) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            set_canonical(s, uow.actor, campaign_id, case_id)

    def detect(self) -> DetectReport:
        with self.uow.begin() as uow:
            s = uow.session
            return detect_campaigns(s, uow.actor)

    def reply_draft(self, campaign_id: int) -> int:
        with self.uow.begin() as uow:
            s = uow.session
            return reply_draft(s, uow.actor, campaign_id)
