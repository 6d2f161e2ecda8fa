"""What applying one triage decision reads, asked for in one statement.

Over a distant link each statement is a round trip (50 ms), and the case row stays locked
from the first to the commit. So the case, the reply type and team the decision names,
whether the case was extended, the themes asked for and the case's themes now all come in
one statement; the steps of `triage.apply` then find them here instead of asking again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from correspondence.db.models import Case, Extension, ReplyType, Team, Theme, case_themes

KNOWN = "correspondence_triage_known"


@dataclass(frozen=True)
class Known:
    """What was read with the case, for the steps that follow (within one transaction)."""

    extended: bool
    wanted: tuple[str, ...] | None  # the theme codes asked for, cleaned; None: not read
    found: dict[str, int]  # code → id of each wanted theme that exists
    current: tuple[tuple[str, str, float | None], ...]  # the case's themes: code, source, score
    held: tuple[object, ...]  # the reply type and team read, kept for the steps that use them


def clean_codes(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))


def load(
    session: Session,
    case_id: int,
    *,
    reply_type: str | None,
    team_id: int | None,
    themes: Iterable[str] | None,
    lock: bool,
) -> Case | None:
    """The case (locked until commit when `lock`) and what the decision needs; None if no
    such case. What was read is kept for `known`."""
    extended = (
        select(func.count(Extension.id))
        .where(Extension.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )
    wanted = tuple(clean_codes(themes)) if themes is not None else None
    query = (
        select(Case, ReplyType, Team, extended)
        .select_from(Case)
        .outerjoin(ReplyType, ReplyType.code == reply_type if reply_type is not None else false())
        .outerjoin(Team, Team.id == team_id if team_id is not None else false())
        .where(Case.id == case_id)
        .options(joinedload(Case.team))  # the team it had, named in the history
    )
    if wanted is not None:
        now = case_themes.alias("themes_now")
        on_case = select(now.c.theme_id).where(now.c.case_id == Case.id).correlate(Case)
        query = (
            query.add_columns(Theme.code, Theme.id, case_themes.c.source, case_themes.c.score)
            .add_columns(case_themes.c.case_id)
            .outerjoin(Theme, or_(Theme.code.in_(wanted), Theme.id.in_(on_case)))
            .outerjoin(
                case_themes,
                and_(case_themes.c.theme_id == Theme.id, case_themes.c.case_id == Case.id),
            )
        )
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    rows = session.execute(query).all()
    if not rows:
        return None
    case, rt, team, count = rows[0][:4]
    theme_rows = [r[4:] for r in rows if wanted is not None and r[4] is not None]
    session.info.setdefault(KNOWN, {})[case.id] = Known(
        extended=bool(count),
        wanted=wanted,
        found={code: tid for code, tid, *_ in theme_rows if wanted and code in wanted},
        current=tuple((code, src, score) for code, _, src, score, on in theme_rows if on),
        held=(rt, team),
    )
    return case


def known(session: Session, case_id: int) -> Known | None:
    return (session.info.get(KNOWN) or {}).get(case_id)
