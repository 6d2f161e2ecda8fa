"""Drafting a reply and taking it through approval: the use cases behind the draft editor.

Functions take ``(session, actor, ...)`` and never commit; :class:`Drafting` owns the
transaction. A draft's line paragraphs point at the exact LineVersion they used, so a
revised line never changes a draft silently: the view flags it as drifted instead.
Free-text paragraphs are the drafter's own words and are never rendered as templates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from correspondence.db.models import (
    Campaign,
    Case,
    Comment,
    Correspondent,
    Draft,
    DraftParagraph,
    Event,
    LineVersion,
    Signatory,
    StandardLine,
    Theme,
    User,
    case_themes,
    now_utc,
)
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.documents.textclean import clean_for_word
from correspondence.documents.word import write_letter
from correspondence.domain.salutations import addressee_block
from correspondence.domain.states import (
    CLOSED_STATUSES,
    CaseStatus,
    DraftStatus,
    IllegalTransition,
    check_draft_transition,
)
from correspondence.domain.workdays import working_days_between
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases import cases
from correspondence.services.cases.history import EDITED, OWN_WORDS, WITHHELD, is_personal
from correspondence.services.drafting.reply_letter import (
    computed_salutation,
    letter_file_name,
    letter_spec_for,
    letterhead_of,
    person_of,
)
from correspondence.services.errors import ConflictError, NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_fit import fill, plain_reason
from correspondence.services.unit_of_work import UnitOfWorkFactory

# A paragraph of a letter; anything longer is a paste gone wrong, not a reply.
MAX_PARAGRAPH_CHARS = 50_000
# A theme is a campaign's when at least this share of its (themed) letters carry it.
CAMPAIGN_THEME_SHARE = 0.25
# Autosave sends own words every few seconds while someone types: the history notes the
# editing of a paragraph once per person in this long, not once per save.
OWN_WORDS_QUIET = dt.timedelta(minutes=10)
SIGNATURE_METHODS = ("wet", "digital")
DRAFTING_ROLES = (Role.DRAFTER, Role.POLICY_LEAD)
# Statuses in which the drafter may still change the words.
EDITABLE = frozenset({DraftStatus.DRAFTING, DraftStatus.RETURNED})
ACTIVE = frozenset(
    {
        DraftStatus.DRAFTING,
        DraftStatus.RETURNED,
        DraftStatus.IN_QA,
        DraftStatus.WITH_PRIVATE_OFFICE,
    }
)


# --- plain results and inputs ---------------------------------------------------------


@dataclass(frozen=True)
class ParagraphInput:
    """One paragraph as the editor holds it; ``id`` is None until first saved."""

    kind: str  # "line" or "free"
    text: str = ""  # free text (ignored for line paragraphs)
    line_version_id: int | None = None
    numbered: bool = False
    id: int | None = None


@dataclass(frozen=True)
class ParagraphView:
    id: int
    position: int
    kind: str
    text: str  # free text, or the line's template body as used
    numbered: bool
    line_version_id: int | None = None
    line_key: str = ""
    line_title: str = ""
    line_version: int | None = None
    latest_version_id: int | None = None  # newest approved version of the line
    latest_version: int | None = None
    # The line as it will print for the case ("" for own words, or when it cannot be
    # filled in: then ``unavailable`` says why, in plain words).
    wording: str = ""
    unavailable: str = ""

    @property
    def drifted(self) -> bool:
        """The line has an approved version newer than the one this draft uses."""
        return (
            self.kind == "line"
            and self.latest_version_id is not None
            and self.latest_version_id != self.line_version_id
        )

    def as_input(self) -> ParagraphInput:
        return ParagraphInput(
            kind=self.kind,
            text=self.text,
            line_version_id=self.line_version_id,
            numbered=self.numbered,
            id=self.id,
        )


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    at: dt.datetime
    body: str


@dataclass(frozen=True)
class DraftView:
    id: int
    version: int
    case_id: int | None
    case_reference: str
    case_status: str
    correspondent: str
    status: DraftStatus
    signatory_id: int | None
    salutation: str
    complimentary_close: str
    computed_salutation: str
    computed_close: str
    subject: str
    letter_date: dt.date | None
    returned_reason: str
    created_by: str
    qa_by: str
    signed_off_by: str
    signature_method: str
    paragraphs: tuple[ParagraphView, ...]
    comments: tuple[CommentView, ...]
    # A campaign's one reply: which campaign, how many letters it answers, and the
    # campaign's themes (most common among its letters first).
    campaign_id: int | None = None
    campaign_name: str = ""
    campaign_size: int = 0
    campaign_themes: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def drifted(self) -> tuple[ParagraphView, ...]:
        return tuple(p for p in self.paragraphs if p.drifted)


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


@dataclass(frozen=True)
class SignatoryChoice:
    id: int
    label: str


@dataclass(frozen=True)
class WorkItem:
    draft_id: int
    case_id: int | None
    reference: str
    correspondent: str
    status: DraftStatus
    waiting_for: str  # why it is on my list: "Returned: ...", "Waiting for QA" ...
    due_on: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class DueCase:
    case_id: int
    reference: str
    correspondent: str
    status: CaseStatus
    due_on: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class MyWork:
    username: str
    roles: frozenset[Role]
    drafts: tuple[WorkItem, ...] = ()
    due_cases: tuple[DueCase, ...] = ()
    to_dispatch: tuple[DueCase, ...] = field(default=())


# --- loading --------------------------------------------------------------------------


def _draft(session: Session, draft_id: int) -> Draft:
    draft = session.scalar(
        select(Draft)
        .where(Draft.id == draft_id)
        .options(
            selectinload(Draft.paragraphs)
            .selectinload(DraftParagraph.line_version)
            .selectinload(LineVersion.line)
        )
    )
    if draft is None:
        raise NotFound(f"No draft #{draft_id}")
    return draft


def _case_of(session: Session, draft: Draft) -> Case | None:
    return session.get(Case, draft.case_id) if draft.case_id is not None else None


def _sample_case(session: Session, draft: Draft) -> Case | None:
    """The case a draft is shown against: its own, or for a campaign draft a member's
    (the campaign's canonical letter first), since each member gets the same wording."""
    case = _case_of(session, draft)
    if case is not None or draft.campaign_id is None:
        return case
    campaign = session.get(Campaign, draft.campaign_id)
    if campaign is not None and campaign.canonical_case_id is not None:
        case = session.get(Case, campaign.canonical_case_id)
    return case or session.scalar(
        select(Case).where(Case.campaign_id == draft.campaign_id).order_by(Case.id).limit(1)
    )


def _campaign_label(session: Session, draft: Draft) -> str:
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return f"Campaign “{campaign.name}”" if campaign else ""


def _campaign_sample(session: Session, campaign_id: int) -> Case | None:
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and campaign.canonical_case_id is not None:
        return session.get(Case, campaign.canonical_case_id)
    return session.scalar(
        select(Case).where(Case.campaign_id == campaign_id).order_by(Case.id).limit(1)
    )


def _mapping_for(
    session: Session,
    case: Case | None,
    signatory_id: int | None = None,
    letter_date: dt.date | None = None,
) -> dict[str, object] | None:
    """What a line is filled in with for this case; None when the case cannot have a reply
    yet (no correspondent, no signatory set up)."""
    if case is None:
        return None
    try:
        context = context_for_case(
            session, case.id, signatory_id=signatory_id, letter_date=letter_date
        )
    except (ValidationError, NotFound):
        return None
    return context.as_mapping()


def campaign_size(session: Session, campaign_id: int) -> int:
    """How many letters the campaign's one reply answers."""
    return session.scalar(select(func.count(Case.id)).where(Case.campaign_id == campaign_id)) or 0


def campaign_theme_codes(session: Session, campaign_id: int) -> tuple[str, ...]:
    """The campaign's themes, most common among its letters first.

    Campaigns carry no themes of their own, so they come from the member letters. A theme
    on only a few of many letters (an MP's covering letter, say) is that letter's, not the
    campaign's: a theme counts when at least CAMPAIGN_THEME_SHARE of the themed letters
    have it (the most common ones always count).
    """
    counted = session.execute(
        select(Theme.code, func.count(case_themes.c.case_id))
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .join(Case, Case.id == case_themes.c.case_id)
        .where(Case.campaign_id == campaign_id)
        .group_by(Theme.code)
    ).all()
    if not counted:
        return ()
    themed = (
        session.scalar(
            select(func.count(func.distinct(case_themes.c.case_id)))
            .join(Case, Case.id == case_themes.c.case_id)
            .where(Case.campaign_id == campaign_id)
        )
        or 1
    )
    most = max(n for _, n in counted)
    enough = min(most, max(1, math.ceil(themed * CAMPAIGN_THEME_SHARE)))
    ranked = sorted(counted, key=lambda row: (-row[1], row[0]))
    return tuple(code for code, n in ranked if n >= enough)


def _campaign_work_label(session: Session, draft: Draft) -> str:
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return f"Campaign: {campaign.name}" if campaign else f"Campaign reply #{draft.id}"


def _label(draft: Draft, case: Case | None) -> str:
    return f"the draft reply to {case.reference}" if case else f"draft #{draft.id}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _user_name(session: Session, uid: int | None) -> str:
    if uid is None:
        return ""
    user = session.get(User, uid)
    return user.display_name if user else ""


def _latest_approved(session: Session, line_ids: set[int]) -> dict[int, LineVersion]:
    if not line_ids:
        return {}
    rows = session.scalars(
        select(LineVersion)
        .where(LineVersion.line_id.in_(line_ids), LineVersion.status == "approved")
        .order_by(LineVersion.line_id, LineVersion.number)
    )
    return {v.line_id: v for v in rows}  # the last (highest number) wins


def draft_view(session: Session, draft_id: int) -> DraftView:
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    # A campaign reply shows one member's: each letter gets its own writer's.
    sample = case or _sample_case(session, draft)
    dear, close = computed_salutation(sample) if sample else ("Dear colleagues", "Yours sincerely")
    line_ids = {p.line_version.line_id for p in draft.paragraphs if p.line_version}
    latest = _latest_approved(session, line_ids)
    mapping = _mapping_for(session, sample, draft.signatory_id, draft.letter_date)
    paragraphs = []
    for p in draft.paragraphs:
        v = p.line_version
        newest = latest.get(v.line_id) if v else None
        wording, unavailable = (
            fill(v.body, mapping) if v is not None and mapping is not None else (p.text, "")
        )
        paragraphs.append(
            ParagraphView(
                id=p.id,
                position=p.position,
                kind=p.kind,
                text=v.body if v else p.text,
                numbered=p.numbered,
                line_version_id=v.id if v else None,
                line_key=v.line.key if v else "",
                line_title=v.line.title if v else "",
                line_version=v.number if v else None,
                latest_version_id=newest.id if newest else None,
                latest_version=newest.number if newest else None,
                wording=wording,
                unavailable=unavailable,
            )
        )
    comments = tuple(
        CommentView(c.id, _user_name(session, c.author_id) or "?", c.created_at, c.body)
        for c in session.scalars(
            select(Comment).where(Comment.draft_id == draft.id).order_by(Comment.id)
        )
    )
    campaign = session.get(Campaign, draft.campaign_id) if draft.campaign_id else None
    return DraftView(
        id=draft.id,
        version=draft.version,
        case_id=draft.case_id,
        case_reference=case.reference if case else _campaign_label(session, draft),
        case_status=case.status if case else "",
        correspondent=case.correspondent.display_name
        if case and case.correspondent
        else ("every member, each with their own salutation" if draft.campaign_id else ""),
        status=DraftStatus(draft.status),
        signatory_id=draft.signatory_id,
        salutation=draft.salutation,
        complimentary_close=draft.complimentary_close,
        computed_salutation=dear,
        computed_close=close,
        subject=draft.subject,
        letter_date=draft.letter_date,
        returned_reason=draft.returned_reason,
        created_by=_user_name(session, draft.created_by_id),
        qa_by=_user_name(session, draft.qa_by_id),
        signed_off_by=_user_name(session, draft.signed_off_by_id),
        signature_method=draft.signature_method,
        paragraphs=tuple(paragraphs),
        comments=comments,
        campaign_id=campaign.id if campaign else None,
        campaign_name=campaign.name if campaign else "",
        campaign_size=campaign_size(session, campaign.id) if campaign else 0,
        campaign_themes=campaign_theme_codes(session, campaign.id) if campaign else (),
    )


def current_draft_id(session: Session, case_id: int) -> int | None:
    """The case's draft worth opening: the active one, else the signed-off one, else None."""
    rows = session.execute(
        select(Draft.id, Draft.status).where(Draft.case_id == case_id).order_by(Draft.id.desc())
    ).all()
    for wanted in (ACTIVE, {DraftStatus.SIGNED_OFF}):
        for draft_id, status in rows:
            if DraftStatus(status) in wanted:
                return draft_id
    return None


# --- creating and editing -------------------------------------------------------------


def _default_signatory(session: Session, case: Case) -> int | None:
    for sid in (case.signatory_id, case.addressed_to_id):
        if sid is not None:
            return sid
    return session.scalar(
        select(Signatory.id)
        .where(Signatory.active.is_(True))
        .order_by((Signatory.office_code == case.office_code).desc(), Signatory.id)
        .limit(1)
    )


def _approved_by_key(session: Session, key: str) -> LineVersion:
    version = session.scalar(
        select(LineVersion)
        .join(StandardLine)
        .where(StandardLine.key == key.strip(), LineVersion.status == "approved")
        .order_by(LineVersion.number.desc())
        .limit(1)
    )
    if version is None:
        known = session.scalar(select(StandardLine.id).where(StandardLine.key == key.strip()))
        why = "has no approved version" if known else "is not in the library"
        raise ValidationError("Standard line", f"{key.strip()!r} {why}")
    return version


def create_draft(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    line_keys: Sequence[str] = (),
    numbered_keys: Sequence[str] | None = None,
    signatory_id: int | None = None,
    today: dt.date | None = None,
) -> Draft:
    """Start a reply to a case; a triaged (or returned) case moves to drafting.

    ``numbered_keys`` None numbers each line by its own flag; otherwise exactly those keys.
    """
    actor.require("draft replies", *DRAFTING_ROLES)
    case = cases.get_case(session, case_id)
    status = CaseStatus(case.status)
    existing = current_draft_id(session, case.id)
    if existing is not None:
        other = session.get(Draft, existing)
        assert other is not None
        if DraftStatus(other.status) in ACTIVE or status is not CaseStatus.RETURNED:
            raise ConflictError(
                f"Case {case.reference} already has a draft reply "
                f"({DraftStatus(other.status).label.lower()}); open that one instead."
            )
    if status is CaseStatus.LOGGED:
        raise ValidationError(
            "Case status", f"{case.reference} is not triaged yet: triage it before drafting"
        )
    if status in (CaseStatus.TRIAGED, CaseStatus.RETURNED):
        cases.move(session, actor, case.id, CaseStatus.DRAFTING, today=today)
    elif status is not CaseStatus.DRAFTING:
        raise ValidationError(
            "Case status", f"{case.reference} is {status.label.lower()}: it cannot be drafted now"
        )
    if case.correspondent is None:
        raise ValidationError("Correspondent", f"{case.reference} has nobody to reply to")
    if signatory_id is not None and session.get(Signatory, signatory_id) is None:
        raise ValidationError("Signatory", f"no signatory #{signatory_id}")
    dear, close = computed_salutation(case)
    draft = Draft(
        case_id=case.id,
        status=DraftStatus.DRAFTING.value,
        signatory_id=signatory_id or _default_signatory(session, case),
        salutation=dear,
        complimentary_close=close,
        created_by_id=actor.user_id,
    )
    numbered = set(numbered_keys) if numbered_keys is not None else None
    for position, key in enumerate(k for k in line_keys if k.strip()):
        version = _approved_by_key(session, key)
        draft.paragraphs.append(
            DraftParagraph(
                position=position,
                kind="line",
                line_version_id=version.id,
                text=version.body,
                numbered=version.line.numbered if numbered is None else key in numbered,
            )
        )
    if case.drafter_id is None:
        case.drafter_id = actor.user_id
    session.add(draft)
    session.flush()
    events.record(session, actor, "draft", draft.id, "draft created", case_id=case.id, new=draft.id)
    return draft


def _clean_free_text(text: str, index: int) -> str:
    # PostgreSQL cannot store NUL and Word cannot store most controls: drop them on the way in.
    text = clean_for_word(text)
    if len(text) > MAX_PARAGRAPH_CHARS:
        raise ValidationError(
            f"Paragraph {index}",
            f"{len(text):,} characters is too long for one paragraph "
            f"(at most {MAX_PARAGRAPH_CHARS:,}); split it",
        )
    return text


def _check_editable(actor: Actor, draft: Draft, case: Case | None) -> None:
    actor.require("edit draft replies", *DRAFTING_ROLES)
    status = DraftStatus(draft.status)
    if status not in EDITABLE:
        raise ValidationError(
            "Draft",
            f"{_label(draft, case)} is {status.label.lower()}: it can no longer be edited"
            + (" (a policy lead or private secretary can return it)" if status in ACTIVE else ""),
        )


def _check_version(draft: Draft, case: Case | None, expected: int | None) -> None:
    if expected is not None and draft.version != expected:
        raise ConflictError(
            f"{_upper_first(_label(draft, case))} was saved by someone else since you opened it "
            f"(your copy is version {expected}, the saved one is version {draft.version}). "
            "Reload it to see their changes; copy any words of yours you want to keep first."
        )


def _flush(session: Session, draft: Draft, case: Case | None) -> None:
    # Named first: once the flush fails the transaction is gone, and reading the case's
    # reference then raised a bare SQLAlchemy error instead of this message.
    label = _upper_first(_label(draft, case))
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            f"{label} was saved by someone else at the same moment; reload it to see their changes."
        ) from exc


class _Keep(Enum):
    """The default of a field that save_draft leaves alone (where None clears it)."""

    KEEP = "keep"


_KEEP: Final = _Keep.KEEP


def save_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    expected_version: int | None,
    paragraphs: Sequence[ParagraphInput] | None = None,
    *,
    signatory_id: int | None | _Keep = _KEEP,
    salutation: str | None = None,
    complimentary_close: str | None = None,
    subject: str | None = None,
    letter_date: dt.date | None | _Keep = _KEEP,
) -> Draft:
    """Save the editor's state in one go (cheap: changed rows only); None leaves a part alone.

    A stale ``expected_version`` raises ConflictError; so does a concurrent save.
    """
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    _check_editable(actor, draft, case)
    _check_version(draft, case, expected_version)
    before = _SavedState.of(session, draft)
    if paragraphs is not None:
        _replace_paragraphs(session, draft, paragraphs)
    if signatory_id is not _KEEP:
        if signatory_id is not None and session.get(Signatory, signatory_id) is None:
            raise ValidationError("Signatory", f"no signatory #{signatory_id}")
        draft.signatory_id = signatory_id
    if salutation is not None:
        draft.salutation = clean_for_word(salutation).strip()[:200]
    if complimentary_close is not None:
        draft.complimentary_close = clean_for_word(complimentary_close).strip()[:100]
    if subject is not None:
        draft.subject = clean_for_word(subject).strip()[:300]
    if letter_date is not _KEEP:
        draft.letter_date = letter_date
    columns_changed = session.is_modified(draft, include_collections=False)
    _flush(session, draft, case)
    after = _SavedState.of(session, draft)
    changes = _changes(before, after)
    _record_save(session, actor, draft, changes)
    if changes and not columns_changed:
        # Only paragraphs changed: touch the row so its version still moves (other editors
        # must see a conflict). A save that changed nothing leaves the version alone.
        draft.updated_at = now_utc()
        _flush(session, draft, case)
    return draft


# --- what a save changed, for the case history -------------------------------------------

# Events name a draft's columns as they are (services/conflicts finds who changed one), and
# its paragraphs as "paragraphs", "line_versions", "numbering" and "own_words". Values of
# personal fields (the salutation) are withheld, as is the subject, which may name the
# writer: the event log can never be anonymised.
_WITHHELD_DRAFT_FIELDS = frozenset({"subject"})


@dataclass(frozen=True)
class _SavedState:
    """A draft as its history describes it: short, readable, and free of letter text."""

    details: dict[str, str]  # column → readable value (the signatory's name, not its id)
    order: tuple[str, ...]  # line keys and OWN_WORDS, in order
    lines: dict[int, tuple[str, int]]  # paragraph id → (line key, version number)
    numbered: dict[int, bool]  # paragraph id → numbered
    own_words: dict[int, str]  # paragraph id → free text
    labels: dict[int, str]  # paragraph id → "own words (paragraph 3)"

    @classmethod
    def of(cls, session: Session, draft: Draft) -> _SavedState:
        signatory = session.get(Signatory, draft.signatory_id) if draft.signatory_id else None
        details = {
            "signatory_id": " ".join(p for p in (signatory.honorific, signatory.name) if p)
            if signatory
            else "",
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


def _changes(before: _SavedState, after: _SavedState) -> list[tuple[str, str, str]]:
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


def _record_save(
    session: Session, actor: Actor, draft: Draft, changes: list[tuple[str, str, str]]
) -> int:
    """One "edited" event per changed part of the draft; none when nothing changed.

    A campaign's reply has no case of its own: its events carry no case_id, and every
    member's history shows them (services/history.timeline).
    """
    rows: list[dict[str, Any]] = []
    for name, old, new in changes:
        if is_personal(name) or name in _WITHHELD_DRAFT_FIELDS:
            old, new = (WITHHELD if old else ""), (WITHHELD if new else "")
        if name == "own_words" and _recently_noted(session, actor, draft, name, new):
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
    return events.record_many(session, actor, rows)


def _replace_paragraphs(
    session: Session, draft: Draft, paragraphs: Sequence[ParagraphInput]
) -> None:
    held = {p.id: p for p in draft.paragraphs}
    wanted_versions = {p.line_version_id for p in paragraphs if p.kind == "line"}
    versions = (
        {
            v.id: v
            for v in session.scalars(
                select(LineVersion)
                .where(LineVersion.id.in_([i for i in wanted_versions if i is not None]))
                .options(selectinload(LineVersion.line))
            )
        }
        if wanted_versions
        else {}
    )
    already_used = {p.line_version_id for p in draft.paragraphs if p.line_version_id}
    keep: list[DraftParagraph] = []
    for index, item in enumerate(paragraphs, start=1):
        row = held.pop(item.id, None) if item.id is not None else None
        if item.kind == "line":
            version = versions.get(item.line_version_id or -1)
            if version is None:
                raise ValidationError(f"Paragraph {index}", "the standard line is not known")
            # A version the draft already holds may stay even if since revised (it is flagged);
            # anything newly added must be approved.
            if version.status != "approved" and version.id not in already_used:
                raise ValidationError(
                    f"Paragraph {index}",
                    f"line {version.line.key} v{version.number} is {version.status}, "
                    "not approved: only approved lines go into a reply",
                )
            text = version.body
        elif item.kind == "free":
            text = _clean_free_text(item.text, index)
            version = None
        else:
            raise ValidationError(f"Paragraph {index}", f"unknown kind {item.kind!r}")
        if row is None:
            row = DraftParagraph(kind=item.kind)
            draft.paragraphs.append(row)
        values = {
            "position": index - 1,
            "kind": item.kind,
            "line_version_id": version.id if version else None,
            "text": text,
            "numbered": bool(item.numbered),
        }
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        # Also for own words: a row's stale relationship must not outlive its new kind.
        row.line_version = version
        keep.append(row)
    for gone in held.values():
        draft.paragraphs.remove(gone)
    draft.paragraphs.sort(key=lambda p: p.position)


def _inputs(draft: Draft) -> list[ParagraphInput]:
    return [
        ParagraphInput(p.kind, p.text, p.line_version_id, p.numbered, p.id)
        for p in draft.paragraphs
    ]


def add_line(
    session: Session,
    actor: Actor,
    draft_id: int,
    key: str,
    *,
    position: int | None = None,
    numbered: bool | None = None,
    expected_version: int | None = None,
) -> Draft:
    """Add the newest approved version of line ``key`` (at the end unless ``position``)."""
    version = _approved_by_key(session, key)
    draft = _draft(session, draft_id)
    items = _inputs(draft)
    item = ParagraphInput(
        "line",
        line_version_id=version.id,
        numbered=version.line.numbered if numbered is None else numbered,
    )
    items.insert(len(items) if position is None else max(0, position), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def add_free_text(
    session: Session,
    actor: Actor,
    draft_id: int,
    text: str,
    *,
    position: int | None = None,
    numbered: bool = False,
    expected_version: int | None = None,
) -> Draft:
    draft = _draft(session, draft_id)
    items = _inputs(draft)
    item = ParagraphInput("free", text=text, numbered=numbered)
    items.insert(len(items) if position is None else max(0, position), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def _paragraph_index(items: list[ParagraphInput], paragraph_id: int) -> int:
    for index, item in enumerate(items):
        if item.id == paragraph_id:
            return index
    raise NotFound(f"No paragraph #{paragraph_id} in this draft")


def move_paragraph(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    new_position: int,
    *,
    expected_version: int | None = None,
) -> Draft:
    items = _inputs(_draft(session, draft_id))
    item = items.pop(_paragraph_index(items, paragraph_id))
    items.insert(max(0, min(new_position, len(items))), item)
    return save_draft(session, actor, draft_id, expected_version, items)


def remove_paragraph(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    *,
    expected_version: int | None = None,
) -> Draft:
    items = _inputs(_draft(session, draft_id))
    del items[_paragraph_index(items, paragraph_id)]
    return save_draft(session, actor, draft_id, expected_version, items)


def set_numbered(
    session: Session,
    actor: Actor,
    draft_id: int,
    paragraph_id: int,
    numbered: bool,
    *,
    expected_version: int | None = None,
) -> Draft:
    items = _inputs(_draft(session, draft_id))
    index = _paragraph_index(items, paragraph_id)
    old = items[index]
    items[index] = ParagraphInput(old.kind, old.text, old.line_version_id, numbered, old.id)
    return save_draft(session, actor, draft_id, expected_version, items)


# --- the letter -------------------------------------------------------------------------


def preview_spec(
    session: Session,
    draft_id: int,
    paragraphs: Sequence[ParagraphInput],
    *,
    signatory_id: int | None,
    salutation: str,
    complimentary_close: str,
    subject: str = "",
    letter_date: dt.date | None = None,
    today: dt.date | None = None,
) -> LetterSpec:
    """The letter the editor's unsaved state would make; a line that cannot render shows why.

    Never raises for bad templates, so a live preview keeps working while someone types.
    """
    draft = _draft(session, draft_id)
    case = _sample_case(session, draft)
    if case is None:
        raise ValidationError("Case", "a campaign draft is previewed for one member case")
    sig = session.get(Signatory, signatory_id) if signatory_id else None
    sig = sig or session.get(Signatory, _default_signatory(session, case) or -1)
    if sig is None:
        raise ValidationError("Signatory", "no signatory is set up")
    context = context_for_case(session, case.id, signatory_id=sig.id, letter_date=letter_date)
    mapping = context.as_mapping(today=today)
    versions = {
        v.id: v
        for v in session.scalars(
            select(LineVersion).where(
                LineVersion.id.in_([p.line_version_id for p in paragraphs if p.line_version_id])
            )
        )
    }
    body: list[BodyParagraph] = []
    number = 0
    for p in paragraphs:
        if p.kind == "line":
            version = versions.get(p.line_version_id or -1)
            if version is None:
                text = "[unknown standard line]"
            else:
                try:
                    text = render_line(version.body, mapping)
                except TemplateProblem as exc:
                    text = f"[“{version.line.title}” cannot be used here: {plain_reason(exc)}]"
        else:
            text = p.text
        if p.numbered:
            number += 1
        body.append(BodyParagraph(text, number if p.numbered else None))
    dear, close = computed_salutation(case)
    address = addressee_block(person_of(case.correspondent)) if case.correspondent else []
    return LetterSpec(
        letterhead=letterhead_of(sig),
        reference=case.reference,
        addressee_lines=tuple(address),
        letter_date=letter_date,
        salutation=salutation.strip() or dear,
        paragraphs=tuple(body),
        complimentary_close=complimentary_close.strip() or close,
        signatory_name=sig.name,
        subject=subject,
        draft=DraftStatus(draft.status) is not DraftStatus.SIGNED_OFF,
    )


def export_draft(
    session: Session,
    draft_id: int,
    path: Path,
    *,
    final: bool,
    case_id: int | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write the draft's letter; ``final`` is refused unless the draft is signed off."""
    spec = letter_spec_for(session, draft_id, case_id, final=final, today=today)
    return write_letter(spec, Path(path))


def draft_for_export(session: Session, case_id: int, *, final: bool) -> int:
    """The signed-off draft (final) or the newest draft of any kind but superseded."""
    case = cases.get_case(session, case_id)
    if final:
        found = session.scalar(
            select(Draft.id)
            .where(Draft.case_id == case_id, Draft.status == DraftStatus.SIGNED_OFF.value)
            .order_by(Draft.id.desc())
            .limit(1)
        )
        if found is None:
            raise ValidationError(
                "Final letter",
                f"{case.reference} has no signed-off draft; export the latest draft instead "
                "(it will carry the DRAFT marking) or get it signed off first",
            )
        return found
    found = session.scalar(
        select(Draft.id)
        .where(Draft.case_id == case_id, Draft.status != DraftStatus.SUPERSEDED.value)
        .order_by(Draft.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(f"{case.reference} has no draft reply")
    return found


# --- approval -------------------------------------------------------------------------


def _move_draft(
    session: Session,
    actor: Actor,
    draft: Draft,
    case: Case | None,
    target: DraftStatus,
    action: str,
    *,
    reason: str = "",
) -> None:
    current = DraftStatus(draft.status)
    try:
        check_draft_transition(current, target)
    except IllegalTransition as exc:
        raise ValidationError("Draft", str(exc)) from exc
    draft.status = target
    events.record(
        session,
        actor,
        "draft",
        draft.id,
        action,
        case_id=case.id if case else None,
        field="status",
        old=current.value,
        new=target.value,
        reason=reason,
    )


def _move_case(
    session: Session, actor: Actor, case: Case | None, target: CaseStatus, reason: str = ""
) -> None:
    # The case follows its draft; a case already there (a campaign member, say) stays.
    if case is None or case.status == target.value:
        return
    try:
        cases.move(session, actor, case.id, target, reason=reason)
    except IllegalTransition as exc:
        raise ValidationError("Case status", str(exc)) from exc


def _require_stage(draft: Draft, case: Case | None, stage: DraftStatus, doing: str) -> None:
    status = DraftStatus(draft.status)
    if status is not stage:
        raise ValidationError(
            "Draft",
            f"cannot {doing} {_label(draft, case)}: it is {status.label.lower()}, "
            f"not {stage.label.lower()}",
        )


def submit(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Draft:
    """Send a draft for QA; a returned draft goes back through drafting first."""
    actor.require("submit a draft for QA", *DRAFTING_ROLES)
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    _check_version(draft, case, expected_version)
    if not draft.paragraphs:
        raise ValidationError("Draft", "add at least one paragraph before submitting")
    if draft.signatory_id is None:
        raise ValidationError("Signatory", "choose who signs the reply before submitting")
    if case is not None:
        # Every line must fill in for this case before anyone is asked to approve it.
        letter_spec_for(session, draft.id, case.id, final=False, today=today)
    if DraftStatus(draft.status) is DraftStatus.RETURNED:
        _move_draft(session, actor, draft, case, DraftStatus.DRAFTING, "draft resumed")
    if case is not None and case.status in (CaseStatus.RETURNED.value, CaseStatus.TRIAGED.value):
        _move_case(session, actor, case, CaseStatus.DRAFTING)
    _move_draft(session, actor, draft, case, DraftStatus.IN_QA, "submitted for QA")
    draft.returned_reason = ""
    _move_case(session, actor, case, CaseStatus.IN_QA)
    _flush(session, draft, case)
    return draft


def qa_approve(
    session: Session,
    actor: Actor,
    draft_id: int,
    *,
    comment: str = "",
    expected_version: int | None = None,
) -> Draft:
    """A policy lead approves the draft, which goes to the private office."""
    actor.require("QA-approve a draft", Role.POLICY_LEAD)
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    _check_version(draft, case, expected_version)
    _require_stage(draft, case, DraftStatus.IN_QA, "QA-approve")
    _move_draft(
        session, actor, draft, case, DraftStatus.WITH_PRIVATE_OFFICE, "QA approved", reason=comment
    )
    draft.qa_by_id = actor.user_id
    draft.qa_at = now_utc()
    if comment.strip():
        _comment(session, actor, draft, comment)
    _move_case(session, actor, case, CaseStatus.WITH_PRIVATE_OFFICE)
    _flush(session, draft, case)
    return draft


def sign_off(
    session: Session,
    actor: Actor,
    draft_id: int,
    method: str,
    *,
    comment: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Draft:
    """A private secretary signs the reply off (wet or digital signature)."""
    actor.require("sign off a reply", Role.PRIVATE_SECRETARY)
    if method not in SIGNATURE_METHODS:
        raise ValidationError(
            "Signature", f"say how it was signed: {' or '.join(SIGNATURE_METHODS)}"
        )
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    _check_version(draft, case, expected_version)
    _require_stage(draft, case, DraftStatus.WITH_PRIVATE_OFFICE, "sign off")
    today = today or dt.date.today()
    _move_draft(session, actor, draft, case, DraftStatus.SIGNED_OFF, "signed off", reason=comment)
    draft.signed_off_by_id = actor.user_id
    draft.signed_off_at = now_utc()
    draft.signature_method = method
    if draft.letter_date is None:
        draft.letter_date = today  # the letter is dated the day it is signed
    if comment.strip():
        _comment(session, actor, draft, comment)
    _move_case(session, actor, case, CaseStatus.SIGNED_OFF)
    if case is not None:
        case.signed_off_on = today
        case.signature_method = method
    _flush(session, draft, case)
    return draft


def return_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    reason: str,
    *,
    expected_version: int | None = None,
) -> Draft:
    """Send a draft back to its drafter with the reason (QA: policy lead; private office: PS)."""
    draft = _draft(session, draft_id)
    case = _case_of(session, draft)
    status = DraftStatus(draft.status)
    if status is DraftStatus.IN_QA:
        actor.require("return a draft from QA", Role.POLICY_LEAD)
    elif status is DraftStatus.WITH_PRIVATE_OFFICE:
        actor.require("return a draft from the private office", Role.PRIVATE_SECRETARY)
    else:
        raise ValidationError(
            "Draft",
            f"cannot return {_label(draft, case)}: it is {status.label.lower()}; only drafts "
            "in QA or with the private office can be returned",
        )
    _check_version(draft, case, expected_version)
    reason = clean_for_word(reason).strip()
    if not reason:
        raise ValidationError("Reason", "say why the draft is being returned")
    _move_draft(session, actor, draft, case, DraftStatus.RETURNED, "returned", reason=reason)
    draft.returned_reason = reason
    _comment(session, actor, draft, f"Returned: {reason}")
    _move_case(session, actor, case, CaseStatus.RETURNED, reason)
    _flush(session, draft, case)
    return draft


def _comment(session: Session, actor: Actor, draft: Draft, body: str) -> Comment:
    row = Comment(case_id=draft.case_id, draft_id=draft.id, author_id=actor.user_id, body=body)
    session.add(row)
    session.flush()
    return row


def add_comment(session: Session, actor: Actor, draft_id: int, body: str) -> Comment:
    """Anyone working on the reply may comment; the case history records it."""
    actor.require("comment on drafts", *DRAFTING_ROLES, Role.PRIVATE_SECRETARY, Role.OFFICER)
    body = clean_for_word(body).strip()
    if not body:
        raise ValidationError("Comment", "write something first")
    if len(body) > MAX_PARAGRAPH_CHARS:
        raise ValidationError("Comment", "too long; keep a comment under 50,000 characters")
    draft = _draft(session, draft_id)
    row = _comment(session, actor, draft, body)
    events.record(
        session, actor, "draft", draft.id, "comment", case_id=draft.case_id, new=body[:200]
    )
    return row


# --- choices and lists ------------------------------------------------------------------


def signatory_choices(session: Session) -> list[SignatoryChoice]:
    return [
        SignatoryChoice(s.id, f"{' '.join(p for p in (s.honorific, s.name) if p)}, {s.title}")
        for s in session.scalars(
            select(Signatory).where(Signatory.active.is_(True)).order_by(Signatory.id)
        )
    ]


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
    sample = case or (_campaign_sample(session, campaign_id) if campaign_id is not None else None)
    mapping = _mapping_for(session, sample)
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
    latest = _latest_approved(session, {line.id for line in lines})
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


def _correspondent_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Correspondent.id, Correspondent.display_name).where(Correspondent.id.in_(ids))
        ).all()
    )


def my_work(
    session: Session,
    actor: Actor,
    today: dt.date,
    *,
    due_within: int = 10,
    everything: bool = False,
) -> MyWork:
    """What is waiting for this person, by role; and the open cases they own that fall due."""
    me = session.get(User, actor.user_id)
    team_id = me.team_id if me else None
    waiting: list[tuple[Draft, Case | None, str]] = []
    case: Case | None  # outer-joined: a draft may have no case
    base = select(Draft, Case).outerjoin(Case, Case.id == Draft.case_id)
    if actor.has(*DRAFTING_ROLES):
        mine = or_(Draft.created_by_id == actor.user_id, Case.drafter_id == actor.user_id)
        for draft, case in session.execute(
            base.where(
                Draft.status.in_([DraftStatus.DRAFTING.value, DraftStatus.RETURNED.value]), mine
            )
        ).all():
            why = (
                f"Returned: {draft.returned_reason}"
                if draft.status == DraftStatus.RETURNED.value
                else "Being drafted"
            )
            waiting.append((draft, case, why))
    if actor.has(Role.POLICY_LEAD):
        query = base.where(Draft.status == DraftStatus.IN_QA.value)
        if team_id is not None and not everything and Role.ADMIN not in actor.roles:
            # Mine to QA: the case's team is mine, or one of its themes belongs to my team;
            # a case with no team yet is every lead's, so that nobody's QA falls through.
            theme_cases = (
                select(case_themes.c.case_id)
                .join(Theme, Theme.id == case_themes.c.theme_id)
                .where(Theme.team_id == team_id)
            )
            query = query.where(
                or_(Case.team_id == team_id, Case.team_id.is_(None), Case.id.in_(theme_cases))
            )
        for draft, case in session.execute(query).all():
            waiting.append((draft, case, "Waiting for QA"))
    if actor.has(Role.PRIVATE_SECRETARY):
        for draft, case in session.execute(
            base.where(Draft.status == DraftStatus.WITH_PRIVATE_OFFICE.value)
        ).all():
            waiting.append((draft, case, "Waiting for sign-off"))
    names = _correspondent_names(
        session, {c.correspondent_id for _, c, _ in waiting if c and c.correspondent_id}
    )
    seen: set[int] = set()
    items: list[WorkItem] = []
    for draft, case, why in waiting:
        if draft.id in seen:
            continue
        seen.add(draft.id)
        due = case.due_on if case else None
        items.append(
            WorkItem(
                draft_id=draft.id,
                case_id=case.id if case else None,
                reference=case.reference if case else _campaign_work_label(session, draft),
                correspondent=names.get(case.correspondent_id or -1, "") if case else "",
                status=DraftStatus(draft.status),
                waiting_for=why,
                due_on=due,
                days_left=working_days_between(today, due) if due else None,
            )
        )
    items.sort(key=lambda i: (i.due_on or dt.date.max, i.reference))

    closed = [s.value for s in CLOSED_STATUSES]
    own = session.execute(
        select(Case.id, Case.reference, Case.correspondent_id, Case.status, Case.due_on)
        .where(Case.drafter_id == actor.user_id, Case.status.not_in(closed))
        .order_by(Case.due_on.is_(None), Case.due_on, Case.id)
    ).all()
    dispatch = (
        session.execute(
            select(Case.id, Case.reference, Case.correspondent_id, Case.status, Case.due_on)
            .where(Case.status == CaseStatus.SIGNED_OFF.value)
            .order_by(Case.due_on.is_(None), Case.due_on, Case.id)
            .limit(200)
        ).all()
        if actor.has(Role.OFFICER)
        else []
    )
    names.update(_correspondent_names(session, {r[2] for r in [*own, *dispatch] if r[2]}))

    def due_case(row: tuple) -> DueCase:
        cid, ref, corr, status, due = row
        return DueCase(
            cid,
            ref,
            names.get(corr, ""),
            CaseStatus(status),
            due,
            working_days_between(today, due) if due else None,
        )

    due_cases = [due_case(r) for r in own]
    due_cases = [c for c in due_cases if c.days_left is not None and c.days_left <= due_within]
    return MyWork(
        username=actor.username,
        roles=actor.roles,
        drafts=tuple(items),
        due_cases=tuple(due_cases),
        to_dispatch=tuple(due_case(r) for r in dispatch),
    )


# --- the facade --------------------------------------------------------------------------


class Drafting:
    """Drafting and approval bound to a database and to the person using them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def actor(self) -> Actor:
        with self.uow.read() as uow:
            return uow.actor

    @property
    def username(self) -> str:
        """Who this acts as (for an admin acting for someone: the admin)."""
        return self.uow.username

    def view(self, draft_id: int) -> DraftView:
        with self.uow.read() as uow:
            s = uow.session
            return draft_view(s, draft_id)

    def case_id(self, reference: str) -> int:
        with self.uow.read() as uow:
            return cases.case_by_reference(uow.session, reference).id

    def current_draft_id(self, case_id: int) -> int | None:
        with self.uow.read() as uow:
            s = uow.session
            return current_draft_id(s, case_id)

    def create(
        self,
        case_id: int,
        line_keys: Sequence[str] = (),
        numbered_keys: Sequence[str] | None = None,
        signatory_id: int | None = None,
    ) -> DraftView:
        with self.uow.begin() as uow:
            s, actor = uow.session, uow.actor
            draft_id = create_draft(
                s,
                actor,
                case_id,
                line_keys=line_keys,
                numbered_keys=numbered_keys,
                signatory_id=signatory_id,
                today=self.clock(),
            ).id
        return self.view(draft_id)

    def open_for_case(self, case_id: int) -> DraftView:
        """The case's current draft, or a new empty one (which needs a drafting role)."""
        found = self.current_draft_id(case_id)
        return self.view(found) if found is not None else self.create(case_id)

    def save(
        self,
        draft_id: int,
        expected_version: int | None,
        paragraphs: Sequence[ParagraphInput] | None = None,
        *,
        signatory_id: int | None | _Keep = _KEEP,
        salutation: str | None = None,
        complimentary_close: str | None = None,
        subject: str | None = None,
        letter_date: dt.date | None | _Keep = _KEEP,
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            save_draft(
                s,
                uow.actor,
                draft_id,
                expected_version,
                paragraphs,
                signatory_id=signatory_id,
                salutation=salutation,
                complimentary_close=complimentary_close,
                subject=subject,
                letter_date=letter_date,
            )
        return self.view(draft_id)

    def add_line(
        self,
        draft_id: int,
        key: str,
        *,
        position: int | None = None,
        numbered: bool | None = None,
        expected_version: int | None = None,
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            add_line(
                s,
                uow.actor,
                draft_id,
                key,
                position=position,
                numbered=numbered,
                expected_version=expected_version,
            )
        return self.view(draft_id)

    def add_free_text(
        self,
        draft_id: int,
        text: str,
        *,
        position: int | None = None,
        numbered: bool = False,
        expected_version: int | None = None,
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            add_free_text(
                s,
                uow.actor,
                draft_id,
                text,
                position=position,
                numbered=numbered,
                expected_version=expected_version,
            )
        return self.view(draft_id)

    def offers(
        self, case_id: int | None, search: str = "", *, campaign_id: int | None = None
    ) -> list[LineOffer]:
        with self.uow.read() as uow:
            s = uow.session
            return offer_lines(s, case_id, search, campaign_id=campaign_id)

    def offers_for(self, view: DraftView, search: str = "") -> list[LineOffer]:
        """The lines to offer in a draft: for its case, or for its campaign."""
        return self.offers(view.case_id, search, campaign_id=view.campaign_id)

    def signatories(self) -> list[SignatoryChoice]:
        with self.uow.read() as uow:
            s = uow.session
            return signatory_choices(s)

    def preview(
        self,
        draft_id: int,
        paragraphs: Sequence[ParagraphInput],
        *,
        signatory_id: int | None,
        salutation: str,
        complimentary_close: str,
        subject: str = "",
        letter_date: dt.date | None = None,
    ) -> LetterSpec:
        with self.uow.read() as uow:
            s = uow.session
            return preview_spec(
                s,
                draft_id,
                paragraphs,
                signatory_id=signatory_id,
                salutation=salutation,
                complimentary_close=complimentary_close,
                subject=subject,
                letter_date=letter_date,
                today=self.clock(),
            )

    def submit(self, draft_id: int, expected_version: int | None = None) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            submit(
                s,
                uow.actor,
                draft_id,
                expected_version=expected_version,
                today=self.clock(),
            )
        return self.view(draft_id)

    def approve(
        self, draft_id: int, comment: str = "", expected_version: int | None = None
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            qa_approve(
                s,
                uow.actor,
                draft_id,
                comment=comment,
                expected_version=expected_version,
            )
        return self.view(draft_id)

    def sign_off_needs_password(self) -> bool:
        """True where the server checks passwords: then sign_off wants it typed again."""
        return self.uow.password_needed()

    def sign_off(
        self,
        draft_id: int,
        method: str,
        comment: str = "",
        expected_version: int | None = None,
        *,
        password: str | None = None,
    ) -> DraftView:
        """Sign the reply off; with password authentication, only with the login's password
        typed again (an unlocked desk cannot sign for the minister). Never stored."""
        self.uow.confirm_password(password)
        with self.uow.begin() as uow:
            s = uow.session
            sign_off(
                s,
                uow.actor,
                draft_id,
                method,
                comment=comment,
                expected_version=expected_version,
                today=self.clock(),
            )
        return self.view(draft_id)

    def return_draft(
        self, draft_id: int, reason: str, expected_version: int | None = None
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            return_draft(
                s,
                uow.actor,
                draft_id,
                reason,
                expected_version=expected_version,
            )
        return self.view(draft_id)

    def comment(self, draft_id: int, body: str) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            add_comment(s, uow.actor, draft_id, body)
        return self.view(draft_id)

    def letter_spec(self, draft_id: int, *, final: bool, case_id: int | None = None) -> LetterSpec:
        with self.uow.read() as uow:
            s = uow.session
            return letter_spec_for(s, draft_id, case_id, final=final, today=self.clock())

    def export(self, draft_id: int, path: Path, *, final: bool, case_id: int | None = None) -> Path:
        with self.uow.read() as uow:
            s = uow.session
            return export_draft(s, draft_id, path, final=final, case_id=case_id, today=self.clock())

    def export_case(self, reference: str, out: Path, *, final: bool) -> Path:
        """The case's signed-off letter (final) or its latest draft with the DRAFT marking."""
        with self.uow.read() as uow:
            s = uow.session
            case = cases.case_by_reference(s, reference)
            draft_id = draft_for_export(s, case.id, final=final)
            return export_draft(s, draft_id, out, final=final, today=self.clock())

    def file_name(self, draft_id: int) -> str:
        view = self.view(draft_id)
        return letter_file_name(
            view.case_reference or f"draft-{draft_id}",
            draft=view.status is not DraftStatus.SIGNED_OFF,
        )

    def dispatch(self, case_id: int, channel: str, on: dt.date | None = None) -> None:
        from correspondence.services.replies.dispatch import dispatch

        with self.uow.begin() as uow:
            s = uow.session
            today = self.clock()
            dispatch(
                s,
                uow.actor,
                case_id,
                on=on or today,
                channel=channel,
                today=today,
            )

    def my_work(self, everything: bool = False, due_within: int = 10) -> MyWork:
        with self.uow.begin() as uow:
            s = uow.session
            return my_work(
                s,
                uow.actor,
                self.clock(),
                everything=everything,
                due_within=due_within,
            )


__all__ = [
    "ACTIVE",
    "EDITABLE",
    "CommentView",
    "DraftView",
    "Drafting",
    "DueCase",
    "LineOffer",
    "MyWork",
    "ParagraphInput",
    "ParagraphView",
    "SignatoryChoice",
    "WorkItem",
    "add_comment",
    "add_free_text",
    "add_line",
    "campaign_size",
    "campaign_theme_codes",
    "create_draft",
    "current_draft_id",
    "draft_view",
    "move_paragraph",
    "my_work",
    "offer_lines",
    "preview_spec",
    "qa_approve",
    "remove_paragraph",
    "return_draft",
    "save_draft",
    "set_numbered",
    "sign_off",
    "submit",
]
