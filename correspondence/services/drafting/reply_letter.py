"""From a draft in the database to the LetterSpec the Word builder prints.

Line paragraphs are rendered from the exact LineVersion the draft recorded, against the
case's context; free-text paragraphs are the drafter's own words and are never treated as
templates (so "{{ x }}" typed by a drafter prints as typed).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from correspondence.db.models import Case, Correspondent, Draft, Signatory
from correspondence.documents.letter_spec import BodyParagraph, Letterhead, LetterSpec
from correspondence.documents.rendering import TemplateProblem, render_line
from correspondence.domain.salutations import (
    CorrespondentKind,
    Person,
    addressee_block,
    salutation,
)
from correspondence.domain.states import DraftStatus
from correspondence.services.errors import NotFound, ValidationError
from correspondence.services.lines.line_context import context_for_case
from correspondence.services.lines.line_fit import plain_reason

__all__ = [
    "letter_spec_for",
    "person_of",
    "letterhead_of",
    "computed_salutation",
    "letter_file_name",
    "render_paragraphs",
]


def person_of(row: Correspondent) -> Person:
    """The domain view of a correspondent row, for salutation and address rules."""
    return Person(
        kind=CorrespondentKind(row.kind),
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
        honorific=row.honorific,
        peerage=row.peerage,
        peerage_full=row.peerage_full,
        post_nominals=row.post_nominals,
        organisation=row.organisation,
        job_title=row.job_title,
        address_lines=tuple(x.strip() for x in row.address.splitlines() if x.strip()),
        postcode=row.postcode,
        salutation_override=row.salutation_override,
    )


def letterhead_of(signatory: Signatory) -> Letterhead:
    name = " ".join(p for p in (signatory.honorific.strip(), signatory.name.strip()) if p)
    return Letterhead(
        minister_name=name,
        minister_title=signatory.title,
        department=signatory.department,
        address=signatory.address,
        telephone=signatory.telephone,
        email=signatory.email,
    )


def computed_salutation(case: Case) -> tuple[str, str]:
    """("Dear Tessa", "Yours sincerely") by the house rules; unknown writer -> Sir or Madam."""
    if case.correspondent is None:
        return "Dear Sir or Madam", "Yours faithfully"
    rule = salutation([person_of(case.correspondent)])
    return rule.dear, rule.close


def letter_file_name(reference: str, *, draft: bool = False) -> str:
    """A file name for a letter: "2009/0007948POSoS" -> "2009-0007948POSoS.docx".

    Slashes (and anything else a file system may refuse) become hyphens.
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", reference.strip()).strip("-.") or "letter"
    return f"{stem}{'-DRAFT' if draft else ''}.docx"


def render_paragraphs(draft: Draft, mapping: dict[str, object]) -> tuple[BodyParagraph, ...]:
    """The body, numbered in order; a line that cannot render names its key and version."""
    out: list[BodyParagraph] = []
    number = 0
    for index, para in enumerate(draft.paragraphs, start=1):
        if para.kind == "line" and para.line_version is not None:
            version = para.line_version
            try:
                text = render_line(version.body, mapping)
            except TemplateProblem as exc:
                reason = plain_reason(exc)
                if exc.kind in ("syntax", "security"):
                    reason = f"{reason} ({exc})"  # the policy lead's clue to what to mend
                raise ValidationError(
                    f"Paragraph {index} “{version.line.title}” "
                    f"(line {version.line.key} v{version.number})",
                    reason,
                ) from exc
        else:
            text = para.text
        if para.numbered:
            number += 1
            out.append(BodyParagraph(text, number))
        else:
            out.append(BodyParagraph(text))
    return tuple(out)


def letter_spec_for(
    session: Session,
    draft_id: int,
    case_id: int | None = None,
    *,
    final: bool,
    today: dt.date | None = None,
) -> LetterSpec:
    """The letter a draft makes for one case (for a campaign draft, the member ``case_id``).

    ``final=True`` is refused unless the draft is signed off; otherwise the spec carries
    the DRAFT marking.
    """
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft #{draft_id}")
    check_final(draft, final)
    target_id = case_id if case_id is not None else draft.case_id
    if target_id is None:
        raise ValidationError("Case", "a campaign draft is printed for one member case: name it")
    case = session.get(Case, target_id)
    if case is None:
        raise NotFound(f"No case #{target_id}")
    signatory_id = draft.signatory_id or case.signatory_id or case.addressed_to_id
    signatory = session.get(Signatory, signatory_id) if signatory_id else None
    if signatory is None:
        raise ValidationError("Signatory", "choose who signs the reply before printing it")

    letter_date = draft.letter_date or today or dt.date.today()
    context = context_for_case(session, case.id, signatory_id=signatory.id, letter_date=letter_date)
    paragraphs = render_paragraphs(draft, context.as_mapping(today=today))
    if draft.campaign_id is not None:
        # A member who wrote casework of their own may have a paragraph of their own.
        from correspondence.services.campaigns.campaign_own_words import addition_for, with_addition

        paragraphs = with_addition(paragraphs, addition_for(session, case.id))

    return spec_from(draft, case, signatory, paragraphs, letter_date, final=final)


def check_final(draft: Draft, final: bool) -> None:
    """Only a signed-off draft gives the final letter."""
    if final and draft.status != DraftStatus.SIGNED_OFF.value:
        raise ValidationError(
            "Final letter",
            f"the draft is {draft.status.label.lower()}, not signed off; "
            "only a signed-off draft gives the final letter (export it as a draft instead)",
        )


def spec_from(
    draft: Draft,
    case: Case,
    signatory: Signatory,
    paragraphs: tuple[BodyParagraph, ...],
    letter_date: dt.date,
    *,
    final: bool,
) -> LetterSpec:
    """The letter of `draft` for `case`, its body rendered (letter_spec_for's last step)."""
    dear, close = computed_salutation(case)
    # A stored salutation was written for the draft's own case; campaign members get their own.
    if draft.case_id == case.id:
        dear = draft.salutation.strip() or dear
        close = draft.complimentary_close.strip() or close
    address = addressee_block(person_of(case.correspondent)) if case.correspondent else []
    return LetterSpec(
        letterhead=letterhead_of(signatory),
        reference=case.reference,
        addressee_lines=tuple(address),
        letter_date=letter_date,
        salutation=dear,
        paragraphs=paragraphs,
        complimentary_close=close,
        signatory_name=signatory.name,
        subject=draft.subject,
        draft=not final,
        signature_image=signature_image_for(draft, signatory) if final else None,
    )


def signature_image_for(draft: Draft, signatory: Signatory) -> bytes | None:
    """A digitally signed reply carries the signatory's image; a wet-signed one is inked."""
    if draft.signature_method != "digital":
        return None
    return signatory.signature_image or None
