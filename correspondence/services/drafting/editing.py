"""Starting a reply and changing its words: line and own-words paragraphs, order, numbering.

Free-text paragraphs are the drafter's own words and are never rendered as templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import Final

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from correspondence.db.models import (
    Case,
    Correspondent,
    Draft,
    DraftParagraph,
    LineVersion,
    Signatory,
    StandardLine,
    now_utc,
)
from correspondence.documents.textclean import clean_for_word
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting.draft_guards import (
    DRAFTING_ROLES,
    MAX_PARAGRAPH_CHARS,
    check_version,
    draft_label,
    flush_draft,
)
from correspondence.services.drafting.draft_loading import (
    WITH_LINES,
    default_signatory,
    load_draft,
)
from correspondence.services.drafting.draft_view import (
    ACTIVE,
    EDITABLE,
    ParagraphInput,
    current_draft_id,
)
from correspondence.services.drafting.reply_letter import computed_salutation
from correspondence.services.drafting.save_history import SavedState, changes_between, record_save
from correspondence.services.errors import ConflictError, NotFound, ValidationError


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
    status = case.status
    existing = current_draft_id(session, case.id)
    if existing is not None:
        other = session.get(Draft, existing)
        assert other is not None
        if other.status in ACTIVE or status is not CaseStatus.RETURNED:
            raise ConflictError(
                f"Case {case.reference} already has a draft reply "
                f"({other.status.label.lower()}); open that one instead."
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
        signatory_id=signatory_id or default_signatory(session, case),
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
    status = draft.status
    if status not in EDITABLE:
        raise ValidationError(
            "Draft",
            f"{draft_label(draft, case)} is {status.label.lower()}: it can no longer be edited"
            + (" (a policy lead or private secretary can return it)" if status in ACTIVE else ""),
        )


class Keep(Enum):
    """The default of a field that save_draft leaves alone (where None clears it)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


def save_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    expected_version: int | None,
    paragraphs: Sequence[ParagraphInput] | None = None,
    *,
    signatory_id: int | None | Keep = KEEP,
    salutation: str | None = None,
    complimentary_close: str | None = None,
    subject: str | None = None,
    letter_date: dt.date | None | Keep = KEEP,
) -> Draft:
    """Save the editor's state in one go (cheap: changed rows only); None leaves a part alone.

    A stale ``expected_version`` raises ConflictError; so does a concurrent save.
    """
    draft, case, _signatory = _load_for_save(session, draft_id)
    _check_editable(actor, draft, case)
    check_version(draft, case, expected_version)
    before = SavedState.of(session, draft)
    if paragraphs is not None:
        _replace_paragraphs(session, draft, paragraphs)
    if signatory_id is not KEEP:
        if signatory_id is not None and session.get(Signatory, signatory_id) is None:
            raise ValidationError("Signatory", f"no signatory #{signatory_id}")
        draft.signatory_id = signatory_id
    if salutation is not None:
        draft.salutation = clean_for_word(salutation).strip()[:200]
    if complimentary_close is not None:
        draft.complimentary_close = clean_for_word(complimentary_close).strip()[:100]
    if subject is not None:
        draft.subject = clean_for_word(subject).strip()[:300]
    if letter_date is not KEEP:
        draft.letter_date = letter_date
    columns_changed = session.is_modified(draft, include_collections=False)
    flush_draft(session, draft, case)
    after = SavedState.of(session, draft)
    changes = changes_between(before, after)
    record_save(session, actor, draft, changes)
    if changes and not columns_changed:
        # Only paragraphs changed: touch the row so its version still moves (other editors
        # must see a conflict). A save that changed nothing leaves the version alone.
        draft.updated_at = now_utc()
        flush_draft(session, draft, case)
    return draft


def _load_for_save(session: Session, draft_id: int) -> tuple[Draft, Case | None, object]:
    """The draft with its lines (as `load_draft`), its case and that case's writer, and its
    signatory, in one statement: over a distant link each statement is a round trip. They
    are held (returned) so the steps after find them in the session instead of asking."""
    row = (
        session.execute(
            select(Draft, Case, Correspondent, Signatory)
            .select_from(Draft)
            .outerjoin(Case, Case.id == Draft.case_id)
            .outerjoin(Correspondent, Correspondent.id == Case.correspondent_id)
            .outerjoin(Signatory, Signatory.id == Draft.signatory_id)
            .where(Draft.id == draft_id)
            .options(WITH_LINES)
        )
        .unique()
        .first()
    )
    if row is None:
        raise NotFound(f"No draft #{draft_id}")
    draft, case, correspondent, signatory = row
    return draft, case, (correspondent, signatory)


def _held_versions(session: Session, ids: set[int]) -> dict[int, LineVersion]:
    """The line versions of `ids` this session already holds (with their line)."""
    held = {}
    for version_id in ids:
        version = session.identity_map.get(identity_key(LineVersion, version_id))
        if isinstance(version, LineVersion) and "line" not in inspect(version).unloaded:
            held[version_id] = version
    return held


def _replace_paragraphs(
    session: Session, draft: Draft, paragraphs: Sequence[ParagraphInput]
) -> None:
    held = {p.id: p for p in draft.paragraphs}
    wanted_versions = {
        p.line_version_id for p in paragraphs if p.kind == "line" and p.line_version_id is not None
    }
    # The versions the draft already uses came with it: only new ones are asked for.
    versions = _held_versions(session, wanted_versions)
    if wanted_versions - versions.keys():
        versions.update(
            (v.id, v)
            for v in session.scalars(
                select(LineVersion)
                .where(LineVersion.id.in_(sorted(wanted_versions - versions.keys())))
                .options(joinedload(LineVersion.line))  # one statement, not two
            )
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
    draft = load_draft(session, draft_id)
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
    draft = load_draft(session, draft_id)
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
    items = _inputs(load_draft(session, draft_id))
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
    items = _inputs(load_draft(session, draft_id))
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
    items = _inputs(load_draft(session, draft_id))
    index = _paragraph_index(items, paragraph_id)
    old = items[index]
    items[index] = ParagraphInput(old.kind, old.text, old.line_version_id, numbered, old.id)
    return save_draft(session, actor, draft_id, expected_version, items)
