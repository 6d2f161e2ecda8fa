"""A case's history: field edits recorded as events, and the timeline people read.

Personal data and the event log. The log is hash-chained (services/events.py): changing any
stored value later breaks the chain, so retention could never anonymise a name written into an
event. `record_changes` therefore never writes the *values* of personal fields (names,
addresses, emails, postcodes, letter text …) into the log: it records who changed which field
and when, with the values withheld. The current value lives on the record itself, where
retention can anonymise it. Events written before this rule, or free text people type into
reasons and comments, are left as they are: retention records a "retention applied" event
instead of editing the log, and re-sealing the chain after redacting old events would be an
admin's deliberate act outside the app.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read
from correspondence.db.models import Case, Draft, Event, User
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.errors import NotFound, ValidationError

WITHHELD = "(withheld: personal data)"
EDITED = "edited"
# A draft paragraph of the drafter's own words, as a draft's recorded paragraphs list it.
OWN_WORDS = "own words"
RETENTION_APPLIED = "retention applied"

# Field names whose values are personal data; prefixes such as "correspondent." or
# "constituent." are stripped before the check.
PERSONAL_FIELDS = frozenset(
    {
        "title",
        "first_name",
        "last_name",
        "name",
        "display_name",
        "honorific",
        "peerage",
        "peerage_full",
        "post_nominals",
        "job_title",
        "constituency",
        "party",
        "address",
        "postcode",
        "email",
        "phone",
        "salutation_override",
        "stop_list_reason",
        "letter_text",
        "extracted_text",
        "salutation",
    }
)

_EDITABLE_CASE_FIELDS = frozenset(
    {
        "summary",
        "letter_text",
        "channel",
        "priority",
        "received_on",
        "addressed_to_id",
        "signatory_id",
        "transfer_to",
        "transfer_reason",
        "no_reply_reason",
        "signature_method",
        "dispatch_channel",
    }
)


def is_personal(field: str) -> bool:
    return field.rsplit(".", 1)[-1] in PERSONAL_FIELDS


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_text(v) for v in value)
    return str(value)


def record_changes(
    session: Session,
    actor: Actor | None,
    case: Case,
    changes: Mapping[str, tuple[object, object]],
    *,
    entity: str = "case",
    entity_id: int | None = None,
    reason: str = "",
) -> list[Event]:
    """One "edited" event per field whose value really changed (old → new).

    Call it from any service that changes fields of a case (or of its correspondent,
    constituents or drafts: pass `entity`/`entity_id` and name fields like
    "correspondent.email"). Values of personal fields are withheld (see module docstring).
    Does not commit.
    """
    written = []
    for name, (old, new) in changes.items():
        before, after = _text(old), _text(new)
        if before == after:
            continue
        if is_personal(name):
            before = WITHHELD if before else ""
            after = WITHHELD if after else ""
        written.append(
            events.record(
                session,
                actor,
                entity,
                case.id if entity_id is None else entity_id,
                EDITED,
                case_id=case.id,
                field=name,
                old=before,
                new=after,
                reason=reason,
            )
        )
    return written


def apply_changes(
    session: Session,
    actor: Actor,
    case_id: int,
    values: Mapping[str, object],
    *,
    reason: str = "",
) -> list[Event]:
    """Set plain fields of a case and record each change (officers only)."""
    actor.require("edit a case", Role.OFFICER)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}")
    unknown = sorted(set(values) - _EDITABLE_CASE_FIELDS)
    if unknown:
        raise ValidationError("Field", f"cannot edit {', '.join(unknown)} here")
    changes = {k: (getattr(case, k), v) for k, v in values.items()}
    for k, v in values.items():
        setattr(case, k, v)
    session.flush()
    return record_changes(session, actor, case, changes, reason=reason)


# --- the timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    username: str
    who: str  # display name
    kind: str  # logged | status | draft | edit | document | deadline | campaign | other
    action: str
    field: str
    old: str
    new: str
    reason: str
    description: str  # the whole sentence: "Helen Forsyth returned the draft: 'figures'"
    what: str  # the same without who and why: "returned the draft"


_CASE_MOVES = {
    CaseStatus.TRIAGED.value: "triaged the case",
    CaseStatus.DRAFTING.value: "moved the case to drafting",
    CaseStatus.IN_QA.value: "sent the case for QA",
    CaseStatus.WITH_PRIVATE_OFFICE.value: "sent the case to the private office",
    CaseStatus.SIGNED_OFF.value: "signed off the reply",
    CaseStatus.DISPATCHED.value: "closed the case as dispatched",
    CaseStatus.NO_REPLY.value: "decided no reply is needed",
    CaseStatus.TRANSFERRED.value: "transferred the case",
    CaseStatus.RETURNED.value: "returned the draft",
}

_DRAFT_ACTIONS = {
    "draft created": "started a draft reply",
    "draft resumed": "resumed drafting",
    "submitted for QA": "submitted the draft for QA",
    "QA approved": "approved the draft (QA) for the private office",
    "signed off": "signed off the draft",
    "returned": "returned the draft",
    "superseded": "replaced the draft with a new one",
}

_FIELD_NAMES = {
    "team": "team",
    "team_id": "team",
    "drafter": "drafter",
    "drafter_id": "drafter",
    "reply_type": "reply type",
    "priority": "priority",
    "themes": "themes",
    "transfer_to": "transfer destination",
    "due_on": "due date",
    "campaign": "campaign",
    "letter_text": "letter text",
    "received_on": "received date",
}


def _quote(text: str) -> str:
    return f"'{text}'" if text else ""


def _field_label(name: str) -> str:
    base = name.rsplit(".", 1)[-1]
    label = _FIELD_NAMES.get(base, base.replace("_", " "))
    owner = name.rsplit(".", 1)[0] if "." in name else ""
    return f"the {owner}'s {label}" if owner else label


def _value(v: str) -> str:
    if not v:
        return "(blank)"
    if v == WITHHELD:
        return v
    try:
        return dt.date.fromisoformat(v).strftime("%d %b %Y")
    except ValueError:
        return _quote(v if len(v) <= 80 else v[:77] + "…")


def _listing(items: Iterable[str]) -> str:
    return ", ".join(item if item == OWN_WORDS else _quote(item) for item in items)


def _paragraphs_change(old: str, new: str) -> str:
    before = [t for t in old.split(", ") if t]
    after = [t for t in new.split(", ") if t]
    added = Counter(after) - Counter(before)
    removed = Counter(before) - Counter(after)
    if added and not removed:
        return f"added {_listing(added.elements())} to the draft"
    if removed and not added:
        return f"removed {_listing(removed.elements())} from the draft"
    if added:
        return (
            f"changed the draft's paragraphs: added {_listing(added.elements())}; "
            f"removed {_listing(removed.elements())}"
        )
    return f"reordered the draft's paragraphs ({_listing(after)})"


def _draft_edit(e: Event | LoggedEvent) -> str:
    """What a save of a draft changed (services/drafting.save_draft records it)."""
    name = e.field.rsplit(".", 1)[-1]
    if name == "paragraphs":
        return _paragraphs_change(e.old_value, e.new_value)
    if name == "own_words":
        return f"edited the draft's {e.new_value}"
    if name == "numbering":
        parts = [f"numbered {e.new_value}"] if e.new_value else []
        parts += [f"took the number off {e.old_value}"] if e.old_value else []
        return " and ".join(parts) + " in the draft"
    if name == "line_versions":
        return f"updated the draft's lines from {e.old_value} to {e.new_value}"
    label = _field_label(name.removesuffix("_id"))
    return f"changed the draft's {label} from {_value(e.old_value)} to {_value(e.new_value)}"


def describe(e: Event | LoggedEvent, who: str) -> tuple[str, str]:
    """(kind, sentence) for one event, written for a person reading the case."""
    why = f": {_quote(e.reason)}" if e.reason else ""
    if e.entity == "case" and e.action == "logged":
        return "logged", f"{who} logged the letter as {e.new_value}"
    if e.entity == "case" and e.field == "status":
        if e.new_value == CaseStatus.TRIAGED.value and e.old_value in (
            CaseStatus.NO_REPLY.value,
            CaseStatus.TRANSFERRED.value,
        ):
            return "status", f"{who} reopened the case{why}"
        move = _CASE_MOVES.get(e.new_value, f"moved the case to {e.new_value}")
        return "status", f"{who} {move}{why}"
    if e.entity == "draft":
        if e.action == "comment":
            return "draft", f"{who} commented on the draft: {_quote(e.new_value)}"
        if e.action == EDITED and e.field:
            return "draft", f"{who} {_draft_edit(e)}{why}"
        if e.action == "created":  # a campaign's one reply; the reason names the campaign
            return "draft", f"{who} started {e.reason or 'a campaign reply'}"
        verb = _DRAFT_ACTIONS.get(e.action)
        if verb is None and e.field == "status":
            label = (
                DraftStatus(e.new_value).label
                if e.new_value in DraftStatus._value2member_map_
                else e.new_value
            )
            verb = f"moved the draft to {label}"
        return "draft", f"{who} {verb or e.action}{why}"
    if e.action == "dispatched":
        how = f" by {e.new_value}" if e.new_value else ""
        return "status", f"{who} dispatched the reply{how}"
    if e.action == "document added":
        return "document", f"{who} added the document {e.new_value}"
    if e.action == "deadline extended":
        return (
            "deadline",
            f"{who} extended the deadline from {_value(e.old_value)} to {_value(e.new_value)}{why}",
        )
    if e.action == "holding reply":
        return "deadline", f"{who} recorded a holding reply sent on {_value(e.new_value)}"
    if e.action == RETENTION_APPLIED:
        return "other", f"{who} anonymised personal data under the retention policy ({e.new_value})"
    if e.action in ("joined campaign", "left campaign") or e.field == "campaign":
        if e.new_value and not e.old_value:
            return "campaign", f"{who} added the letter to the campaign {_quote(e.new_value)}{why}"
        if e.old_value and not e.new_value:
            return (
                "campaign",
                f"{who} took the letter out of the campaign {_quote(e.old_value)}{why}",
            )
        return (
            "campaign",
            f"{who} moved the letter from campaign {_quote(e.old_value)} to "
            f"{_quote(e.new_value)}{why}",
        )
    if e.field:
        label = _field_label(e.field)
        return (
            "edit",
            f"{who} changed {label} from {_value(e.old_value)} to {_value(e.new_value)}{why}",
        )
    detail = f" {_quote(e.new_value)}" if e.new_value else ""
    return "other", f"{who} {e.action}{detail}{why}"


@dataclass(frozen=True)
class LoggedEvent:
    """The columns of an event the timeline reads, with its author's display name."""

    at: dt.datetime
    username: str
    entity: str
    action: str
    field: str
    old_value: str
    new_value: str
    reason: str
    display_name: str | None


def timeline_statement(case_id: int, campaign_id: int | None) -> Read:
    """Every event of a case, oldest first, with who wrote it: one statement, so that
    opening a case can ask it together with its other reads (db/batch_reads.py)."""
    conditions = [Event.case_id == case_id]
    if campaign_id is not None:
        # A campaign reply is drafted once for every member: its events belong to each.
        campaign_drafts = select(Draft.id).where(Draft.campaign_id == campaign_id)
        conditions.append(
            (Event.entity == "draft")
            & Event.case_id.is_(None)
            & Event.entity_id.in_(campaign_drafts)
        )
    return (
        select(
            Event.at,
            Event.username,
            Event.entity,
            Event.action,
            Event.field,
            Event.old_value,
            Event.new_value,
            Event.reason,
            User.display_name,
        )
        .outerjoin(User, (User.username == Event.username) & (Event.username != ""))
        .where(or_(*conditions))
        .order_by(Event.id)
    )


def timeline(session: Session, case_id: int) -> list[TimelineEntry]:
    """Every event of a case, oldest first: its own, its drafts' and its campaign replies'."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"No case #{case_id}")
    return timeline_from(session.execute(timeline_statement(case.id, case.campaign_id)))


def timeline_from(rows: Iterable[Sequence[Any]]) -> list[TimelineEntry]:
    """The timeline from the rows of `timeline_statement`."""
    out = []
    for row in rows:
        e = LoggedEvent(*row)
        who = e.display_name if e.display_name is not None else e.username
        kind, sentence = describe(e, who)
        what = sentence[len(who) + 1 :] if sentence.startswith(f"{who} ") else sentence
        if e.reason and what.endswith(f": '{e.reason}'"):
            what = what[: -len(f": '{e.reason}'")]
        out.append(
            TimelineEntry(
                at=e.at,
                username=e.username,
                who=who,
                kind=kind,
                action=e.action,
                field=e.field,
                old=e.old_value,
                new=e.new_value,
                reason=e.reason,
                description=sentence,
                what=what,
            )
        )
    return out


# --- the audit chain ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditResult:
    events: int
    broken_at: int | None  # id of the first event whose link does not hold
    previous_id: int | None  # the event before it, as the log stands now
    problem: str

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def message(self) -> str:
        if self.intact:
            return f"intact: {self.events} events"
        return f"broken at event #{self.broken_at}: {self.problem}"


def verify_audit(session: Session) -> AuditResult:
    """Walk the hash chain; name the first broken link and what is wrong with it."""
    total = session.scalar(select(func.count(Event.id))) or 0
    broken = events.verify_chain(session)
    if broken is None:
        return AuditResult(total, None, None, "")
    ev = session.get(Event, broken)
    assert ev is not None
    prev = session.scalars(
        select(Event).where(Event.id < broken).order_by(Event.id.desc()).limit(1)
    ).first()
    prev_hash = prev.hash if prev else ""
    if ev.prev_hash != prev_hash:
        gap = (
            f" (ids {prev.id + 1}–{broken - 1} are missing)"
            if prev and broken - prev.id > 1
            else ""
        )
        problem = (
            "it does not follow the event before it"
            + (f" (#{prev.id})" if prev else "")
            + f": an event was deleted or changed{gap}"
        )
    else:
        problem = "its contents were changed after it was written"
    return AuditResult(total, broken, prev.id if prev else None, problem)
