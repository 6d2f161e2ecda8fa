"""What a save of a draft changed, for the case history: never the letter's own words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import Read
from correspondence.db.models import Draft, Event, Signatory, now_utc
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.cases.history import EDITED, OWN_WORDS, WITHHELD, is_personal

# Autosave sends own words every few seconds while someone types: the history notes the
# editing of a paragraph once per person in this long, not once per save.
OWN_WORDS_QUIET = dt.timedelta(minutes=10)


# The event field of an edit of own words.
OWN_WORDS_FIELD = "own_words"

# Events name a draft's columns as they are (services/conflicts finds who changed one), and
# its paragraphs as "paragraphs", "line_versions", "numbering" and "own_words". Values of
# personal fields (the salutation) are withheld, as is the subject, which may name the
# writer: the event log can never be anonymised.
_WITHHELD_DRAFT_FIELDS = frozenset({"subject"})


@dataclass(frozen=True)
class SavedState:
    """A draft as its history describes it: short, readable, and free of letter text."""

    details: dict[str, str]  # column → readable value (the signatory's name, not its id)
    order: tuple[str, ...]  # line keys and OWN_WORDS, in order
    lines: dict[int, tuple[str, int]]  # paragraph id → (line key, version number)
    numbered: dict[int, bool]  # paragraph id → numbered
    own_words: dict[int, str]  # paragraph id → free text
    labels: dict[int, str]  # paragraph id → "own words (paragraph 3)"

    @classmethod
    def of(cls, session: Session, draft: Draft) -> SavedState:
        signatory = session.get(Signatory, draft.signatory_id) if draft.signatory_id else None
        return cls.named(
            draft, signatory_label(signatory.honorific, signatory.name) if signatory else ""
        )

    @classmethod
    def named(cls, draft: Draft, signatory: str) -> SavedState:
        """The state of `draft` (with its paragraphs and their lines), its signatory named
        `signatory` (signatory_label; "" for none)."""
        details = {
            "signatory_id": signatory,
            "salutation": draft.salutation,
            "complimentary_close": draft.complimentary_close,
            "subject": draft.subject,
            "letter_date": draft.letter_date.isoformat() if draft.letter_date else "",
        }
        order: list[str] = []
        lines: dict[int, tuple[str, int]] = {}
        own_words: dict[int, str] = {}
        labels: dict[int, str] = {}
        for index, p in enumerate(draft.paragraphs, start=1):
            version = p.line_version if p.kind == "line" else None
            token = version.line.key if version else OWN_WORDS
            order.append(token)
            labels[p.id] = f"{token} (paragraph {index})"
            if version is not None:
                lines[p.id] = (version.line.key, version.number)
            else:
                own_words[p.id] = p.text
        numbered = {p.id: bool(p.numbered) for p in draft.paragraphs}
        return cls(details, tuple(order), lines, numbered, own_words, labels)


def signatory_label(honorific: str | None, name: str) -> str:
    """A signatory as the history names them."""
    return " ".join(p for p in (honorific, name) if p)


def changes_between(before: SavedState, after: SavedState) -> list[tuple[str, str, str]]:
    """(field, old, new) for each part of the draft that differs."""
    found = [
        (name, before.details[name], after.details[name])
        for name in before.details
        if before.details[name] != after.details[name]
    ]
    if before.order != after.order:
        found.append(("paragraphs", ", ".join(before.order), ", ".join(after.order)))
    # Paragraphs kept across the save (same id): newer line versions, numbering, own words.
    kept = [pid for pid in after.labels if pid in before.labels]
    updated = [pid for pid in kept if pid in before.lines and pid in after.lines]
    updated = [pid for pid in updated if before.lines[pid] != after.lines[pid]]
    if updated:
        found.append(
            (
                "line_versions",
                ", ".join("{} v{}".format(*before.lines[pid]) for pid in updated),
                ", ".join("{} v{}".format(*after.lines[pid]) for pid in updated),
            )
        )
    toggled = [pid for pid in kept if before.numbered[pid] != after.numbered[pid]]
    if toggled:
        # old: paragraphs whose number was taken off; new: paragraphs newly numbered.
        found.append(
            (
                "numbering",
                ", ".join(after.labels[pid] for pid in toggled if not after.numbered[pid]),
                ", ".join(after.labels[pid] for pid in toggled if after.numbered[pid]),
            )
        )
    edited = [
        pid
        for pid in kept
        if pid in before.own_words
        and pid in after.own_words
        and before.own_words[pid] != after.own_words[pid]
    ]
    if edited:
        # Never the words themselves: they are the letter, and may be personal data.
        found.append(("own_words", "", ", ".join(after.labels[pid] for pid in edited)))
    return found


def _recently_noted(
    session: Session, actor: Actor, draft: Draft, field_name: str, new: str
) -> bool:
    since = now_utc() - OWN_WORDS_QUIET
    return (
        session.scalar(
            select(Event.id)
            .where(
                Event.at >= since,
                Event.entity == "draft",
                Event.entity_id == draft.id,
                Event.action == EDITED,
                Event.field == field_name,
                Event.username == actor.username,
                Event.new_value == new,
            )
            .limit(1)
        )
        is not None
    )


def recently_noted_read(draft_id: int, username: str) -> Read:
    """What `_recently_noted` asks, for every value at once: the own-words edits of this
    draft this person had noted in the last OWN_WORDS_QUIET (read with a click's others)."""
    return select(Event.new_value).where(
        Event.at >= now_utc() - OWN_WORDS_QUIET,
        Event.entity == "draft",
        Event.entity_id == draft_id,
        Event.action == EDITED,
        Event.field == OWN_WORDS_FIELD,
        Event.username == username,
    )


def record_save(
    session: Session,
    actor: Actor,
    draft: Draft,
    changes: list[tuple[str, str, str]],
    noted: Collection[str] | None = None,
) -> int:
    """One "edited" event per changed part of the draft; none when nothing changed.
    `noted`: the rows of `recently_noted_read`, if read already.

    A campaign's reply has no case of its own: its events carry no case_id, and every
    member's history shows them (services/history.timeline).
    """
    rows: list[dict[str, Any]] = []
    for name, old, new in changes:
        if is_personal(name) or name in _WITHHELD_DRAFT_FIELDS:
            old, new = (WITHHELD if old else ""), (WITHHELD if new else "")
        if name == OWN_WORDS_FIELD and (
            new in noted if noted is not None else _recently_noted(session, actor, draft, name, new)
        ):
            continue
        rows.append(
            {
                "entity": "draft",
                "entity_id": draft.id,
                "case_id": draft.case_id,
                "action": EDITED,
                "field": name,
                "old_value": old,
                "new_value": new,
            }
        )
    return events.record_few(session, actor, rows)
