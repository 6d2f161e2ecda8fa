"""Editing a case's details with optimistic locking: a stale save is refused, never lost.

The person loads a `CaseEditView` (which carries the row's `version`), changes some
fields and saves only those. If anyone saved the case in between, `update_case`
raises `ConflictError`; `edit_conflict` then says what the other person changed, so
the window can offer to reload (theirs) or re-apply (mine on top of theirs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import (
    Case,
    Event,
    Extension,
    ReplyType,
    Signatory,
    Team,
    Theme,
    User,
    case_themes,
    now_utc,
    user_roles,
)
from correspondence.domain.subject_phrase import MAX_CHARS as MAX_PHRASE_CHARS
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import conflicts, history
from correspondence.services.cases.case_edit_reads import (
    EditRows,
    read_for_edit,
    read_form,
    wanted_codes,
)
from correspondence.services.cases.conflicts import FieldChange
from correspondence.services.cases.deadlines import due_for
from correspondence.services.errors import ConflictError, NotFound, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

PRIORITIES = ("normal", "high", "urgent")

# Form field → (label, the event log's field name). Order is the form's order.
FIELDS: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "summary"),
    "subject_phrase": ("Subject phrase", "subject_phrase"),
    "priority": ("Priority", "priority"),
    "reply_type_code": ("Reply type", "reply_type"),
    "team_id": ("Team", "team"),
    "drafter_id": ("Drafter", "drafter"),
    "signatory_id": ("Signatory", "signatory"),
    "addressed_to_id": ("Addressed to", "addressed_to"),
    "themes": ("Themes", "themes"),
}
COLUMNS = tuple(f for f in FIELDS if f != "themes")


@dataclass(frozen=True)
class Option:
    value: Any
    label: str


@dataclass(frozen=True)
class CaseEditView:
    """The editable fields of one case as stored, with the version they belong to."""

    id: int
    version: int
    reference: str
    summary: str
    priority: str
    reply_type_code: str | None
    team_id: int | None
    drafter_id: int | None
    signatory_id: int | None
    addressed_to_id: int | None
    themes: tuple[str, ...]  # codes, sorted
    subject_phrase: str = ""  # how the reply's opening names the subject

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS}


@dataclass(frozen=True)
class EditChoices:
    priorities: tuple[Option, ...]
    reply_types: tuple[Option, ...]
    teams: tuple[Option, ...]
    drafters: tuple[Option, ...]
    signatories: tuple[Option, ...]
    themes: tuple[Option, ...]


@dataclass(frozen=True)
class EditConflict:
    """What someone else saved since `since_version`, in words a person reads."""

    current: CaseEditView  # the case as it is now (their version)
    since_version: int
    fields: tuple[FieldChange, ...]  # theirs/mine as display text; one per field they changed
    mine_changed: frozenset[str]  # fields this person changed too (a true clash)
    last_changed_by: str  # who saved the case last, from the event log ("" if unknown)


# --- reading ---------------------------------------------------------------------------


def load(session: Session, case_id: int) -> CaseEditView:
    """The form's fields of the case, with its themes: one message (case_edit_reads)."""
    case, themes = read_form(session, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}: it may have been deleted.")
    return _view_of(case, themes)


def choices(session: Session) -> EditChoices:
    drafters = session.execute(
        select(User.id, User.display_name)
        .join(user_roles, user_roles.c.user_id == User.id)
        .where(
            User.active.is_(True),
            user_roles.c.role.in_([Role.DRAFTER.value, Role.POLICY_LEAD.value]),
        )
        .order_by(User.display_name)
        .distinct()
    ).all()
    return EditChoices(
        priorities=tuple(Option(p, p.capitalize()) for p in PRIORITIES),
        reply_types=tuple(
            Option(code, name)
            for code, name in session.execute(
                select(ReplyType.code, ReplyType.name).order_by(ReplyType.name)
            )
        ),
        teams=tuple(
            Option(i, name)
            for i, name in session.execute(
                select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name)
            )
        ),
        drafters=tuple(Option(i, name) for i, name in drafters),
        signatories=tuple(
            Option(i, f"{name}, {title}")
            for i, name, title in session.execute(
                select(Signatory.id, Signatory.name, Signatory.title)
                .where(Signatory.active.is_(True))
                .order_by(Signatory.id)
            )
        ),
        themes=tuple(
            Option(code, name)
            for code, name in session.execute(
                select(Theme.code, Theme.name).where(Theme.active.is_(True)).order_by(Theme.code)
            )
        ),
    )


def display_value(session: Session, field: str, value: Any) -> str:
    """A stored value as a person reads it: names, not ids."""
    if value is None or value == "" or value == ():
        return "(none)"
    if field in ("team_id",):
        team = session.get(Team, value)
        return team.name if team else f"team #{value}"
    if field == "drafter_id":
        user = session.get(User, value)
        return user.display_name if user else f"user #{value}"
    if field in ("signatory_id", "addressed_to_id"):
        sig = session.get(Signatory, value)
        return f"{sig.name}, {sig.title}" if sig else f"signatory #{value}"
    if field == "reply_type_code":
        rt = session.get(ReplyType, value)
        return rt.name if rt else str(value)
    if field == "priority":
        return str(value).capitalize()
    if field == "themes":
        return ", ".join(value)
    return str(value)


# --- saving ----------------------------------------------------------------------------


def update_case(
    session: Session,
    actor: Actor,
    case_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
) -> CaseEditView:
    """Save `changes` (form field → new value) if the case is still at `expected_version`.

    Raises ConflictError when someone else saved the case since, leaving it as they
    left it. Each changed field becomes one "edited" event. Does not commit.

    Three round trips on PostgreSQL: BEGIN; the case locked with everything the save
    looks up (case_edit_reads); its writes and events with the COMMIT.
    """
    actor.require("edit a case's details", Role.OFFICER)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError("Field", f"cannot edit {', '.join(unknown)} here")
    found = read_for_edit(session, case_id, changes)
    case = found.case
    if case is None:
        raise NotFound(f"No case #{case_id}: it may have been deleted.")
    if case.version != expected_version:
        raise _conflict(case)
    # Locked as it was read: its one UPDATE goes with the COMMIT, version checked.
    events.write_with_commit(session, case)
    themes = tuple(code for code, _id, _score in found.themes)
    before = _view_of(case, themes)
    wanted = _validated(session, dict(changes), known_themes=set(found.known_themes))
    log: dict[str, tuple[object, object]] = {}
    for name, new in wanted.items():
        old = getattr(before, name)
        if _same(old, new):
            continue
        log[FIELDS[name][1]] = (_logged(session, name, old), _logged(session, name, new))
        if name == "themes":
            _write_themes(session, actor, case, new, found)
            themes = tuple(new)
        else:
            setattr(case, name, new)
    if not log:
        return before
    if "reply_type_code" in wanted and "reply_type" in log:
        _follow_reply_type(session, case, log, extended=found.extensions)
    # Themes live in another table: touching the row still moves its version on, so a
    # themes-only edit also makes other people's pending saves stale.
    case.updated_at = now_utc()
    try:
        session.flush()
    except StaleDataError as exc:  # someone committed between our read and our write
        raise ConflictError(
            f"Case {before.reference} was changed by someone else while you were saving."
        ) from exc
    history.record_changes(session, actor, case, log)
    return _view_of(case, tuple(sorted(themes)))


def _view_of(case: Case, themes: tuple[str, ...]) -> CaseEditView:
    """`load`'s view, from the case held and its theme codes (sorted)."""
    return CaseEditView(
        id=case.id,
        version=case.version,
        reference=case.reference,
        summary=case.summary,
        priority=case.priority,
        reply_type_code=case.reply_type_code,
        team_id=case.team_id,
        drafter_id=case.drafter_id,
        signatory_id=case.signatory_id,
        addressed_to_id=case.addressed_to_id,
        themes=themes,
        subject_phrase=case.subject_phrase,
    )


def _write_themes(
    session: Session, actor: Actor, case: Case, codes: Iterable[str], found: EditRows
) -> None:
    """_set_themes, from the rows read, written with the COMMIT (PostgreSQL)."""
    scores = {theme_id: score for _code, theme_id, score in found.themes}
    at = now_utc()
    rows = [
        {
            "case_id": case.id,
            "theme_id": found.known_themes[c],
            "source": "officer",
            "score": scores.get(found.known_themes[c]),
            "confirmed_by_id": actor.user_id,
            "confirmed_at": at,
        }
        for c in codes
    ]
    events.at_commit(session, delete(case_themes).where(case_themes.c.case_id == case.id))
    if rows:
        events.at_commit(session, insert(case_themes).values(rows))


def _same(a: Any, b: Any) -> bool:
    """Equal as a form and a row see them: None and "" alike, any sequence as a tuple."""
    norm = [tuple(v) if isinstance(v, list | tuple) else "" if v is None else v for v in (a, b)]
    return norm[0] == norm[1]


def _logged(session: Session, field: str, value: Any) -> str:
    # Ids become names; plain values (summary, priority) are logged as stored, like triage.
    if value in (None, "", ()):
        return ""
    return (
        display_value(session, field, value)
        if field.endswith(("_id", "_code", "themes"))
        else str(value)
    )


def _conflict(case: Case) -> ConflictError:
    return ConflictError(
        f"Case {case.reference} was changed by someone else since you opened it "
        f"(it is now at version {case.version})."
    )


def _validated(
    session: Session, changes: dict[str, Any], known_themes: set[str] | None = None
) -> dict[str, Any]:
    if "summary" in changes:
        changes["summary"] = str(changes["summary"] or "").strip()
    if "subject_phrase" in changes:
        phrase = " ".join(str(changes["subject_phrase"] or "").split())
        if len(phrase) > MAX_PHRASE_CHARS:
            raise ValidationError("Subject phrase", f"keep it under {MAX_PHRASE_CHARS} characters")
        changes["subject_phrase"] = phrase
    if "priority" in changes and changes["priority"] not in PRIORITIES:
        raise ValidationError("Priority", f"choose one of {', '.join(PRIORITIES)}")
    code = changes.get("reply_type_code")
    if code is not None and session.get(ReplyType, code) is None:
        raise ValidationError("Reply type", f"unknown reply type {code!r}")
    team_id = changes.get("team_id")
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or not team.active:
            raise ValidationError("Team", f"no active team #{team_id}")
    drafter_id = changes.get("drafter_id")
    if drafter_id is not None:
        user = session.get(User, drafter_id)
        if user is None or not user.active:
            raise ValidationError("Drafter", f"no active user #{drafter_id}")
    for name, label in (("signatory_id", "Signatory"), ("addressed_to_id", "Addressed to")):
        sid = changes.get(name)
        if sid is not None and session.get(Signatory, sid) is None:
            raise ValidationError(label, f"no signatory #{sid}")
    if "themes" in changes:
        wanted = wanted_codes(changes["themes"])
        known = (
            known_themes
            if known_themes is not None
            else set(session.scalars(select(Theme.code).where(Theme.code.in_(wanted))))
        )
        missing = [c for c in wanted if c not in known]
        if missing:
            raise ValidationError("Themes", f"unknown theme code(s): {', '.join(missing)}")
        changes["themes"] = tuple(wanted)
    return changes


def _follow_reply_type(
    session: Session,
    case: Case,
    log: dict[str, tuple[object, object]],
    *,
    extended: int | None = None,
) -> None:
    """The due date follows the reply type, unless someone granted an extension
    (`extended`: how many, if read already)."""
    if extended is None:
        extended = session.scalar(
            select(func.count(Extension.id)).where(Extension.case_id == case.id)
        )
    if extended or case.direction != "incoming":
        return
    new_due = due_for(session, case.received_on, case.reply_type_code)
    if new_due != case.due_on:
        log["due_on"] = (case.due_on, new_due)
        case.due_on = new_due


# --- the conflict ---------------------------------------------------------------------


def edit_conflict(
    session: Session,
    case_id: int,
    since_version: int,
    mine: Mapping[str, Any],
    original: Mapping[str, Any],
) -> EditConflict:
    """What changed since `since_version`: each field someone else changed, theirs and mine.

    `original` is what the person loaded, `mine` what their form holds now (fields
    missing from `mine` count as unchanged).
    """
    current = load(session, case_id)
    theirs = current.values()
    mine_full = {f: mine.get(f, original.get(f)) for f in FIELDS}
    # The column fields go through services/conflicts (which also reads the event log);
    # themes live in their own table and are compared here.
    changed = conflicts.case_changes(
        session,
        case_id,
        since_version,
        {f: mine_full[f] for f in COLUMNS},
        {f: original.get(f) for f in COLUMNS},
    )
    if current.version != since_version and not _same(
        theirs["themes"], tuple(original.get("themes", ()))
    ):
        if not _same(theirs["themes"], tuple(mine_full["themes"] or ())):
            changed.append(FieldChange("themes", "Themes", theirs["themes"], mine_full["themes"]))
    who = _last_edits(session, case_id)
    out = []
    for fc in changed:
        by, at = who.get(FIELDS[fc.field][1], (fc.changed_by, fc.changed_at))
        out.append(
            dataclasses.replace(
                fc,
                label=FIELDS[fc.field][0],
                theirs=display_value(session, fc.field, fc.theirs),
                mine=display_value(session, fc.field, fc.mine),
                changed_by=by or fc.changed_by,
                changed_at=at or fc.changed_at,
            )
        )
    mine_changed = frozenset(f for f in FIELDS if not _same(mine_full[f], original.get(f)))
    last_by = session.scalar(
        select(Event.username).where(Event.case_id == case_id).order_by(Event.id.desc()).limit(1)
    )
    return EditConflict(current, since_version, tuple(out), mine_changed, last_by or "")


def _last_edits(session: Session, case_id: int) -> dict[str, tuple[str, dt.datetime]]:
    rows = session.execute(
        select(Event.field, Event.username, Event.at)
        .where(Event.case_id == case_id, Event.field != "")
        .order_by(Event.id)
    )
    return {f: (user, at) for f, user, at in rows}


def changes_between(original: Mapping[str, Any], mine: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a person changed in their form (what a save or a re-apply sends)."""
    return {f: v for f, v in mine.items() if f in FIELDS and not _same(v, original.get(f))}


# --- the facade --------------------------------------------------------------------------


class CaseEditing:
    """Case-detail editing bound to a database and a user; one transaction per call."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def load(self, case_id: int) -> CaseEditView:
        with self.uow.read() as uow:
            s = uow.session
            return load(s, case_id)

    def choices(self) -> EditChoices:
        with self.uow.read() as uow:
            s = uow.session
            return choices(s)

    def can_edit(self) -> bool:
        with self.uow.read() as uow:
            return uow.actor.has(Role.OFFICER)

    def save(self, case_id: int, expected_version: int, changes: Mapping[str, Any]) -> CaseEditView:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            return update_case(s, actor, case_id, expected_version, changes)

    def conflict(
        self,
        case_id: int,
        since_version: int,
        mine: Mapping[str, Any],
        original: Mapping[str, Any],
    ) -> EditConflict:
        with self.uow.read() as uow:
            s = uow.session
            return edit_conflict(s, case_id, since_version, mine, original)
