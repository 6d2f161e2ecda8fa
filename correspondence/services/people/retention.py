"""Retention: personal data on closed cases is anonymised after a configurable period.

Policy (Setting "retention_years", default 2): a closed case whose closing date is more than
that many years ago has its personal data removed. The closing date is `dispatched_on` for a
dispatched case, and the date of the last status change for a case closed as no reply or
transferred.

What happens to an expired case:
- its constituents: names → "Anonymised", title/address/postcode/email cleared;
- its correspondent, but only when *every* case of that correspondent has expired (a
  correspondent with any case still open or within retention is kept whole): names and
  display name → "Anonymised", title, honorifics, peerage, organisation, job title,
  constituency, party, address, postcode, email, phone, salutation override and stop-list
  reason cleared; the kind (MP, peer, public …) is kept because the reports count by it;
- the case: letter text and summary removed (they quote the writer); themes, dates, status,
  reply type, team, signatory and campaign are kept, so every report figure is unchanged;
- its documents (originals, attachments and reply letters): content and extracted text removed,
  the file name replaced by "document-<id>" with its extension; the SHA-256 and size stay as a
  record of what was held;
- its own drafts: the salutation and the drafter's free-text paragraphs are replaced by
  "[removed under the retention policy]"; approved standard-line paragraphs are kept (they hold
  the template, not the person's details). Campaign drafts are shared wording and untouched.
- `anonymised_at` is set on the case, the constituents and the correspondent, and one
  "retention applied" event per case records what was removed — never the values removed.

The event log is not edited (it is hash-chained and append-only); see services/cases/history.py for
how field edits keep personal values out of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import (
    Case,
    Constituent,
    Correspondent,
    Document,
    Draft,
    DraftParagraph,
    EmailSend,
    Event,
    Setting,
    now_utc,
)
from correspondence.domain.states import CLOSED_STATUSES, CaseStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.cases.history import RETENTION_APPLIED
from correspondence.services.errors import ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

SETTING_KEY = "retention_years"
DEFAULT_YEARS = 2
ANONYMISED = "Anonymised"
REMOVED = "[removed under the retention policy]"

_CLOSED = tuple(s.value for s in CLOSED_STATUSES)


@dataclass(frozen=True)
class RetentionItem:
    """One expired case and what anonymising it would change."""

    case_id: int
    reference: str
    status: str
    closed_on: dt.date
    correspondent: str  # the name as it is now
    correspondent_anonymised: bool  # False when another of their cases is still kept
    constituents: int
    documents: int
    drafts: int
    letter_text: bool

    @property
    def changes(self) -> str:
        parts = []
        if self.correspondent_anonymised:
            parts.append("correspondent")
        if self.constituents:
            parts.append(f"{self.constituents} constituent(s)")
        if self.letter_text:
            parts.append("letter text")
        if self.documents:
            parts.append(f"{self.documents} document(s)")
        if self.drafts:
            parts.append(f"{self.drafts} draft(s)")
        return ", ".join(parts) or "summary only"


@dataclass(frozen=True)
class RetentionPlan:
    today: dt.date
    years: int
    cutoff: dt.date  # cases closed on or before this date expire
    items: tuple[RetentionItem, ...]
    kept_correspondents: int  # expired somewhere but still within retention elsewhere
    # Backups hold personal data too: copies made before the cutoff are deleted.
    backups: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetentionResult:
    plan: RetentionPlan
    cases: int
    correspondents: int
    constituents: int
    documents: int
    backups_deleted: int = 0


def retention_years(session: Session) -> int:
    row = session.get(Setting, SETTING_KEY)
    if row is None:
        return DEFAULT_YEARS
    try:
        years = int(row.value)
    except ValueError as exc:
        raise ValidationError(
            "Retention period", f"the setting {SETTING_KEY}={row.value!r} is not a number of years"
        ) from exc
    if years < 1:
        raise ValidationError("Retention period", "must be at least 1 year")
    return years


def set_retention_years(session: Session, actor: Actor, years: int) -> None:
    actor.require("change the retention period", Role.ADMIN)
    if years < 1:
        raise ValidationError("Retention period", "must be at least 1 year")
    row = session.get(Setting, SETTING_KEY)
    old = row.value if row else str(DEFAULT_YEARS)
    if row is None:
        session.add(Setting(key=SETTING_KEY, value=str(years)))
    else:
        row.value = str(years)
    session.flush()
    events.record(session, actor, "setting", None, "changed", field=SETTING_KEY, old=old, new=years)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _closed_on(session: Session, case_ids: list[int]) -> dict[int, dt.date]:
    """The date of the last status change of each case (for cases closed without dispatch)."""
    out: dict[int, dt.date] = {}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        rows = session.execute(
            select(Event.case_id, func.max(Event.at))
            .where(Event.case_id.in_(chunk), Event.field == "status")
            .group_by(Event.case_id)
        )
        for cid, at in rows:
            assert cid is not None  # chosen by case_id
            if at is not None:
                out[cid] = at.date()
    return out


def plan(session: Session, today: dt.date) -> RetentionPlan:
    """What `apply` would change today; changes nothing."""
    years = retention_years(session)
    cutoff = years_before(today, years)
    rows = session.execute(
        select(
            Case.id,
            Case.reference,
            Case.status,
            Case.received_on,
            Case.dispatched_on,
            Case.correspondent_id,
            Case.letter_text,
        ).where(Case.status.in_(_CLOSED), Case.anonymised_at.is_(None))
    ).all()
    need_dates = [r.id for r in rows if r.dispatched_on is None]
    event_dates = _closed_on(session, need_dates)
    expired = []
    for r in rows:
        closed = r.dispatched_on or event_dates.get(r.id) or r.received_on
        if closed <= cutoff:
            expired.append((r, closed))
    if not expired:
        return RetentionPlan(today, years, cutoff, (), 0)

    expired_ids = {r.id for r, _ in expired}
    corr_ids = {r.correspondent_id for r, _ in expired if r.correspondent_id is not None}
    # A correspondent is kept whole while any case of theirs is not expired.
    kept: set[int] = set()
    for start in range(0, len(corr_ids), 500):
        chunk = list(corr_ids)[start : start + 500]
        for cid, corr, done in session.execute(
            select(Case.id, Case.correspondent_id, Case.anonymised_at).where(
                Case.correspondent_id.in_(chunk)
            )
        ):
            # A case anonymised in an earlier run has expired too.
            if cid not in expired_ids and done is None:
                assert corr is not None  # chosen by correspondent_id
                kept.add(corr)
    names: dict[int, str] = {}
    for start in range(0, len(corr_ids), 500):
        chunk = list(corr_ids)[start : start + 500]
        names.update(
            session.execute(
                select(Correspondent.id, Correspondent.display_name).where(
                    Correspondent.id.in_(chunk), Correspondent.anonymised_at.is_(None)
                )
            ).all()
        )
    ids = sorted(expired_ids)
    n_const = _count_by_case(session, Constituent.case_id, ids, Constituent.anonymised_at.is_(None))
    n_docs = _count_by_case(session, Document.case_id, ids, Document.size >= 0)
    n_drafts = _count_by_case(session, Draft.case_id, ids, Draft.id.is_not(None))
    items = tuple(
        RetentionItem(
            case_id=r.id,
            reference=r.reference,
            status=CaseStatus(r.status).label,
            closed_on=closed,
            correspondent=names.get(r.correspondent_id, ANONYMISED) if r.correspondent_id else "",
            correspondent_anonymised=r.correspondent_id is not None
            and r.correspondent_id not in kept
            and r.correspondent_id in names,
            constituents=n_const.get(r.id, 0),
            documents=n_docs.get(r.id, 0),
            drafts=n_drafts.get(r.id, 0),
            letter_text=bool(r.letter_text),
        )
        for r, closed in sorted(expired, key=lambda x: (x[1], x[0].reference))
    )
    return RetentionPlan(today, years, cutoff, items, len(kept & set(names)))


def _count_by_case(session: Session, col, ids: list[int], extra) -> dict[int, int]:  # noqa: ANN001
    out: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        out.update(
            session.execute(
                select(col, func.count()).where(col.in_(chunk), extra).group_by(col)
            ).all()
        )
    return out


def _anonymise_correspondent(c: Correspondent, at: dt.datetime) -> None:
    for name in (
        "title",
        "first_name",
        "honorific",
        "peerage",
        "peerage_full",
        "post_nominals",
        "organisation",
        "job_title",
        "constituency",
        "party",
        "address",
        "postcode",
        "email",
        "phone",
        "salutation_override",
        "stop_list_reason",
    ):
        setattr(c, name, "")
    c.last_name = ANONYMISED
    c.display_name = ANONYMISED
    c.anonymised_at = at


def _anonymise_case(session: Session, case: Case, at: dt.datetime) -> tuple[int, int]:
    case.letter_text = ""
    case.summary = ""
    case.anonymised_at = at
    n_const = 0
    for p in case.constituents:
        if p.anonymised_at is None:
            p.title = p.first_name = p.address = p.postcode = p.email = ""
            p.last_name = ANONYMISED
            p.anonymised_at = at
            n_const += 1
    docs = list(session.scalars(select(Document).where(Document.case_id == case.id)))
    for d in docs:
        suffix = PurePath(d.filename).suffix[:10]
        d.filename = f"document-{d.id}{suffix}"
        d.content = b""
        d.extracted_text = ""
        d.needs_text = False
    # The reply's address and the record of the email sent to it (migration 0010).
    case.reply_email = ""
    for sent in session.scalars(select(EmailSend).where(EmailSend.case_id == case.id)):
        sent.to_address = ANONYMISED
    for draft in session.scalars(select(Draft).where(Draft.case_id == case.id)):
        draft.salutation = REMOVED if draft.salutation else ""
        for para in session.scalars(
            select(DraftParagraph).where(
                DraftParagraph.draft_id == draft.id, DraftParagraph.kind != "line"
            )
        ):
            para.text = REMOVED
    return n_const, len(docs)


def apply(session: Session, actor: Actor, today: dt.date) -> RetentionResult:
    """Anonymise every expired case (admins only). Does not commit."""
    actor.require("apply the retention policy", Role.ADMIN)
    p = plan(session, today)
    at = now_utc()
    n_corr = n_const = n_docs = 0
    for item in p.items:
        case = session.get(Case, item.case_id)
        assert case is not None
        c, d = _anonymise_case(session, case, at)
        n_const += c
        n_docs += d
        if item.correspondent_anonymised and case.correspondent is not None:
            if case.correspondent.anonymised_at is None:
                _anonymise_correspondent(case.correspondent, at)
                n_corr += 1
        session.flush()
        events.record(
            session,
            actor,
            "case",
            case.id,
            RETENTION_APPLIED,
            case_id=case.id,
            new=item.changes,
            reason=f"closed {item.closed_on.isoformat()}; retention {p.years} years",
        )
    return RetentionResult(p, len(p.items), n_corr, n_const, n_docs)


class Retention:
    """Facade: one transaction per call, as Desk."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def plan(self) -> RetentionPlan:
        with self.uow.begin() as uow:
            uow.actor.require("review the retention policy", Role.ADMIN)
            found = plan(uow.session, self.clock())
        return replace(found, backups=tuple(str(p) for p in self._expired_backups(found.cutoff)))

    def apply(self) -> RetentionResult:
        with self.uow.begin() as uow:
            result = apply(uow.session, uow.actor, self.clock())
        # After the commit: the anonymised database is safe before any copy goes.
        deleted = 0
        for copy in self._expired_backups(result.plan.cutoff):
            copy.unlink(missing_ok=True)
            deleted += 1
        return replace(result, backups_deleted=deleted)

    def _expired_backups(self, cutoff: dt.date) -> list[Path]:
        from correspondence.db.health import backups_of
        from correspondence.db.session import sqlite_path

        db = sqlite_path(self.uow.engine.url.render_as_string(hide_password=False))
        if db is None:
            return []
        return [
            copy for copy in backups_of(db) if dt.date.fromtimestamp(copy.stat().st_mtime) <= cutoff
        ]

    def years(self) -> int:
        with self.uow.read() as uow:
            s = uow.session
            return retention_years(s)

    def set_years(self, years: int) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            set_retention_years(s, uow.actor, years)
