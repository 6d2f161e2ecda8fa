"""Approval: submit, QA, private office, sign-off, returns, dispatch, and who may do what."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Comment, Signatory, Team
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.errors import PermissionDenied, ValidationError
from correspondence.services.replies.printing import PrintError, print_command, print_file
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY


def _as(db: Database, user: str) -> Drafting:
    return Drafting(acting_as(db.session_factory, user), clock=lambda: DEMO_TODAY)


def _case_status(db: Database, case_id: int) -> str:
    with db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.status


@pytest.fixture
def case_id(demo_db: Database) -> int:
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    with demo_db.session_factory() as s:
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    ref = desk.log_case(
        NewCase(
            received_on=DEMO_TODAY - dt.timedelta(days=2),
            new_correspondent=NewCorrespondent(
                kind=CorrespondentKind.PEER,
                title="Baroness",
                last_name="Fairlie",
                peerage="Baroness Fairlie",
                peerage_full="Baroness Fairlie of Upton",
            ),
            theme_codes=["SCR"],
            signatory_id=sos,
        )
    )
    cid = desk.find_reference(ref)
    desk.move(cid, CaseStatus.TRIAGED)
    with demo_db.session_factory.begin() as s:
        case = s.get(Case, cid)
        assert case is not None
        case.team_id = s.scalar(select(Team.id).where(Team.code == "SPU"))  # as triage would
    return cid


@pytest.fixture
def draft_id(demo_db: Database, case_id: int) -> int:
    return (
        _as(demo_db, "p.mehta")
        .create(case_id, ["babyp-tragedy", "scr-quality-and-review-panels"])
        .id
    )


def test_the_full_path_moves_draft_and_case_and_records_every_step(
    demo_db: Database, case_id: int, draft_id: int, tmp_path: Path
) -> None:
    assert _as(demo_db, "p.mehta").submit(draft_id).status is DraftStatus.IN_QA
    assert _case_status(demo_db, case_id) == "in_qa"
    approved = _as(demo_db, "policy.lead.safeguarding").approve(draft_id, "Good to go")
    assert approved.status is DraftStatus.WITH_PRIVATE_OFFICE and approved.qa_by == "Helen Forsyth"
    assert _case_status(demo_db, case_id) == "with_private_office"
    signed = _as(demo_db, "ps.sos").sign_off(draft_id, "digital")
    assert signed.status is DraftStatus.SIGNED_OFF
    assert (signed.signed_off_by, signed.signature_method) == ("Mark Ellery", "digital")
    assert signed.letter_date == DEMO_TODAY
    assert _case_status(demo_db, case_id) == "signed_off"
    assert [c.body for c in signed.comments] == ["Good to go"]

    out = _as(demo_db, "a.okoro").export(draft_id, tmp_path / "final.docx", final=True)
    assert out.exists()
    _as(demo_db, "a.okoro").dispatch(case_id, "post", on=DEMO_TODAY)
    detail = Desk(acting_as(demo_db.session_factory, "a.okoro")).detail(case_id)
    assert detail.status is CaseStatus.DISPATCHED and detail.dispatched_on == DEMO_TODAY
    steps = [(e.username, e.action, e.new) for e in detail.history]
    for step in [
        ("p.mehta", "submitted for QA", "in_qa"),
        ("policy.lead.safeguarding", "QA approved", "with_private_office"),
        ("ps.sos", "signed off", "signed_off"),
        ("a.okoro", "status", "dispatched"),
        ("a.okoro", "dispatched", "post"),
    ]:
        assert step in steps
    with demo_db.session_factory() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert (case.signature_method, case.dispatch_channel) == ("digital", "post")


def test_a_returned_draft_shows_why_and_goes_round_again(
    demo_db: Database, case_id: int, draft_id: int
) -> None:
    drafter, lead, ps = (_as(demo_db, u) for u in ("p.mehta", "policy.lead.safeguarding", "ps.sos"))
    drafter.submit(draft_id)
    with pytest.raises(ValidationError, match="say why"):
        lead.return_draft(draft_id, "   ")
    back = lead.return_draft(draft_id, "Paragraph 2 needs the new SCR figures")
    assert back.status is DraftStatus.RETURNED and back.editable
    assert back.returned_reason == "Paragraph 2 needs the new SCR figures"
    assert back.comments[-1].body == "Returned: Paragraph 2 needs the new SCR figures"
    assert _case_status(demo_db, case_id) == "returned"
    work = drafter.my_work()
    assert [w.waiting_for for w in work.drafts if w.draft_id == draft_id] == [
        "Returned: Paragraph 2 needs the new SCR figures"
    ]

    assert drafter.submit(draft_id).status is DraftStatus.IN_QA
    assert _case_status(demo_db, case_id) == "in_qa"
    lead.approve(draft_id)
    again = ps.return_draft(draft_id, "The Secretary of State wants a warmer opening")
    assert again.status is DraftStatus.RETURNED
    assert _case_status(demo_db, case_id) == "returned"
    history = Desk(acting_as(demo_db.session_factory, "a.okoro")).detail(case_id).history
    reasons = [e.reason for e in history if e.action == "returned"]
    assert reasons == [
        "Paragraph 2 needs the new SCR figures",
        "The Secretary of State wants a warmer opening",
    ]


@pytest.mark.parametrize(
    ("user", "action", "message"),
    [
        ("a.okoro", "submit", "may not submit a draft for QA"),
        ("p.mehta", "approve", "may not QA-approve a draft: this needs the policy lead role"),
        ("ps.sos", "approve", "may not QA-approve"),
        ("p.mehta", "sign_off", "may not sign off a reply: this needs the private secretary"),
        ("policy.lead.safeguarding", "sign_off", "may not sign off a reply"),
        ("a.okoro", "return_qa", "may not return a draft from QA"),
        ("p.mehta", "return_qa", "may not return a draft from QA"),
        ("policy.lead.safeguarding", "return_po", "may not return a draft from the private"),
        ("p.mehta", "dispatch", "may not record dispatch"),
        ("a.okoro", "edit", "may not edit draft replies"),
        ("ps.sos", "edit", "may not edit draft replies"),
    ],
)
def test_forbidden_actions_are_refused_by_the_service(
    demo_db: Database, case_id: int, draft_id: int, user: str, action: str, message: str
) -> None:
    drafter, lead, ps = (_as(demo_db, u) for u in ("p.mehta", "policy.lead.safeguarding", "ps.sos"))
    if action in ("approve", "return_qa", "sign_off", "return_po", "dispatch"):
        drafter.submit(draft_id)
    if action in ("sign_off", "return_po", "dispatch"):
        lead.approve(draft_id)
    if action == "dispatch":
        ps.sign_off(draft_id, "wet")
    who = _as(demo_db, user)
    calls = {
        "submit": lambda: who.submit(draft_id),
        "approve": lambda: who.approve(draft_id),
        "sign_off": lambda: who.sign_off(draft_id, "wet"),
        "return_qa": lambda: who.return_draft(draft_id, "No"),
        "return_po": lambda: who.return_draft(draft_id, "No"),
        "dispatch": lambda: who.dispatch(case_id, "post"),
        "edit": lambda: who.save(draft_id, None, [], subject="Mine now"),
    }
    before = _case_status(demo_db, case_id)
    with pytest.raises(PermissionDenied, match=message):
        calls[action]()
    assert _case_status(demo_db, case_id) == before


def test_steps_out_of_order_are_refused(demo_db: Database, case_id: int, draft_id: int) -> None:
    lead, ps, officer = (_as(demo_db, u) for u in ("policy.lead.safeguarding", "ps.sos", "a.okoro"))
    with pytest.raises(ValidationError, match="cannot QA-approve .* it is drafting, not in qa"):
        lead.approve(draft_id)
    with pytest.raises(ValidationError, match="cannot sign off"):
        ps.sign_off(draft_id, "wet")
    with pytest.raises(ValidationError, match="only a signed-off reply can be dispatched"):
        officer.dispatch(case_id, "post")
    _as(demo_db, "p.mehta").submit(draft_id)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        _as(demo_db, "p.mehta").save(draft_id, None, [])
    lead.approve(draft_id)
    with pytest.raises(ValidationError, match="Signature: say how it was signed"):
        ps.sign_off(draft_id, "fax")


def test_an_empty_draft_cannot_be_submitted(demo_db: Database, case_id: int) -> None:
    view = _as(demo_db, "p.mehta").create(case_id)
    with pytest.raises(ValidationError, match="add at least one paragraph"):
        _as(demo_db, "p.mehta").submit(view.id)


def test_comments_form_a_thread(demo_db: Database, draft_id: int) -> None:
    _as(demo_db, "p.mehta").comment(draft_id, "Is the SCR line current?")
    view = _as(demo_db, "policy.lead.safeguarding").comment(draft_id, "Yes\x00, v1 stands.")
    assert [(c.author, c.body) for c in view.comments] == [
        ("Priya Mehta", "Is the SCR line current?"),
        ("Helen Forsyth", "Yes, v1 stands."),
    ]
    with demo_db.session_factory() as s:
        assert len(s.scalars(select(Comment).where(Comment.draft_id == draft_id)).all()) == 2


def test_my_work_lists_what_waits_for_each_role(
    demo_db: Database, case_id: int, draft_id: int
) -> None:
    drafter, lead, ps, other_lead = (
        _as(demo_db, u)
        for u in ("p.mehta", "policy.lead.safeguarding", "ps.sos", "policy.lead.family")
    )
    assert draft_id in [w.draft_id for w in drafter.my_work().drafts]
    assert draft_id not in [w.draft_id for w in lead.my_work().drafts]
    drafter.submit(draft_id)
    assert draft_id not in [w.draft_id for w in drafter.my_work().drafts]
    lead_items = {w.draft_id: w for w in lead.my_work().drafts}
    assert lead_items[draft_id].waiting_for == "Waiting for QA"
    # The SCR theme belongs to the safeguarding team, not to family law.
    assert draft_id not in [w.draft_id for w in other_lead.my_work().drafts]
    assert draft_id in [w.draft_id for w in other_lead.my_work(everything=True).drafts]
    assert draft_id not in [w.draft_id for w in ps.my_work().drafts]
    lead.approve(draft_id)
    assert [w.waiting_for for w in ps.my_work().drafts if w.draft_id == draft_id] == [
        "Waiting for sign-off"
    ]
    soon = drafter.my_work().due_cases
    assert case_id not in [c.case_id for c in soon]  # 18 working days left: not yet
    assert soon and all(c.days_left is not None and c.days_left <= 10 for c in soon)
    assert case_id in [c.case_id for c in drafter.my_work(due_within=20).due_cases]
    ps.sign_off(draft_id, "wet")
    assert case_id in [c.case_id for c in _as(demo_db, "a.okoro").my_work().to_dispatch]


# --- printing (never prints for real) ---------------------------------------------------------


def _which(available: set[str]):  # noqa: ANN202
    return lambda name: f"/usr/bin/{name}" if name in available else None


def test_printing_prefers_libreoffice_then_lp(tmp_path: Path) -> None:
    letter = tmp_path / "2009-0007948POSoS.docx"
    letter.write_bytes(b"PK")
    assert print_command(letter, _which({"soffice", "lp"})) == [
        "/usr/bin/soffice",
        "--headless",
        "-p",
        str(letter),
    ]
    assert print_command(letter, _which({"lp"})) == ["/usr/bin/lp", str(letter)]
    ran: list[Sequence[str]] = []

    def runner(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(list(command), 0, "request id is desk-1", "")

    result = print_file(letter, runner=runner, which=_which({"lp"}))
    assert ran == [["/usr/bin/lp", str(letter)]] and result.output == "request id is desk-1"


def test_printing_says_plainly_when_there_is_no_route_or_it_fails(tmp_path: Path) -> None:
    letter = tmp_path / "letter.docx"
    letter.write_bytes(b"PK")
    with pytest.raises(PrintError, match="No print route was found for letter.docx"):
        print_file(letter, which=_which(set()))

    def failing(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            list(command), 1, "", "lp: Error - no default destination"
        )

    with pytest.raises(PrintError, match="no default destination"):
        print_file(letter, runner=failing, which=_which({"lp"}))
    with pytest.raises(PrintError, match="does not exist"):
        print_file(tmp_path / "missing.docx", which=_which({"lp"}))
