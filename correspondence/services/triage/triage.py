"""Triage: confirm themes, choose reply type, team, drafter and priority, or close the case
as "no reply" or "transferred"; one case at a time or a selection in bulk.

Only officers (and admins) triage. Every change is an event (field old → new); confirmed themes
are stored as case_themes rows with source='officer', which is what theme suggestions learn from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from correspondence.db.batch_reads import read_together
from correspondence.db.models import (
    Case,
    Correspondent,
    Extension,
    ReplyType,
    Setting,
    Team,
    Theme,
    User,
    case_themes,
    now_utc,
    user_roles,
)
from correspondence.domain import subject_phrase
from correspondence.domain.errors import DomainError
from correspondence.domain.states import CaseStatus
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.campaigns.campaign_profile import (
    campaign_theme_codes_from,
    campaign_theme_reads,
)
from correspondence.services.cases import cases
from correspondence.services.cases.deadlines import (
    DeadlineView,
    deadline_from,
    deadline_reads,
    due_for,
)
from correspondence.services.errors import ConflictError, ServiceError, ValidationError
from correspondence.services.triage import decision_reads, theme_suggest
from correspondence.services.triage.theme_suggest import THRESHOLD, Suggestion
from correspondence.services.unit_of_work import UnitOfWorkFactory

ACKNOWLEDGEMENT = "acknowledgement"
PRIORITIES = ("normal", "high", "urgent")
# Suggestions weaker than this are noise on screen (one shared word); the full list is below.
MIN_SHOWN = 0.1
# A suggestion this sure is ticked whatever else is; weaker ones (at or above the
# theme_suggest THRESHOLD) are ticked up to MAX_PRETICKED in all.
STRONG = 0.8
MAX_PRETICKED = 3
# Settings key naming a team's default drafter (a username), e.g. "team.SPU.default_drafter".
DEFAULT_DRAFTER_KEY = "team.{code}.default_drafter"


@dataclass(frozen=True)
class Option:
    value: str | int
    label: str


@dataclass(frozen=True)
class TriageCase:
    """What the triage view shows for one case."""

    id: int
    version: int
    reference: str
    status: CaseStatus
    received_on: dt.date
    channel: str
    correspondent: str
    correspondent_detail: str  # constituency and party, or organisation
    on_stop_list: bool
    stop_list_reason: str
    constituents: tuple[str, ...]
    summary: str
    letter_text: str
    campaign: str
    themes: tuple[str, ...]  # codes on the case now
    suggestions: tuple[Suggestion, ...]
    reply_type: str
    proposed_reply_type: str  # 'acknowledgement' for a stop-listed writer
    team_id: int | None
    drafter_id: int | None
    priority: str
    deadlines: DeadlineView
    # How the reply's opening names the subject: the case's own, else one proposed from
    # the summary ("the shortage of health visitors").
    subject_phrase: str = ""
    # The campaign's own themes (most common first): shown as such, and ticked only when
    # this letter bears them out.
    campaign_themes: tuple[str, ...] = ()
    # What the officer sees ticked when the case opens: their earlier choice once triaged;
    # before that the strong suggestions and any theme given at logging that is not merely
    # the campaign's.
    proposed_themes: tuple[str, ...] = ()


@dataclass
class TriageDecision:
    """What an officer decided; None leaves a field as it is."""

    themes: Sequence[str] | None = None
    reply_type: str | None = None
    team_id: int | None = None
    drafter_id: int | None = None
    priority: str | None = None
    clear_drafter: bool = False
    subject_phrase: str | None = None


@dataclass(frozen=True)
class BulkResult:
    changed: tuple[str, ...]  # references
    failed: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (reference, reason)


# --- rules on one case (no commit) ----------------------------------------------------


def _require(actor: Actor) -> None:
    actor.require("triage correspondence", Role.OFFICER)


def _event(
    session: Session, actor: Actor, case: Case, fld: str, old: object, new: object, reason: str = ""
) -> None:
    events.record(
        session,
        actor,
        "case",
        case.id,
        "triage",
        case_id=case.id,
        field=fld,
        old="" if old is None else old,
        new="" if new is None else new,
        reason=reason,
    )


def _case(session: Session, case_id: int, expected_version: int | None = None) -> Case:
    if expected_version is not None:
        # Held until commit, so a colleague triaging the same case waits and then sees the
        # new version (a conflict) instead of both rewriting its themes at once.
        locked = session.scalar(
            select(Case)
            .where(Case.id == case_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if locked is not None:
            return _check_version(locked, expected_version)
    return _check_version(cases.get_case(session, case_id), expected_version)


def _check_version(case: Case, expected_version: int | None) -> Case:
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            f"Case {case.reference} was changed by someone else since you opened it; "
            "reload it to see their changes."
        )
    return case


def set_themes(
    session: Session, actor: Actor, case_id: int, codes: Iterable[str], *, at: dt.datetime
) -> None:
    """Replace the case's themes with `codes`, recorded as confirmed by the officer."""
    _require(actor)
    case = _case(session, case_id)
    wanted = decision_reads.clean_codes(codes)
    read = decision_reads.known(session, case.id)
    if read is not None and read.wanted == tuple(wanted):
        found, rows = read.found, list(read.current)
    else:
        found = dict(
            session.execute(select(Theme.code, Theme.id).where(Theme.code.in_(wanted))).all()
        )
        rows = [
            (code, source, score)
            for code, source, score in session.execute(
                select(Theme.code, case_themes.c.source, case_themes.c.score)
                .join(Theme, Theme.id == case_themes.c.theme_id)
                .where(case_themes.c.case_id == case.id)
            )
        ]
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError("Themes", f"unknown theme code(s): {', '.join(missing)}")
    before = sorted(code for code, _, _ in rows)
    scores = {code: score for code, _, score in rows}
    # Nothing reads them back in this click: they go with the COMMIT (events.at_commit).
    events.at_commit(session, delete(case_themes).where(case_themes.c.case_id == case.id))
    if wanted:
        # One INSERT with a row per theme: an executemany sends one message per row.
        events.at_commit(
            session,
            insert(case_themes).values(
                [
                    {
                        "case_id": case.id,
                        "theme_id": found[c],
                        "source": "officer",
                        "score": scores.get(c),
                        "confirmed_by_id": actor.user_id,
                        "confirmed_at": at,
                    }
                    for c in wanted
                ]
            ),
        )
    session.expire(case, ["themes"])
    theme_suggest.note_confirmations_at_commit(session)
    after = sorted(wanted)
    if after != before:
        _event(session, actor, case, "themes", ", ".join(before), ", ".join(after))
    else:
        events.record(
            session,
            actor,
            "case",
            case.id,
            "themes confirmed",
            case_id=case.id,
            new=", ".join(after),
        )


def set_reply_type(session: Session, actor: Actor, case_id: int, code: str) -> None:
    """Change the reply type; the due date follows it unless the case was extended."""
    _require(actor)
    case = _case(session, case_id)
    rt = session.get(ReplyType, code)
    if rt is None:
        raise ValidationError("Reply type", f"unknown reply type {code!r}")
    if case.reply_type_code == code:
        return
    old = case.reply_type_code
    case.reply_type_code = code
    _event(session, actor, case, "reply_type", old, code)
    read = decision_reads.known(session, case.id)
    if read is not None:
        extended = read.extended
    else:
        with session.no_autoflush:  # the case is written once, at the end
            extended = session.scalar(
                select(func.count(Extension.id)).where(Extension.case_id == case.id)
            )
    if not extended and case.direction == "incoming":
        new_due = due_for(session, case.received_on, code)
        if new_due != case.due_on:
            old_due = case.due_on
            case.due_on = new_due
            _event(
                session,
                actor,
                case,
                "due_on",
                old_due.isoformat() if old_due else "",
                new_due.isoformat() if new_due else "",
                reason=f"reply type {code}",
            )


def set_team(session: Session, actor: Actor, case_id: int, team_id: int | None) -> None:
    _require(actor)
    case = _case(session, case_id)
    if case.team_id == team_id:
        return
    team = session.get(Team, team_id) if team_id is not None else None
    if team_id is not None and team is None:
        raise ValidationError("Team", f"no team #{team_id}")
    old = case.team.name if case.team else ""
    case.team_id = team_id
    _event(session, actor, case, "team", old, team.name if team else "")


def set_drafter(session: Session, actor: Actor, case_id: int, user_id: int | None) -> None:
    _require(actor)
    case = _case(session, case_id)
    if case.drafter_id == user_id:
        return
    user = session.get(User, user_id) if user_id is not None else None
    if user_id is not None and (user is None or not user.active):
        raise ValidationError("Drafter", f"no active user #{user_id}")
    old = session.get(User, case.drafter_id) if case.drafter_id else None
    case.drafter_id = user_id
    session.flush()
    _event(
        session,
        actor,
        case,
        "drafter",
        old.display_name if old else "",
        user.display_name if user else "",
    )


def set_priority(session: Session, actor: Actor, case_id: int, priority: str) -> None:
    _require(actor)
    if priority not in PRIORITIES:
        raise ValidationError("Priority", f"choose one of {', '.join(PRIORITIES)}")
    case = _case(session, case_id)
    if case.priority == priority:
        return
    old = case.priority
    case.priority = priority
    session.flush()
    _event(session, actor, case, "priority", old, priority)


def set_subject_phrase(session: Session, actor: Actor, case_id: int, phrase: str) -> None:
    phrase = " ".join(phrase.split())
    if len(phrase) > subject_phrase.MAX_CHARS:
        raise ValidationError(
            "Subject phrase", f"keep it under {subject_phrase.MAX_CHARS} characters"
        )
    case = _case(session, case_id)
    old = case.subject_phrase
    if phrase == old:
        return
    case.subject_phrase = phrase
    session.flush()
    _event(session, actor, case, "subject_phrase", old, phrase)


def apply(
    session: Session,
    actor: Actor,
    case_id: int,
    decision: TriageDecision,
    *,
    at: dt.datetime,
) -> None:
    """Apply every field the decision sets."""
    _require(actor)
    if decision.themes is not None:
        set_themes(session, actor, case_id, decision.themes, at=at)
    if decision.reply_type is not None:
        set_reply_type(session, actor, case_id, decision.reply_type)
    if decision.team_id is not None:
        set_team(session, actor, case_id, decision.team_id)
    if decision.drafter_id is not None or decision.clear_drafter:
        set_drafter(session, actor, case_id, decision.drafter_id)
    if decision.priority is not None:
        set_priority(session, actor, case_id, decision.priority)
    if decision.subject_phrase is not None:
        set_subject_phrase(session, actor, case_id, decision.subject_phrase)


def mark_triaged(session: Session, actor: Actor, case_id: int) -> None:
    """logged → triaged; the case must have a reply type and, if it needs a reply, a team."""
    _require(actor)
    case = _case(session, case_id)
    rt = session.get(ReplyType, case.reply_type_code) if case.reply_type_code else None
    if rt is None:
        raise ValidationError("Reply type", f"choose a reply type for {case.reference}")
    if rt.needs_reply and case.team_id is None:
        raise ValidationError("Team", f"choose the team that will reply to {case.reference}")
    cases.move(session, actor, case.id, CaseStatus.TRIAGED)


def mark_no_reply(session: Session, actor: Actor, case_id: int, reason: str) -> None:
    _require(actor)
    if not reason.strip():
        raise ValidationError("Reason", "say why no reply is needed")
    case = _case(session, case_id)
    if case.reply_type_code != "no_reply" and session.get(ReplyType, "no_reply") is not None:
        set_reply_type(session, actor, case.id, "no_reply")
    cases.move(session, actor, case.id, CaseStatus.NO_REPLY, reason=reason.strip())


def transfer(session: Session, actor: Actor, case_id: int, where: str, reason: str) -> None:
    """Send the case to another department: where and why are both required."""
    _require(actor)
    if not where.strip():
        raise ValidationError("Transfer to", "name the department the letter goes to")
    if not reason.strip():
        raise ValidationError("Reason", "say why the letter is being transferred")
    case = _case(session, case_id)
    old = case.transfer_to
    case.transfer_to = where.strip()
    case.transfer_reason = reason.strip()
    session.flush()
    _event(session, actor, case, "transfer_to", old, case.transfer_to, reason=reason.strip())
    cases.move(session, actor, case.id, CaseStatus.TRANSFERRED, reason=reason.strip())


def proposed_reply_type(
    session: Session, case: Case, *, acknowledgement_exists: bool | None = None
) -> str:
    """A stop-listed writer gets an acknowledgement only; otherwise the case's own type
    (`acknowledgement_exists`: whether that reply type exists, when already asked)."""
    corr = session.get(Correspondent, case.correspondent_id) if case.correspondent_id else None
    if (
        corr is not None
        and corr.on_stop_list
        and (
            acknowledgement_exists
            if acknowledgement_exists is not None
            else session.get(ReplyType, ACKNOWLEDGEMENT) is not None
        )
    ):
        return ACKNOWLEDGEMENT
    return case.reply_type_code or cases.DEFAULT_REPLY_TYPE


def default_drafter(session: Session, team_id: int) -> int | None:
    """The team's default drafter: the one an admin named, else its first plain drafter."""
    team = session.get(Team, team_id)
    if team is None:
        return None
    named = session.scalar(
        select(Setting.value).where(Setting.key == DEFAULT_DRAFTER_KEY.format(code=team.code))
    )
    if named:
        uid = session.scalar(select(User.id).where(User.username == named, User.active.is_(True)))
        if uid is not None:
            return uid
    rows = session.execute(
        select(User.id, user_roles.c.role)
        .join(user_roles, user_roles.c.user_id == User.id)
        .where(User.team_id == team_id, User.active.is_(True))
        .order_by(User.display_name, User.id)
    ).all()
    roles: dict[int, set[str]] = {}
    for uid, role in rows:
        roles.setdefault(uid, set()).add(role)
    # Policy leads QA the drafts, so a drafter who is not also the lead comes first.
    for want_plain in (True, False):
        for uid, rs in roles.items():
            if Role.DRAFTER.value in rs and (not want_plain or Role.POLICY_LEAD.value not in rs):
                return uid
    return None


def proposed_themes(
    status: CaseStatus,
    themes: Sequence[str],
    suggestions: Sequence[Suggestion],
    campaign_themes: Sequence[str],
) -> tuple[str, ...]:
    """The themes to tick when a case opens in triage (see TriageCase.proposed_themes)."""
    if status is not CaseStatus.LOGGED:
        return tuple(themes)
    strong = [s.code for s in suggestions if s.score >= STRONG]
    likely = [s.code for s in suggestions if THRESHOLD <= s.score < STRONG]
    ticked = strong + likely[: max(0, MAX_PRETICKED - len(strong))]
    suggested = {s.code for s in suggestions if s.score >= THRESHOLD}
    # A campaign theme the letter never mentions is the campaign's, not this letter's.
    given = [c for c in themes if c not in campaign_themes or c in suggested]
    return tuple(dict.fromkeys([*ticked, *given]))


def triage_case(session: Session, case_id: int, today: dt.date, limit: int = 8) -> TriageCase:
    # With its correspondent, themes and constituents in one query, and held here so the
    # deadline box below finds it in the session.
    case = cases.case_for_detail(session, case_id)
    corr = case.correspondent
    detail = ""
    if corr is not None:
        detail = ", ".join(x for x in (corr.constituency, corr.party) if x) or corr.organisation
        if detail == corr.display_name:
            detail = ""
    # Everything else the view shows, asked together: one round trip more.
    reads = [
        theme_suggest.fingerprint_statement(),
        select(ReplyType.code).where(ReplyType.code == ACKNOWLEDGEMENT),
        *deadline_reads(case),
    ]
    if case.campaign_id is not None:
        reads += campaign_theme_reads(case.campaign_id)
    fingerprint, acknowledgement, reply_days, extensions, *campaign = read_together(session, reads)
    text = case.letter_text or case.summary
    suggestions = tuple(
        x
        for x in theme_suggest.suggest(session, text, limit, fingerprint_row=fingerprint[0])
        if x.score >= MIN_SHOWN
    )
    campaign_themes: tuple[str, ...] = ()
    if case.campaign_id is not None:
        campaign_themes = campaign_theme_codes_from(*campaign)
    themes = tuple(t.code for t in case.themes)
    return TriageCase(
        id=case.id,
        version=case.version,
        reference=case.reference,
        status=case.status,
        received_on=case.received_on,
        channel=case.channel,
        correspondent=corr.display_name if corr else "",
        correspondent_detail=detail,
        on_stop_list=bool(corr and corr.on_stop_list),
        stop_list_reason=corr.stop_list_reason if corr else "",
        constituents=tuple(
            " ".join(p for p in (c.title, c.first_name, c.last_name) if p)
            for c in case.constituents
        ),
        summary=case.summary,
        letter_text=case.letter_text,
        campaign=case.campaign.name if case.campaign else "",
        themes=themes,
        suggestions=suggestions,
        reply_type=case.reply_type_code or "",
        proposed_reply_type=proposed_reply_type(
            session, case, acknowledgement_exists=bool(acknowledgement)
        ),
        team_id=case.team_id,
        drafter_id=case.drafter_id,
        priority=case.priority,
        deadlines=deadline_from(case, reply_days, extensions, today=today),
        subject_phrase=subject_phrase.phrase_for(case.subject_phrase, case.summary),
        campaign_themes=campaign_themes,
        proposed_themes=proposed_themes(case.status, themes, suggestions, campaign_themes),
    )


# --- the facade -----------------------------------------------------------------------


class Triage:
    """Triage services bound to a database and a user; one transaction per call."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    # --- reading ---------------------------------------------------------------
    def can_triage(self) -> bool:
        with self.uow.read() as uow:
            return uow.actor.has(Role.OFFICER)

    def queue(self) -> list[int]:
        """Untriaged cases, oldest received first."""
        with self.uow.read() as uow:
            s = uow.session
            return list(
                s.scalars(
                    select(Case.id)
                    .where(Case.status == CaseStatus.LOGGED.value)
                    .order_by(Case.received_on, Case.id)
                )
            )

    def load(self, case_id: int) -> TriageCase:
        with self.uow.read() as uow:
            s = uow.session
            return triage_case(s, case_id, self.clock())

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        with self.uow.read() as uow:
            s = uow.session
            return theme_suggest.suggest(s, text, limit)

    def reply_types(self) -> list[Option]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Option(code, name)
                for code, name in s.execute(
                    select(ReplyType.code, ReplyType.name).order_by(ReplyType.name)
                )
            ]

    def teams(self) -> list[Option]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Option(i, name)
                for i, name in s.execute(
                    select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name)
                )
            ]

    def themes(self) -> list[Option]:
        with self.uow.read() as uow:
            s = uow.session
            return [
                Option(code, name)
                for code, name in s.execute(
                    select(Theme.code, Theme.name)
                    .where(Theme.active.is_(True))
                    .order_by(Theme.code)
                )
            ]

    def drafters(self) -> list[Option]:
        """Active users who draft, labelled with their team."""
        with self.uow.read() as uow:
            s = uow.session
            rows = s.execute(
                select(User.id, User.display_name, Team.code)
                .join(user_roles, user_roles.c.user_id == User.id)
                .outerjoin(Team, Team.id == User.team_id)
                .where(
                    User.active.is_(True),
                    user_roles.c.role.in_([Role.DRAFTER.value, Role.POLICY_LEAD.value]),
                )
                .order_by(User.display_name)
                .distinct()
            ).all()
            return [Option(uid, f"{name} ({team})" if team else name) for uid, name, team in rows]

    def default_drafter(self, team_id: int) -> int | None:
        with self.uow.read() as uow:
            s = uow.session
            return default_drafter(s, team_id)

    # --- one case --------------------------------------------------------------
    def _write(self, work: Callable[[Session, Actor], None]) -> None:
        with self.uow.begin() as uow:
            s = uow.session
            work(s, uow.actor)

    def apply(
        self,
        case_id: int,
        decision: TriageDecision,
        *,
        finish: bool = True,
        expected_version: int | None = None,
    ) -> None:
        """Record the decision and (by default) mark the case triaged, all or nothing."""

        def work(s: Session, actor: Actor) -> None:
            _require(actor)
            # The case with what the decision needs, in one statement (decision_reads);
            # every step below finds them in the session instead of asking again. The case
            # is written once, with every field changed, when it moves to triaged.
            read = decision_reads.load(
                s,
                case_id,
                reply_type=decision.reply_type,
                team_id=decision.team_id,
                themes=decision.themes,
                lock=expected_version is not None,
            )
            case = _check_version(read, expected_version) if read else _case(s, case_id)
            if read is not None and expected_version is not None:
                # Locked and its version checked: its one UPDATE goes with the COMMIT.
                events.write_with_commit(s, case)
            apply(s, actor, case.id, decision, at=now_utc())
            if finish:
                mark_triaged(s, actor, case_id)

        self._write(work)

    def no_reply(self, case_id: int, reason: str, decision: TriageDecision | None = None) -> None:
        def work(s: Session, actor: Actor) -> None:
            if decision is not None:
                apply(s, actor, case_id, decision, at=now_utc())
            mark_no_reply(s, actor, case_id, reason)

        self._write(work)

    def transfer(
        self, case_id: int, where: str, reason: str, decision: TriageDecision | None = None
    ) -> None:
        def work(s: Session, actor: Actor) -> None:
            if decision is not None:
                apply(s, actor, case_id, decision, at=now_utc())
            transfer(s, actor, case_id, where, reason)

        self._write(work)

    # --- a selection -------------------------------------------------------------
    def _bulk(
        self, case_ids: Iterable[int], work: Callable[[Session, Actor, int], None]
    ) -> BulkResult:
        """Each case in its own savepoint: one refusal does not undo the others.

        The result is returned only once the whole selection is committed; if the commit
        itself fails (a full disk), nothing was changed and ServiceError says so."""
        changed: list[str] = []
        failed: list[tuple[str, str]] = []
        try:
            with self.uow.begin() as uow:
                s, actor = uow.session, uow.actor
                _require(actor)
                for case_id in dict.fromkeys(case_ids):
                    ref = (
                        s.scalar(select(Case.reference).where(Case.id == case_id)) or f"#{case_id}"
                    )
                    try:
                        with s.begin_nested():
                            work(s, actor, case_id)
                    except (ServiceError, DomainError) as exc:
                        failed.append((ref, str(exc)))
                    else:
                        changed.append(ref)
        except SQLAlchemyError as exc:
            from correspondence.db.health import storage_problem

            words = storage_problem(exc)
            if words is None:
                raise
            raise ServiceError(f"Nothing was changed: {words}.") from exc
        return BulkResult(tuple(changed), tuple(failed))

    def bulk_apply(
        self, case_ids: Iterable[int], decision: TriageDecision, *, finish: bool = False
    ) -> BulkResult:
        def work(s: Session, actor: Actor, case_id: int) -> None:
            apply(s, actor, case_id, decision, at=now_utc())
            if finish:
                mark_triaged(s, actor, case_id)

        return self._bulk(case_ids, work)

    def bulk_no_reply(self, case_ids: Iterable[int], reason: str) -> BulkResult:
        return self._bulk(case_ids, lambda s, a, cid: mark_no_reply(s, a, cid, reason))

    def bulk_transfer(self, case_ids: Iterable[int], where: str, reason: str) -> BulkResult:
        return self._bulk(case_ids, lambda s, a, cid: transfer(s, a, cid, where, reason))
