"""Starting a reply in three round trips (PostgreSQL): BEGIN with who is acting; every read
in one message, the case locked first; the writes and the events with the COMMIT.

The editor's view of the new draft is made from what was read and written, not read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Campaign,
    Case,
    Constituent,
    Correspondent,
    Draft,
    DraftParagraph,
    LineVersion,
    Signatory,
    StandardLine,
    Theme,
    User,
    case_themes,
    now_utc,
)
from correspondence.db.row_reads import columns_of, held, numbered_ahead
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting.draft_guards import DRAFTING_ROLES
from correspondence.services.drafting.draft_rows import insert_rows
from correspondence.services.drafting.draft_view import ACTIVE, DraftView, view_from
from correspondence.services.drafting.reply_letter import computed_salutation
from correspondence.services.errors import ConflictError, NotFound, ValidationError


def _of_case(case_id: int, column: Any) -> Any:
    return select(column).where(Case.id == case_id).scalar_subquery()


def start_reads(
    session: Session, case_id: int, keys: Sequence[str], new_paragraphs: int, actor_id: int
) -> list[Read | None]:
    """Everything starting a reply reads, in one message; the case first, locked until the
    commit, so a colleague starting the same reply waits and then finds this one."""
    return [
        select(*columns_of(Case)).where(Case.id == case_id).with_for_update(of=Case.__table__),
        select(*columns_of(Correspondent)).where(
            Correspondent.id == _of_case(case_id, Case.correspondent_id)
        ),
        select(*columns_of(Campaign)).where(Campaign.id == _of_case(case_id, Case.campaign_id)),
        select(Draft.id, Draft.status).where(Draft.case_id == case_id).order_by(Draft.id.desc()),
        # Signatories are the few people who sign (a minister, officials): all of them, to
        # check the one asked for and choose the default as draft_loading does.
        select(
            Signatory.id,
            Signatory.active,
            Signatory.office_code,
            Signatory.name,
            Signatory.title,
            Signatory.department,
        ).order_by(Signatory.id),
        # Each line asked for, with its approved versions (the newest is used).
        select(
            StandardLine.key,
            StandardLine.id,
            StandardLine.title,
            StandardLine.numbered,
            LineVersion.id,
            LineVersion.number,
            LineVersion.body,
        )
        .outerjoin(
            LineVersion,
            and_(LineVersion.line_id == StandardLine.id, LineVersion.status == "approved"),
        )
        .where(StandardLine.key.in_(keys) if keys else false())
        .order_by(StandardLine.id, LineVersion.number),
        # The case's campaign's size (none counted for a case in no campaign).
        select(func.count(Case.id)).where(Case.campaign_id == _of_case(case_id, Case.campaign_id)),
        select(Theme.code)
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .where(case_themes.c.case_id == case_id)
        .order_by(Theme.code),
        select(Constituent.title, Constituent.first_name, Constituent.last_name)
        .where(Constituent.case_id == case_id)
        .order_by(Constituent.id),
        select(User.id, User.display_name).where(User.id == actor_id),
        numbered_ahead(session, Draft.__table__, 1),
        numbered_ahead(session, DraftParagraph.__table__, new_paragraphs),
    ]


def _asked(reads: list[Read | None], session: Session) -> list[Rows | None]:
    """The rows of each read given (None for a read not needed)."""
    wanted = [r for r in reads if r is not None]
    answers = iter(read_together(session, wanted))
    return [next(answers) if r is not None else None for r in reads]


def start_reply(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    line_keys: Sequence[str] = (),
    numbered_keys: Sequence[str] | None = None,
    signatory_id: int | None = None,
    today: dt.date | None = None,
) -> DraftView:
    """Start a reply to a case; a triaged (or returned) case moves to drafting.

    ``numbered_keys`` None numbers each line by its own flag; otherwise exactly those keys.
    """
    actor.require("draft replies", *DRAFTING_ROLES)
    keys = [k for k in line_keys if k.strip()]
    stripped = sorted({k.strip() for k in keys})
    (
        case_rows,
        correspondent_rows,
        campaign_rows,
        draft_rows,
        signatory_rows,
        line_rows,
        size_rows,
        theme_rows,
        constituent_rows,
        name_rows,
        draft_ids,
        paragraph_ids,
    ) = _asked(start_reads(session, case_id, stripped, len(keys), actor.user_id), session)
    assert case_rows is not None and draft_rows is not None and signatory_rows is not None
    if not case_rows:
        raise NotFound(f"No case #{case_id}")
    case = held(session, Case, case_rows[0])
    correspondent = (
        held(session, Correspondent, correspondent_rows[0]) if correspondent_rows else None
    )
    campaign = held(session, Campaign, campaign_rows[0]) if campaign_rows else None
    set_committed_value(case, "correspondent", correspondent)
    set_committed_value(case, "campaign", campaign)
    # Locked and read in this transaction: its one UPDATE goes with the COMMIT.
    events.write_with_commit(session, case)
    status = CaseStatus(case.status)
    if draft_rows:
        other = _current(draft_rows)
        if other is not None and (other in ACTIVE or status is not CaseStatus.RETURNED):
            raise ConflictError(
                f"Case {case.reference} already has a draft reply "
                f"({other.label.lower()}); open that one instead."
            )
    if status is CaseStatus.LOGGED:
        raise ValidationError(
            "Case status", f"{case.reference} is not triaged yet: triage it before drafting"
        )
    if status not in (CaseStatus.TRIAGED, CaseStatus.RETURNED, CaseStatus.DRAFTING):
        raise ValidationError(
            "Case status", f"{case.reference} is {status.label.lower()}: it cannot be drafted now"
        )
    if correspondent is None:
        raise ValidationError("Correspondent", f"{case.reference} has nobody to reply to")
    signatories = {row[0]: row for row in signatory_rows}
    if signatory_id is not None and signatory_id not in signatories:
        raise ValidationError("Signatory", f"no signatory #{signatory_id}")
    chosen = signatory_id or _default_signatory(case, signatory_rows)
    versions = _newest_versions(line_rows or [], keys)
    # The case is written once, with the COMMIT: its drafter and its move to drafting.
    if case.drafter_id is None:
        case.drafter_id = actor.user_id
    if status in (CaseStatus.TRIAGED, CaseStatus.RETURNED):
        cases.move(session, actor, case.id, CaseStatus.DRAFTING, today=today)
    dear, close = computed_salutation(case)
    now = now_utc()
    values: dict[str, Any] = {
        "case_id": case.id,
        "campaign_id": None,
        "status": DraftStatus.DRAFTING,
        "signatory_id": chosen,
        "salutation": dear,
        "complimentary_close": close,
        "subject": "",
        "letter_date": None,
        "created_by_id": actor.user_id,
        "created_at": now,
        "returned_reason": "",
        "qa_by_id": None,
        "qa_at": None,
        "signed_off_by_id": None,
        "signed_off_at": None,
        "signature_method": "",
        "version": 1,
        "updated_at": now,
    }
    draft_id = insert_rows(
        session,
        Draft.__table__,
        [values],
        [r[0] for r in draft_ids] if draft_ids else None,
    )[0]
    numbered = set(numbered_keys) if numbered_keys is not None else None
    paragraphs = [
        {
            "draft_id": draft_id,
            "position": position,
            "kind": "line",
            "line_version_id": version.id,
            "text": version.body,
            "numbered": version.line.numbered if numbered is None else key in numbered,
        }
        for position, (key, version) in enumerate(zip(keys, versions, strict=True))
    ]
    ids = insert_rows(
        session,
        DraftParagraph.__table__,
        paragraphs,
        sorted(r[0] for r in paragraph_ids) if paragraph_ids else None,
    )
    events.record(session, actor, "draft", draft_id, "draft created", case_id=case.id, new=draft_id)
    # The view, from what was just read and written (nothing read back).
    draft = Draft(id=draft_id, **values)
    for paragraph, new_id, version in zip(paragraphs, ids, versions, strict=True):
        draft.paragraphs.append(DraftParagraph(id=new_id, line_version=version, **paragraph))
    signatory = signatories.get(chosen) if chosen is not None else None
    answers: list[Rows] = [
        [(v.line_id, v.id, v.number) for v in versions],  # each is its line's newest
        [],  # comments: none yet
        name_rows or [],
        [],  # a case's reply has no campaign of its own
        [signatory[3:]] if signatory is not None else [],
        size_rows or [],
        theme_rows or [],
        constituent_rows or [],
    ]
    return view_from(draft, case, case, answers)


def _current(draft_rows: Rows) -> DraftStatus | None:
    """The status of the case's draft worth opening (as draft_view.current_draft_id)."""
    for wanted in (ACTIVE, {DraftStatus.SIGNED_OFF}):
        for _id, status in draft_rows:
            if DraftStatus(status) in wanted:
                return DraftStatus(status)
    return None


def _default_signatory(case: Case, signatory_rows: Rows) -> int | None:
    """The case's signatory or addressee, else an active signatory (of the case's office
    first): draft_loading.default_signatory, from the rows read."""
    for sid in (case.signatory_id, case.addressed_to_id):
        if sid is not None:
            return sid
    active = [r for r in signatory_rows if r[1]]
    active.sort(key=lambda r: (r[2] != case.office_code, r[0]))
    return active[0][0] if active else None


def _newest_versions(line_rows: Rows, keys: Sequence[str]) -> list[LineVersion]:
    """The newest approved version of each key, with its line, in the order asked;
    ValidationError naming the first key without one."""
    newest: dict[str, LineVersion] = {}
    known: set[str] = set()
    for key, line_id, title, numbered, version_id, number, body in line_rows:
        known.add(key)
        if version_id is not None:  # rows come oldest first: the last wins
            line = StandardLine(id=line_id, key=key, title=title, numbered=numbered)
            newest[key] = LineVersion(
                id=version_id, line_id=line_id, number=number, body=body, status="approved",
                line=line,
            )  # fmt: skip
    out = []
    for key in keys:
        version = newest.get(key.strip())
        if version is None:
            why = "has no approved version" if key.strip() in known else "is not in the library"
            raise ValidationError("Standard line", f"{key.strip()!r} {why}")
        out.append(version)
    return out
