"""Everything a save of a case's details reads, asked in one message (over a distant link
each statement is a round trip): the case locked, its themes, and the rows its checks and
its history look up by id (teams, people, signatories, reply types), before and after.

The looked-up rows are handed to the session as loaded (db.row_reads.held), so
`session.get` finds them without asking: case_edit's own checks and names run unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Rows, read_together
from correspondence.db.models import (
    Case,
    Extension,
    ReplyType,
    Signatory,
    Team,
    Theme,
    User,
    case_themes,
)
from correspondence.db.row_reads import built, columns_of, held


@dataclass(frozen=True)
class EditRows:
    """What `read_for_edit` found: the case (held, locked), its themes with their ids and
    scores, the known codes of the themes asked for, and its extensions."""

    case: Case | None
    themes: Rows  # (code, theme id, score), by code
    known_themes: dict[str, int]  # code → id, of those asked for
    extensions: int
    # The rows looked up, held here: the session holds loaded rows only weakly.
    looked_up: tuple[object, ...] = ()


def _ints(values: Iterable[Any]) -> list[int]:
    # Only ids the database can compare; anything else is looked up (and refused) as before.
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def wanted_codes(themes: Iterable[Any] | None) -> list[str]:
    """Theme codes as case_edit._validated reads them: stripped, upper case, once each."""
    return sorted({str(c).strip().upper() for c in themes or () if str(c).strip()})


def read_for_edit(session: Session, case_id: int, changes: Mapping[str, Any]) -> EditRows:
    def of_case(column: Any) -> Any:
        return select(column).where(Case.id == case_id).scalar_subquery()

    def either(column: Any, now: Any, field: str) -> Any:
        # The value the case holds now and the one asked for.
        return or_(column == of_case(now), column.in_(_ints([changes.get(field)])))

    codes = [c for c in (changes.get("reply_type_code"),) if isinstance(c, str)]
    (
        case_rows,
        theme_rows,
        team_rows,
        user_rows,
        signatory_rows,
        reply_type_rows,
        known_rows,
        extension_rows,
    ) = read_together(
        session,
        [
            select(*columns_of(Case)).where(Case.id == case_id).with_for_update(),
            select(Theme.code, case_themes.c.theme_id, case_themes.c.score)
            .join(Theme, Theme.id == case_themes.c.theme_id)
            .where(case_themes.c.case_id == case_id)
            .order_by(Theme.code),
            select(*columns_of(Team)).where(either(Team.id, Case.team_id, "team_id")),
            select(*columns_of(User)).where(either(User.id, Case.drafter_id, "drafter_id")),
            select(*columns_of(Signatory)).where(
                or_(
                    either(Signatory.id, Case.signatory_id, "signatory_id"),
                    either(Signatory.id, Case.addressed_to_id, "addressed_to_id"),
                )
            ),
            select(*columns_of(ReplyType)).where(
                or_(ReplyType.code == of_case(Case.reply_type_code), ReplyType.code.in_(codes))
            ),
            select(Theme.code, Theme.id).where(
                Theme.code.in_(wanted_codes(changes.get("themes")) if "themes" in changes else [])
            ),
            select(func.count(Extension.id)).where(Extension.case_id == case_id),
        ],
    )
    looked_up = []
    for model, rows in (
        (Team, team_rows),
        (User, user_rows),
        (Signatory, signatory_rows),
        (ReplyType, reply_type_rows),
    ):
        looked_up += [held(session, model, row) for row in rows]
    return EditRows(
        case=held(session, Case, case_rows[0]) if case_rows else None,
        themes=theme_rows,
        known_themes={code: theme_id for code, theme_id in known_rows},
        extensions=int(extension_rows[0][0] or 0) if extension_rows else 0,
        looked_up=tuple(looked_up),
    )


def read_form(session: Session, case_id: int) -> tuple[Case | None, tuple[str, ...]]:
    """The case (unsaved: for showing) and its theme codes, sorted, in one message."""
    case_rows, theme_rows = read_together(
        session,
        [
            select(*columns_of(Case)).where(Case.id == case_id),
            select(Theme.code)
            .join(case_themes, case_themes.c.theme_id == Theme.id)
            .where(case_themes.c.case_id == case_id),
        ],
    )
    case = built(Case, case_rows[0]) if case_rows else None
    return case, tuple(sorted(code for (code,) in theme_rows))
