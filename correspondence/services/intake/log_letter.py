"""Logging a letter by hand: the form the officer fills in, the names of its fields, the
checks on it, and the themes suggested for the letter's text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from correspondence.db.models import Signatory, Theme, case_themes, now_utc
from correspondence.documents.letter_clues import EMAIL, POSTCODE
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases
from correspondence.services.cases.cases import NewCase, NewConstituent, NewCorrespondent
from correspondence.services.errors import ValidationError
from correspondence.services.intake import intake_hooks

CHANNELS = ("post", "email", "phone")
PRIORITIES = ("normal", "high", "urgent")


@dataclass(frozen=True)
class ThemeHint:
    """A suggested theme as the log-letter form shows it."""

    code: str
    name: str
    score: float
    because: tuple[str, ...]
    likely: bool  # at or above the suggester's threshold: pre-ticked


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: str


@dataclass
class LetterForm:
    """What the log-letter dialog collects; field names match the form's labels."""

    received_on: dt.date
    channel: str = "post"
    correspondent_id: int | None = None
    new_correspondent: NewCorrespondent | None = None
    constituents: list[NewConstituent] = field(default_factory=list)
    addressed_to_id: int | None = None
    signatory_id: int | None = None
    reply_type: str = cases.DEFAULT_REPLY_TYPE
    priority: str = "normal"
    summary: str = ""
    letter_text: str = ""
    theme_codes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)  # suggested ones


@dataclass(frozen=True)
class LoggedCase:
    id: int
    reference: str
    on_stop_list: bool
    campaign: str | None = None


# Field names the service reports; the dialog maps each to its widget.
F_RECEIVED = "Received date"
F_CHANNEL = "Channel"
F_CORRESPONDENT = "Correspondent"
F_CONSTITUENCY = "Constituency"
F_PARTY = "Party"
F_EMAIL = "Email"
F_POSTCODE = "Postcode"
F_CONSTITUENTS = "Constituents"
F_ADDRESSED_TO = "Addressed to"
F_SIGNATORY = "Signatory"
F_REPLY_TYPE = "Reply type"
F_PRIORITY = "Priority"
F_SUMMARY = "Summary"
F_THEMES = "Themes"


def validate_letter(form: LetterForm, today: dt.date) -> None:
    """Raise ValidationError naming the first field that is wrong."""
    if form.received_on > today:
        raise ValidationError(F_RECEIVED, f"{form.received_on:%d %B %Y} is in the future")
    if form.channel not in CHANNELS:
        raise ValidationError(F_CHANNEL, f"choose post, email or phone, not {form.channel!r}")
    if form.correspondent_id is None and form.new_correspondent is None:
        raise ValidationError(F_CORRESPONDENT, "choose who wrote, or add them")
    new = form.new_correspondent
    if form.correspondent_id is None and new is not None:
        has_name = new.last_name.strip() or new.first_name.strip() or new.peerage.strip()
        if not has_name and not new.organisation.strip():
            raise ValidationError(F_CORRESPONDENT, "give the new correspondent's name")
        if new.kind is CorrespondentKind.MP:
            if not new.constituency.strip():
                raise ValidationError(F_CONSTITUENCY, "an MP's constituency is needed")
            if not new.party.strip():
                raise ValidationError(F_PARTY, "an MP's party is needed")
        if new.email.strip() and not EMAIL.fullmatch(new.email.strip()):
            raise ValidationError(F_EMAIL, f"{new.email.strip()!r} is not an email address")
        if new.postcode.strip() and not POSTCODE.fullmatch(
            re.sub(r"\s+", " ", new.postcode.strip().upper())
        ):
            raise ValidationError(F_POSTCODE, f"{new.postcode.strip()!r} is not a UK postcode")
    for i, c in enumerate(form.constituents, start=1):
        if not (c.last_name.strip() or c.first_name.strip()):
            raise ValidationError(F_CONSTITUENTS, f"row {i} has no name: fill it in or remove it")
    if form.priority not in PRIORITIES:
        raise ValidationError(F_PRIORITY, f"choose normal, high or urgent, not {form.priority!r}")
    if not form.summary.strip():
        raise ValidationError(F_SUMMARY, "say in a line what the letter is about")


def log_letter(session: Session, actor: Actor, form: LetterForm, today: dt.date) -> LoggedCase:
    """Log a letter typed in by an officer; ticked themes count as the officer's choice."""
    actor.require("log correspondence", Role.OFFICER)
    validate_letter(form, today)
    for field_name, sid in (
        (F_ADDRESSED_TO, form.addressed_to_id),
        (F_SIGNATORY, form.signatory_id),
    ):
        if sid is not None and session.get(Signatory, sid) is None:
            raise ValidationError(field_name, f"no signatory #{sid}")
    codes = list(dict.fromkeys(form.theme_codes))
    theme_ids = {
        code: tid
        for code, tid in session.execute(select(Theme.code, Theme.id).where(Theme.code.in_(codes)))
    }
    unknown = [c for c in codes if c not in theme_ids]
    if unknown:
        raise ValidationError(F_THEMES, f"unknown theme code(s): {', '.join(unknown)}")
    case = cases.log_case(
        session,
        actor,
        NewCase(
            received_on=form.received_on,
            correspondent_id=form.correspondent_id,
            new_correspondent=form.new_correspondent if form.correspondent_id is None else None,
            constituents=[c for c in form.constituents],
            channel=form.channel,
            summary=form.summary,
            letter_text=form.letter_text,
            reply_type=form.reply_type,
            priority=form.priority,
            addressed_to_id=form.addressed_to_id,
            signatory_id=form.signatory_id,
        ),
        today=today,
    )
    if codes:
        now = now_utc()
        session.execute(
            insert(case_themes),
            [
                {
                    "case_id": case.id,
                    "theme_id": theme_ids[c],
                    "source": "officer",
                    "score": form.theme_scores.get(c),
                    "confirmed_by_id": actor.user_id,
                    "confirmed_at": now,
                }
                for c in codes
            ],
        )
        _note_confirmations(session)
    campaign = intake_hooks.on_case_logged(session, case)
    stop = bool(case.correspondent and case.correspondent.on_stop_list)
    return LoggedCase(case.id, case.reference, stop, campaign)


def _note_confirmations(session: Session) -> None:
    try:
        from correspondence.services.triage import theme_suggest
    except ImportError:
        return
    note = getattr(theme_suggest, "note_confirmations", None)
    if note is not None:
        note(session)


def theme_hints(session: Session, text: str, limit: int = 5) -> list[ThemeHint]:
    if not text.strip():
        return []
    try:
        from correspondence.services.triage import theme_suggest
    except ImportError:
        return []
    threshold = float(getattr(theme_suggest, "THRESHOLD", 0.5))
    return [
        ThemeHint(x.code, x.name, float(x.score), tuple(x.because), x.score >= threshold)
        for x in theme_suggest.suggest(session, text, limit=limit)
    ]
