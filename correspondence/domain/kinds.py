"""States and kinds of the smaller records: a standard line's versions, a campaign, a paragraph."""

from __future__ import annotations

from enum import StrEnum


class LineStatus(StrEnum):
    """A version of a standard line: drafted, submitted to a policy lead, then approved or not."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETIRED = "retired"


class CampaignStatus(StrEnum):
    """A group of near-identical letters: proposed by detection, confirmed by an officer."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


class ParagraphKind(StrEnum):
    """A paragraph of a draft: an approved line's words, or the drafter's own."""

    LINE = "line"
    FREE = "free"
