"""The standard lines offered to a draft: its case's or campaign's themes first, filled in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import (
    Case,
    Draft,
    DraftParagraph,
    LineVersion,
    StandardLine,
    Theme,
    case_themes,
)
from correspondence.domain.states import DraftStatus
from correspondence.services.campaigns.campaign_profile import campaign_sample, campaign_theme_codes
from correspondence.services.drafting.draft_loading import latest_approved, mapping_for
from correspondence.services.lines.line_fit import fill


@dataclass(frozen=True)
class LineOffer:
    key: str
    title: str
    themes: tuple[str, ...]
    numbered: bool
    version_id: int
    version: int
    body: str
    for_case: bool  # shares a theme with the case (or campaign): offered first
    used_before: bool  # used in an earlier reply to this correspondent
    wording: str = ""  # as it will print for this case (or the campaign's sample letter)
    unavailable: str = ""  # why it cannot be used for this letter, in plain words
    generic: bool = False  # fits a letter on any theme: openings, holding replies, transfers


def offer_lines(
    session: Session,
    case_id: int | None,
    search: str = "",
    *,
    campaign_id: int | None = None,
) -> list[LineOffer]:
    """Approved lines: the case's themes first (used-before ones at the top), then the rest.

    Among the lines for the case's themes, those about nothing else come before those that
    also cover other subjects (an opening tagged with every theme is last of them). For a
    campaign's reply (``campaign_id``, no case) the themes are the campaign's, and its most
    common theme comes first.
    """
    case = session.get(Case, case_id) if case_id is not None else None
    sample = case or (campaign_sample(session, campaign_id) if campaign_id is not None else None)
    mapping = mapping_for(session, sample)
    every_theme = set(session.scalars(select(Theme.id)))
    case_theme_ids: set[int] = set()
    used_line_ids: set[int] = set()
    # Campaign theme id → rank (0 = most common); empty for a case, whose themes rank alike.
    theme_rank: dict[int, int] = {}
    if case is None and campaign_id is not None:
        codes = campaign_theme_codes(session, campaign_id)
        ids = dict(session.execute(select(Theme.code, Theme.id).where(Theme.code.in_(codes))).all())
        theme_rank = {ids[code]: rank for rank, code in enumerate(codes) if code in ids}
        case_theme_ids = set(theme_rank)
    if case is not None:
        case_theme_ids = set(
            session.scalars(select(case_themes.c.theme_id).where(case_themes.c.case_id == case.id))
        )
        if case.correspondent_id is not None:
            used_line_ids = set(
                session.scalars(
                    select(LineVersion.line_id)
                    .join(DraftParagraph, DraftParagraph.line_version_id == LineVersion.id)
                    .join(Draft, Draft.id == DraftParagraph.draft_id)
                    .join(Case, Case.id == Draft.case_id)
                    .where(
                        Case.correspondent_id == case.correspondent_id,
                        Case.id != case.id,
                        Draft.status != DraftStatus.SUPERSEDED.value,
                    )
                )
            )
    lines = session.scalars(
        select(StandardLine).options(selectinload(StandardLine.themes)).order_by(StandardLine.key)
    ).all()
    latest = latest_approved(session, {line.id for line in lines})
    words = search.lower().split()
    offers: list[LineOffer] = []
    order: dict[str, tuple[int, int]] = {}  # line key → (other subjects, theme rank)
    for line in lines:
        version = latest.get(line.id)
        if version is None:
            continue
        wording, unavailable = fill(version.body, mapping) if mapping is not None else ("", "")
        if words:
            haystack = f"{line.key} {line.title} {wording or version.body}".lower()
            if not all(w in haystack for w in words):
                continue
        line_theme_ids = {t.id for t in line.themes}
        offers.append(
            LineOffer(
                key=line.key,
                title=line.title,
                themes=tuple(t.code for t in line.themes),
                numbered=line.numbered,
                version_id=version.id,
                version=version.number,
                body=version.body,
                for_case=bool(case_theme_ids & line_theme_ids),
                used_before=line.id in used_line_ids,
                wording=wording,
                unavailable=unavailable,
                generic=len(every_theme) > 1 and every_theme <= line_theme_ids,
            )
        )
        theme_ids = {t.id for t in line.themes}
        best = min((theme_rank.get(t, len(theme_rank)) for t in theme_ids), default=0)
        order[line.key] = (len(theme_ids - case_theme_ids), best)
    offers.sort(
        key=lambda o: (
            not o.for_case,
            not o.used_before,
            order[o.key],
            o.title.lower(),
        )
    )
    return offers
