"""The letter a draft makes: the editor's live preview, and the Word file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Draft, LineVersion, Signatory
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.documents.word import write_letter
from correspondence.domain.salutations import addressee_block
from correspondence.domain.states import DraftStatus
from correspondence.services.cases import cases
from correspondence.services.drafting.draft_loading import (
    default_signatory,
    load_draft,
    sample_case,
)
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.letter_reads import own_letter_spec
from correspondence.services.drafting.reply_letter import (
    computed_salutation,
    letter_spec_for,
    letterhead_of,
    person_of,
)
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_fit import plain_reason


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
    draft = load_draft(session, draft_id)
    case = sample_case(session, draft)
    if case is None:
        raise ValidationError("Case", "a campaign draft is previewed for one member case")
    sig = session.get(Signatory, signatory_id) if signatory_id else None
    sig = sig or session.get(Signatory, default_signatory(session, case) or -1)
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
        draft=draft.status is not DraftStatus.SIGNED_OFF,
    )


def letter_spec(
    session: Session,
    draft_id: int,
    case_id: int | None = None,
    *,
    final: bool,
    today: dt.date | None = None,
) -> LetterSpec:
    """reply_letter.letter_spec_for; a case's own draft's read in one message."""
    quick = (
        own_letter_spec(session, draft_id, final=final, today=today) if case_id is None else None
    )
    return quick or letter_spec_for(session, draft_id, case_id, final=final, today=today)


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
    spec = letter_spec(session, draft_id, case_id, final=final, today=today)
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
