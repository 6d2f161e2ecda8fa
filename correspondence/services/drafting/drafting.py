"""The Drafting facade: each drafting use case in a transaction of its own.

The use cases in the modules beside this one take ``(session, actor, ...)`` and never
commit; :class:`Drafting` opens the transaction and says who is acting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from correspondence.db.models import Case
from correspondence.documents.letter_spec import LetterSpec
from correspondence.domain.states import DraftStatus
from correspondence.services.actors import Actor
from correspondence.services.cases import cases
from correspondence.services.drafting import draft_steps
from correspondence.services.drafting.draft_letter import (
    draft_for_export,
    export_draft,
    letter_spec,
    preview_spec,
)
from correspondence.services.drafting.draft_rows import held_locked
from correspondence.services.drafting.draft_save import KEEP, Keep, save_draft
from correspondence.services.drafting.draft_start import start_reply
from correspondence.services.drafting.draft_view import (
    DraftView,
    ParagraphInput,
    SignatoryChoice,
    current_draft_id,
    draft_view,
    signatory_choices,
)
from correspondence.services.drafting.editing import add_free_text, add_line
from correspondence.services.drafting.line_offers import LineOffer, offer_lines
from correspondence.services.drafting.my_work import MyWork, my_work
from correspondence.services.drafting.reply_letter import letter_file_name
from correspondence.services.unit_of_work import UnitOfWorkFactory


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
            # One click, one unit: the view is made from what was read and written.
            return start_reply(
                uow.session,
                uow.actor,
                case_id,
                line_keys=line_keys,
                numbered_keys=numbered_keys,
                signatory_id=signatory_id,
                today=self.clock(),
            )

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
        signatory_id: int | None | Keep = KEEP,
        salutation: str | None = None,
        complimentary_close: str | None = None,
        subject: str | None = None,
        letter_date: dt.date | None | Keep = KEEP,
    ) -> DraftView:
        with self.uow.begin() as uow:
            s = uow.session
            # The editor's new state, made in the same unit of work: one click, one unit.
            return save_draft(
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
            # The editor's new view, made in the same unit of work.
            return add_line(
                s,
                uow.actor,
                draft_id,
                key,
                position=position,
                numbered=numbered,
                expected_version=expected_version,
            )

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
            # The editor's new view, made in the same unit of work.
            return add_free_text(
                s,
                uow.actor,
                draft_id,
                text,
                position=position,
                numbered=numbered,
                expected_version=expected_version,
            )

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
            return draft_steps.submit(
                uow.session,
                uow.actor,
                draft_id,
                expected_version=expected_version,
                today=self.clock(),
            )

    def approve(
        self, draft_id: int, comment: str = "", expected_version: int | None = None
    ) -> DraftView:
        with self.uow.begin() as uow:
            # The editor's new view, made in the same unit of work: one click, one unit.
            return draft_steps.qa_approve(
                uow.session,
                uow.actor,
                draft_id,
                comment=comment,
                expected_version=expected_version,
            )

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
            return draft_steps.sign_off(
                uow.session,
                uow.actor,
                draft_id,
                method,
                comment=comment,
                expected_version=expected_version,
                today=self.clock(),
            )

    def return_draft(
        self, draft_id: int, reason: str, expected_version: int | None = None
    ) -> DraftView:
        with self.uow.begin() as uow:
            return draft_steps.return_draft(
                uow.session, uow.actor, draft_id, reason, expected_version=expected_version
            )

    def comment(self, draft_id: int, body: str) -> DraftView:
        with self.uow.begin() as uow:
            return draft_steps.add_comment(uow.session, uow.actor, draft_id, body)

    def letter_spec(self, draft_id: int, *, final: bool, case_id: int | None = None) -> LetterSpec:
        with self.uow.read() as uow:
            s = uow.session
            return letter_spec(s, draft_id, case_id, final=final, today=self.clock())

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
            # The case locked and held as it is read: dispatch's own reads find it, and its
            # writes go with the COMMIT (3 round trips).
            _case = held_locked(s, Case, case_id)  # held while the unit runs
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
