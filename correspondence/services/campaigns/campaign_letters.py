"""The letters a signed-off campaign reply makes: one final letter per open member.

Built in bulk for the export and for email: a handful of queries instead of several per
member, and each paragraph rendered once per distinct value of what it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from correspondence.db.models import Campaign, Case, Draft, Signatory
from correspondence.documents.context import CampaignView, CaseView, LineContext
from correspondence.documents.letter_spec import BodyParagraph, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.documents.template_reads import TemplatePath, paths_read, value_at
from correspondence.domain.salutations import addressee_block
from correspondence.domain.states import CLOSED_STATUSES, DraftStatus
from correspondence.domain.subject_phrase import phrase_for
from correspondence.services.campaigns.campaign_reply import current_draft
from correspondence.services.errors import NotFound, ValidationError


@dataclass(frozen=True)
class MemberLetter:
    case_id: int
    reference: str
    filename: str
    spec: LetterSpec


def signed_off_reply(session: Session, campaign_id: int) -> Draft:
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFound(f"No campaign #{campaign_id}")
    draft = current_draft(session, campaign_id)
    if draft is None:
        raise ValidationError("Reply", f"“{camp.name}” has no reply draft yet")
    if draft.status != DraftStatus.SIGNED_OFF.value:
        raise ValidationError(
            "Reply",
            f"the reply to “{camp.name}” is {draft.status.label.lower()}, "
            "not signed off; only a signed-off reply is sent",
        )
    if not draft.paragraphs:
        raise ValidationError("Reply", f"the reply to “{camp.name}” has no paragraphs")
    return draft


def member_letters(
    session: Session, campaign_id: int, *, today: dt.date | None = None
) -> tuple[list[MemberLetter], list[str]]:
    """Every open member's final letter, in reference order, and the closed members' refs.

    The same letters ``reply_letter.letter_spec_for(..., final=True)`` gives one by one,
    built in bulk: a handful of queries instead of several per member, and each paragraph
    rendered once per distinct value of the context it uses.
    """
    from correspondence.services.drafting.reply_letter import (
        computed_salutation,
        letter_file_name,
        letterhead_of,
        person_of,
    )
    from correspondence.services.lines.line_context import (
        constituent_view,
        person_view,
        signatory_view,
    )

    today = today or dt.date.today()
    draft = signed_off_reply(session, campaign_id)
    camp = session.get(Campaign, campaign_id)
    assert camp is not None
    cases = session.scalars(
        select(Case)
        .where(Case.campaign_id == campaign_id)
        .options(
            selectinload(Case.correspondent),
            selectinload(Case.constituents),
            selectinload(Case.themes),
        )
        .order_by(Case.reference)
    ).all()
    closed = {s.value for s in CLOSED_STATUSES}
    left_out = [c.reference for c in cases if c.status in closed]
    size = session.scalar(select(func.count(Case.id)).where(Case.campaign_id == campaign_id))
    campaign_view = CampaignView(name=camp.name, organisation=camp.organisation, size=size or 0)
    letter_date = draft.letter_date or today
    signatories: dict[int, Any] = {}
    renderer = _ParagraphRenderer(draft)
    # A member who wrote casework of their own may have a paragraph written for them.
    from correspondence.services.campaigns.campaign_own_words import additions_for, with_addition

    additions = additions_for(session, campaign_id)
    out: list[MemberLetter] = []
    for case in cases:
        if case.status in closed:
            continue
        if case.correspondent is None:
            raise ValidationError(
                "Correspondent", f"case {case.reference} has no correspondent to reply to"
            )
        sid = draft.signatory_id or case.signatory_id or case.addressed_to_id
        if sid is None:
            raise ValidationError(
                "Signatory", f"choose who signs the campaign reply (case {case.reference})"
            )
        if sid not in signatories:
            row = session.get(Signatory, sid)
            if row is None:
                raise ValidationError("Signatory", f"no signatory #{sid}")
            signatories[sid] = (row, signatory_view(row), letterhead_of(row))
        row, sig_view, letterhead = signatories[sid]
        context = LineContext(
            case=CaseView(
                reference=case.reference,
                received_on=case.received_on,
                summary=phrase_for(case.subject_phrase, case.summary),
                themes=tuple(t.code for t in case.themes),
            ),
            correspondent=person_view(case.correspondent),
            constituents=tuple(constituent_view(c) for c in case.constituents),
            campaign=campaign_view,
            signatory=sig_view,
            letter_date=letter_date,
        )
        dear, close = computed_salutation(case)
        spec = LetterSpec(
            letterhead=letterhead,
            reference=case.reference,
            addressee_lines=tuple(addressee_block(person_of(case.correspondent))),
            letter_date=letter_date,
            salutation=dear,
            paragraphs=with_addition(
                renderer.render(context.as_mapping(today=today), case.reference),
                additions.get(case.id),
            ),
            complimentary_close=close,
            signatory_name=row.name,
            subject=draft.subject,
            draft=False,
        )
        out.append(MemberLetter(case.id, case.reference, letter_file_name(case.reference), spec))
    return out, left_out


class _ParagraphRenderer:
    """Renders a draft's paragraphs, once per distinct value of what each line reads."""

    def __init__(self, draft: Draft) -> None:
        self._paras: list[tuple[str, str, bool, tuple[TemplatePath, ...] | None]] = []
        for index, para in enumerate(draft.paragraphs, start=1):
            if para.kind == "line" and para.line_version is not None:
                v = para.line_version
                where = f"Paragraph {index} (line {v.line.key} v{v.number})"
                self._paras.append((where, v.body, para.numbered, paths_read(v.body)))
            else:
                self._paras.append(("", para.text, para.numbered, ()))
        self._memo: dict[tuple[int, Any], str] = {}

    def render(self, mapping: dict[str, object], reference: str) -> tuple[BodyParagraph, ...]:
        out: list[BodyParagraph] = []
        number = 0
        for i, (where, body, numbered, paths) in enumerate(self._paras):
            text: str | None
            if not where:
                text = body  # the drafter's own words, never a template
            else:
                key = None if paths is None else (i, tuple(value_at(mapping, p) for p in paths))
                try:
                    text = self._memo[key] if key is not None else None
                except (KeyError, TypeError):
                    text = None
                if text is None:
                    try:
                        text = render_line(body, mapping)
                    except TemplateProblem as exc:
                        raise ValidationError(f"{where} for {reference}", str(exc)) from exc
                    if key is not None:
                        try:
                            self._memo[key] = text
                        except TypeError:
                            pass
            if numbered:
                number += 1
                out.append(BodyParagraph(text, number))
            else:
                out.append(BodyParagraph(text))
        return tuple(out)
