"""The Word letter of a case's own draft from one message (over a distant link each
statement is a round trip): the draft, its lines, its case with what the lines are filled
in with, and the signatory, asked together (draft_save.save_reads, unlocked), then
reply_letter.letter_spec_for's own steps on the rows.

A campaign's one reply is printed for a member letter the caller names: that stays with
letter_spec_for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import Case, Draft, Signatory
from correspondence.db.row_reads import built, columns_of
from correspondence.documents.letter_spec import LetterSpec
from correspondence.services.drafting.draft_loading import mapping_from
from correspondence.services.drafting.draft_save import (
    DraftRows,
    asked,
    draft_from,
    save_reads,
    shown_from,
    versions_of,
)
from correspondence.services.drafting.reply_letter import (
    check_final,
    render_paragraphs,
    spec_from,
)
from correspondence.services.errors import ValidationError


def own_letter_spec(
    session: Session, draft_id: int, *, final: bool, today: dt.date | None
) -> LetterSpec | None:
    """letter_spec_for(session, draft_id, final=final, today=today) for a case's own
    draft; None for a campaign's reply (then letter_spec_for, which names the member)."""

    def of_draft(column: Any) -> Any:
        return select(column).where(Draft.id == draft_id).scalar_subquery()

    def of_case(column: Any) -> Any:
        return select(column).where(Case.id == of_draft(Draft.case_id)).scalar_subquery()

    reads = save_reads(session, draft_id, (), 0, None, lock=False)
    # The signatory as letter_spec_for chooses it: the draft's, the case's, its addressee.
    chosen = func.coalesce(
        of_draft(Draft.signatory_id), of_case(Case.signatory_id), of_case(Case.addressed_to_id)
    )
    reads.append(select(*columns_of(Signatory)).where(Signatory.id == chosen))
    answers = asked(session, reads)
    size = len(DraftRows._fields)
    rows, signatory_rows = DraftRows(*answers[:size]), answers[size]
    draft = draft_from(rows, draft_id, versions_of(rows.versions))
    check_final(draft, final)
    case = shown_from(rows)
    if draft.case_id is None or case is None:
        return None
    if not signatory_rows:
        raise ValidationError("Signatory", "choose who signs the reply before printing it")
    signatory = built(Signatory, signatory_rows[0])
    letter_date = draft.letter_date or today or dt.date.today()
    # line_context.context_for_case's refusal, then its context from the rows read.
    if case.correspondent is None:
        raise ValidationError(
            "Correspondent", f"case {case.reference} has no correspondent to reply to"
        )
    named = [(signatory.name, signatory.title, signatory.department)]
    mapping = mapping_from(case, [named, rows.size, rows.themes, rows.constituents], letter_date)
    assert mapping is not None  # a correspondent and a signatory
    mapping["today"] = today if today is not None else dt.date.today()  # as_mapping(today)
    paragraphs = render_paragraphs(draft, mapping)
    return spec_from(draft, case, signatory, paragraphs, letter_date, final=final)
