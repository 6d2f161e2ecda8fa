"""What another user changed while you were editing: the facts a conflict dialog shows.

Saves are refused when the row's `version` moved on (optimistic locking, see
db/models.py); these functions then read the newer row and the event log so the
person can choose to reload or to re-apply their own values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft, Event
from correspondence.services.errors import NotFound


@dataclass(frozen=True)
class FieldChange:
    field: str  # the column name, e.g. "summary"
    label: str  # for people: "Summary"
    theirs: Any  # the value saved now, by someone else
    mine: Any  # the value this person was about to save
    changed_by: str = ""  # username from the event log, "" when it recorded none
    changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Changes:
    current_version: int
    fields: tuple[FieldChange, ...]

    @property
    def stale(self) -> bool:
        return bool(self.fields)


def case_changes(
    session: Session,
    case_id: int,
    since_version: int,
    my_values: dict[str, Any],
    original: dict[str, Any] | None = None,
) -> list[FieldChange]:
    """Fields of case `case_id` where the saved value and `my_values` disagree.

    Empty when nobody saved since `since_version`. With `original` (the values the
    person loaded), fields nobody else touched are left out: re-applying those is
    safe. Values are compared as typed (dates, ints), shown as they are.
    """
    return list(
        row_changes(session, Case, "case", case_id, since_version, my_values, original).fields
    )


def draft_changes(
    session: Session,
    draft_id: int,
    since_version: int,
    my_values: dict[str, Any],
    original: dict[str, Any] | None = None,
) -> list[FieldChange]:
    """As `case_changes`, for a draft's own fields (subject, salutation, ...)."""
    return list(
        row_changes(session, Draft, "draft", draft_id, since_version, my_values, original).fields
    )


_Versioned = TypeVar("_Versioned", Case, Draft)


def row_changes(
    session: Session,
    model: type[_Versioned],
    entity: str,
    row_id: int,
    since_version: int,
    my_values: dict[str, Any],
    original: dict[str, Any] | None = None,
) -> Changes:
    columns = {c.key for c in inspect(model).column_attrs}
    unknown = sorted(set(my_values) - columns)
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {', '.join(unknown)}")
    # populate_existing: the session may hold the stale copy the person was editing.
    row = session.get(model, row_id, populate_existing=True)
    if row is None:
        raise NotFound(f"No {entity} #{row_id}: it may have been deleted.")
    version = int(row.version)
    if version == since_version:
        return Changes(version, ())
    who = _last_change_per_field(session, entity, row_id, set(my_values))
    out = []
    for name, mine in my_values.items():
        theirs = getattr(row, name)
        if _same(theirs, mine):
            continue
        if original is not None and name in original and _same(theirs, original[name]):
            continue  # only I changed it
        by, at = who.get(name, ("", None))
        out.append(FieldChange(name, _label(name), theirs, mine, by, at))
    return Changes(version, tuple(out))


def _last_change_per_field(
    session: Session, entity: str, row_id: int, fields: set[str]
) -> dict[str, tuple[str, dt.datetime]]:
    rows = session.execute(
        select(Event.field, Event.username, Event.at)
        .where(Event.entity == entity, Event.entity_id == row_id, Event.field.in_(fields))
        .order_by(Event.id)
    )
    return {f: (user, at) for f, user, at in rows}  # later events overwrite earlier ones


def _same(a: Any, b: Any) -> bool:
    # Forms hand back "" where the row holds None, and str where it holds a date.
    norm = [("" if v is None else v.isoformat() if isinstance(v, dt.date) else v) for v in (a, b)]
    return norm[0] == norm[1] or str(norm[0]) == str(norm[1])


def _label(name: str) -> str:
    name = name.removesuffix("_id").removesuffix("_on")
    return name.replace("_", " ").capitalize()
