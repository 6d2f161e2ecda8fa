"""What happens right after a letter is logged, before its transaction commits.

`on_case_logged` is called once per newly logged case (by hand) with the open session,
and returns the name of the campaign the case was put into, or None. An import calls
`on_cases_logged` once per batch with the batch's new letters, in order: the same
decisions, made in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Case

if TYPE_CHECKING:
    from correspondence.services.campaigns.campaign_detect import Fingerprint
    from correspondence.services.campaigns.campaign_placing import NewLetter


def on_case_logged(session: Session, case: Case) -> str | None:
    """Campaign grouping: join the campaign this letter copies, or start one when it is
    the third near-identical letter; the campaign's name, or None."""
    # Imported here so logging a letter does not load the grouping code until it is needed.
    from correspondence.services.campaigns.campaign_placing import place_new_case

    return place_new_case(session, case)


_PER_CASE_HOOK = on_case_logged


def on_cases_logged(session: Session, letters: Sequence[NewLetter]) -> list[str | None]:
    """`on_case_logged` for each of a batch's new letters, in order; their campaigns' names."""
    if on_case_logged is not _PER_CASE_HOOK:
        # The per-letter hook was replaced (a test, a plugin): call it with each case.
        ids = [letter.case_id for letter in letters]
        loaded = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
        return [on_case_logged(session, loaded[i]) for i in ids]
    from correspondence.services.campaigns.campaign_placing import place_new_cases

    return place_new_cases(session, letters)


def joins_ahead(
    session: Session, letters: Sequence[tuple[str, Fingerprint | None]]
) -> list[tuple[int, float, str] | None]:
    """Before a batch's cases are written: the campaign each letter at its head joins
    (campaign_placing.joins_ahead), so its case is written in it. None for every letter
    when the per-letter hook was replaced: that hook then sees each case as logged."""
    if on_case_logged is not _PER_CASE_HOOK:
        return [None] * len(letters)
    from correspondence.services.campaigns.campaign_placing import joins_ahead

    return joins_ahead(session, letters)
