"""The standard-line workflow: propose, submit, approve; who may do what; the files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Event
from correspondence.documents.line_files import library_dir
from correspondence.services.errors import NotFound, PermissionDenied, ValidationError
from correspondence.services.lines.library import Library
from correspondence.services.lines.line_editing import NewLine
from correspondence.services.lines.line_views import LineFilter
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)
LEAD = "policy.lead.safeguarding"
DRAFTER = "p.mehta"
OFFICER = "a.okoro"
BODY = (
    "Thank you for your letter of {{ case.received_on|longdate }} about the "
    "Serious Case Review in your area, {{ correspondent.salutation_name }}."
)


@pytest.fixture
def db_with_people(db: Database) -> Database:
    """An admin first (so nobody below is one by luck), then one person per role."""
    from correspondence.db.models import User, user_roles
    from correspondence.services.actors import Role, actor_for

    with db.session_factory.begin() as s:
        actor_for(s, "keeper")
        for name, roles in (
            ("lead.two", (Role.POLICY_LEAD, Role.DRAFTER)),
            ("drafter.two", (Role.DRAFTER,)),
            ("officer.two", (Role.OFFICER,)),
        ):
            user = User(username=name, display_name=name.title())
            s.add(user)
            s.flush()
            s.execute(user_roles.insert(), [{"user_id": user.id, "role": r.value} for r in roles])
    return db


def _as(db: Database, username: str) -> Library:
    return Library(acting_as(db.session_factory, username), clock=lambda: TODAY)


def _new(key: str = "scr-local-review-thanks", body: str = BODY) -> NewLine:
    return NewLine(
        key=key, title="Thanks for a letter about a local SCR", themes=["SCR"], body=body
    )


def _line_events(db: Database, line_id: int) -> list[tuple[str, str, str]]:
    with db.session_factory() as s:
        rows = s.execute(
            select(Event.action, Event.username, Event.new_value)
            .where(Event.entity == "line", Event.entity_id == line_id)
            .order_by(Event.id)
        )
        return [tuple(r) for r in rows]


def test_a_policy_lead_writes_submits_and_approves_a_line(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    detail = lead.propose(_new())
    assert [(v.number, v.status) for v in detail.versions] == [(1, "draft")]
    assert detail.owner == LEAD
    draft = detail.latest
    detail = lead.save_draft(draft.id, BODY + " I shall reply in full shortly.")
    detail = lead.submit(draft.id)
    assert detail.latest.status == "submitted" and detail.latest.submitted_at is not None
    detail = lead.approve(draft.id)
    v1 = detail.version(1)
    assert v1.status == "approved"
    assert v1.approved_by == LEAD and v1.approved_by_name == "Helen Forsyth"
    assert v1.approved_at is not None
    assert v1.body.endswith("I shall reply in full shortly.")
    actions = [a for a, _, _ in _line_events(demo_db, detail.id)]
    assert actions == ["proposed", "edited", "submitted", "approved"]


def test_a_new_version_keeps_the_old_approval_forever(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    before = lead.detail("babyp-tragedy")
    old = before.approved
    assert old is not None
    changed = old.body.replace("shocked and moved", "shocked")
    detail = lead.new_version(before.id, changed)
    v2 = detail.version(2)
    assert v2.status == "draft"
    # Approved wording is never edited: only the draft is.
    with pytest.raises(ValidationError, match="cannot be edited"):
        lead.save_draft(old.id, "Something else")
    lead.submit(v2.id)
    detail = lead.approve(v2.id)
    v1 = detail.version(1)
    assert v1.status == "retired" and v1.body == old.body
    assert v1.approved_by == old.approved_by and v1.approved_at == old.approved_at
    assert "replaced by version 2" in v1.retired_reason
    assert detail.approved is not None and detail.approved.number == 2
    assert "v2" in lead.lines(LineFilter(text="babyp-tragedy"))[0].status_label


def test_submit_is_refused_while_the_text_has_problems(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    bad = "Dear {{ correspondent.nmae }}, {{ ''.__class__ }}"
    detail = lead.propose(_new(body=bad))  # a draft may be saved unfinished
    with pytest.raises(ValidationError) as refused:
        lead.submit(detail.latest.id)
    message = str(refused.value)
    assert "correspondent.nmae" in message and "did you mean 'correspondent.name" not in message
    assert "Template code not allowed: access to '__class__'" in message
    assert lead.detail(detail.id).latest.status == "draft"
    unclosed = lead.save_draft(detail.latest.id, "{% if campaign %}The campaign")
    with pytest.raises(ValidationError, match="Line 1, column 30"):
        lead.submit(unclosed.latest.id)


def test_keys_are_checked(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    with pytest.raises(ValidationError, match="lowercase"):
        lead.propose(_new(key="Bad Key!"))
    with pytest.raises(ValidationError, match="already exists"):
        lead.propose(_new(key="babyp-tragedy"))
    with pytest.raises(ValidationError, match="unknown theme"):
        lead.propose(NewLine(key="x-y", title="T", themes=["NOPE"], body="Text"))


@pytest.mark.parametrize("action", ["approve", "reject", "retire"])
def test_a_drafter_cannot_approve_reject_or_retire(demo_db: Database, action: str) -> None:
    lead, drafter = _as(demo_db, LEAD), _as(demo_db, DRAFTER)
    detail = drafter.propose(_new())  # a drafter may propose and submit
    drafter.submit(detail.latest.id)
    target = detail.latest.id
    if action == "retire":
        lead.approve(target)
    with pytest.raises(PermissionDenied, match="policy lead"):
        if action == "approve":
            drafter.approve(target)
        elif action == "reject":
            drafter.reject(target, "Not policy")
        else:
            drafter.retire(target, "Out of date")
    expected = "approved" if action == "retire" else "submitted"
    assert lead.detail(detail.id).latest.status == expected


def test_an_officer_without_drafting_rights_cannot_propose(demo_db: Database) -> None:
    with pytest.raises(PermissionDenied, match="drafter or policy lead"):
        _as(demo_db, OFFICER).propose(_new())
    with pytest.raises(NotFound):
        _as(demo_db, LEAD).detail("scr-local-review-thanks")


def test_reject_needs_a_reason_and_keeps_it(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    detail = lead.propose(_new())
    lead.submit(detail.latest.id)
    with pytest.raises(ValidationError, match="say why"):
        lead.reject(detail.latest.id, "  ")
    detail = lead.reject(detail.latest.id, "Too informal for a Secretary of State reply")
    assert detail.latest.status == "rejected"
    assert detail.latest.rejected_reason == "Too informal for a Secretary of State reply"
    # After a rejection the drafter starts again with a new version.
    detail = lead.new_version(detail.id, BODY)
    assert [(v.number, v.status) for v in detail.versions] == [(1, "rejected"), (2, "draft")]


def test_retiring_takes_a_line_out_of_replies(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    detail = lead.detail("holding-reply")
    detail = lead.retire(detail.approved.id, "Replaced by the new holding reply")
    assert detail.approved is None
    assert detail.latest.retired_reason == "Replaced by the new holding reply"
    from correspondence.services.lines.line_views import approved_version

    with demo_db.session_factory() as s, pytest.raises(ValidationError, match="no approved"):
        approved_version(s, "holding-reply")


def test_search_and_filters(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    smacking = lead.lines(LineFilter(theme="SMACK"))
    assert {r.key for r in smacking} >= {"smacking-no-ban", "campaign-smacking-disagree"}
    assert all("SMACK" in r.themes for r in smacking)
    found = lead.lines(LineFilter(text="Legislation NOW to require"))
    assert [r.key for r in found] == ["smacking-no-ban"]
    lead.propose(_new())
    drafts = lead.lines(LineFilter(status="draft"))
    assert [r.key for r in drafts] == ["scr-local-review-thanks"]


def test_review_by_reminders(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    overdue = lead.overdue()
    # The demo's owners reviewed most lines lately and left a few past their date.
    assert 0 < len(overdue) < len(lead.lines())
    assert all(r.review_by is not None and r.review_by < TODAY for r in overdue)
    line = lead.detail(overdue[0].key)
    lead.set_review_by(line.id, TODAY + dt.timedelta(days=90))
    assert overdue[0].key not in {r.key for r in lead.overdue()}
    assert len(lead.lines(LineFilter(review_overdue=True))) == len(overdue) - 1
    with pytest.raises(PermissionDenied):
        _as(demo_db, DRAFTER).set_review_by(line.id, None)


def test_change_owner_to_another_policy_lead_only(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    line = lead.detail("smacking-no-ban")
    detail = lead.change_owner(line.id, "policy.lead.workforce")
    assert detail.owner == "policy.lead.workforce"
    with pytest.raises(ValidationError, match="not a policy lead"):
        lead.change_owner(line.id, DRAFTER)
    actions = _line_events(demo_db, line.id)
    assert ("changed", LEAD, "policy.lead.workforce") in actions


def test_preview_names_a_missing_variable_and_refuses_hostile_code(demo_db: Database) -> None:
    lead = _as(demo_db, LEAD)
    case = lead.find_case("2009/0007948POSoS")
    context = lead.context(case.id)
    good = lead.preview(BODY, context)
    assert good.ok and good.text is not None
    assert "20 January 2009" in good.text and "Tessa." in good.text
    missing = lead.preview("Dear {{ correspondent.nickname }}", context)
    assert not missing.ok and missing.problems[0].variable == "correspondent.nickname"
    hostile = lead.preview("{{ ''.__class__.__mro__[1].__subclasses__() }}", context)
    assert not hostile.ok and hostile.problems[0].kind == "security"
    # A campaign-only line against a letter with no campaign names what is missing.
    other = lead.search_cases("Families First Network")[0]
    no_campaign = lead.preview("{{ campaign.organisation }}", lead.context(other.id))
    assert no_campaign.problems[0].variable == "campaign.organisation"


def _without_approval(path: Path) -> str:
    return "".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith(("approved_by:", "approved_on:"))
    )


def _one_line_file(tmp_path: Path) -> Path:
    """A folder with one line file whose front matter says a policy lead approved it."""
    folder = tmp_path / "claims"
    folder.mkdir(parents=True)
    text = (library_dir() / "babyp-tragedy.txt").read_text(encoding="utf-8")
    assert "approved_by: policy.lead.safeguarding\n" in text
    (folder / "babyp-tragedy.txt").write_text(
        text.replace("key: babyp-tragedy", "key: claimed-line"), encoding="utf-8"
    )
    (folder / "babyp-tragedy.txt").rename(folder / "claimed-line.txt")
    return folder


def test_a_files_approval_is_a_claim_a_policy_lead_makes_their_own(
    db_with_people: Database, tmp_path: Path
) -> None:
    lead = Library(acting_as(db_with_people.session_factory, "lead.two"), clock=lambda: TODAY)
    lead.import_dir(_one_line_file(tmp_path))
    version = lead.detail("claimed-line").versions[0]
    # Approved by the person who imported it, not by the lead the file names...
    assert (version.status, version.approved_by) == ("approved", "lead.two")
    # ...and the file's claim is kept, with who really imported it.
    events = _line_events(db_with_people, lead.detail("claimed-line").id)
    assert [(a, u) for a, u, _ in events] == [("imported", "lead.two")]
    with db_with_people.session_factory() as s:
        reason = s.scalar(select(Event.reason).where(Event.action == "imported"))
    assert reason == (
        "from claimed-line.txt; the file says approved by policy.lead.safeguarding on 16 Dec 2008"
    )


def test_a_drafters_import_waits_for_a_policy_lead(
    db_with_people: Database, tmp_path: Path
) -> None:
    drafter = Library(acting_as(db_with_people.session_factory, "drafter.two"), clock=lambda: TODAY)
    drafter.import_dir(_one_line_file(tmp_path))
    version = drafter.detail("claimed-line").versions[0]
    assert (version.status, version.approved_by, version.approved_at) == ("submitted", "", None)
    line_id = drafter.detail("claimed-line").id
    assert [(a, u) for a, u, _ in _line_events(db_with_people, line_id)] == [
        ("imported", "drafter.two"),
        ("submitted", "drafter.two"),
    ]
    # Nothing a draft may use until a policy lead approves it.
    lead = Library(acting_as(db_with_people.session_factory, "lead.two"), clock=lambda: TODAY)
    approved = lead.approve(version.id).versions[0]
    assert (approved.status, approved.approved_by) == ("approved", "lead.two")
    # An officer may not import lines at all.
    officer = Library(acting_as(db_with_people.session_factory, "officer.two"))
    with pytest.raises(PermissionDenied, match="import standard lines"):
        officer.import_dir(_one_line_file(tmp_path / "again"))


def test_the_library_round_trips_through_files(db: Database, tmp_path: Path) -> None:
    library = Library(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
    result = library.import_dir(library_dir())
    shipped = sorted(library_dir().glob("*.txt"))
    assert result.added == len(shipped) > 40
    out = tmp_path / "export"
    written = library.export_dir(out)
    assert [p.name for p in written] == [p.name for p in shipped]
    for original in shipped:
        # Byte for byte, but for who approved: the admin who imported ("tester", the
        # file's first user) approved the wording, not the people the files named.
        back, sent = _without_approval(out / original.name), _without_approval(original)
        assert back == sent, original.name
        assert "approved_by: tester\n" in (out / original.name).read_text(encoding="utf-8")
    again = library.import_dir(out)
    assert (again.added, again.new_versions, again.unchanged) == (0, 0, len(shipped))


def test_import_names_every_bad_file_and_imports_nothing(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "lines"
    folder.mkdir()
    good = (library_dir() / "babyp-tragedy.txt").read_text(encoding="utf-8")
    (folder / "babyp-tragedy.txt").write_text(good, encoding="utf-8")
    (folder / "broken.txt").write_text("no header here\n", encoding="utf-8")
    hostile = good.replace("key: babyp-tragedy", "key: hostile").replace(
        "The death", "{{ ''.__class__ }} The death"
    )
    (folder / "hostile.txt").write_text(hostile, encoding="utf-8")
    library = Library(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
    with pytest.raises(ValidationError) as refused:
        library.import_dir(folder)
    message = str(refused.value)
    assert "broken.txt" in message and "hostile.txt" in message
    assert "babyp-tragedy.txt" not in message
    assert "hostile.txt, line 13" in message
    assert library.lines() == []


def test_import_refuses_changed_wording_under_the_same_version(
    db: Database, tmp_path: Path
) -> None:
    library = Library(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)
    folder = tmp_path / "lines"
    folder.mkdir()
    text = (library_dir() / "babyp-tragedy.txt").read_text(encoding="utf-8")
    (folder / "babyp-tragedy.txt").write_text(text, encoding="utf-8")
    library.import_dir(folder)
    (folder / "babyp-tragedy.txt").write_text(text.replace("tragedy that", "tragedy which"))
    with pytest.raises(ValidationError, match="new version number"):
        library.import_dir(folder)
    bumped = text.replace("tragedy that", "tragedy which").replace("version: 1", "version: 2")
    (folder / "babyp-tragedy.txt").write_text(bumped, encoding="utf-8")
    result = library.import_dir(folder)
    assert result.new_versions == 1
    detail = library.detail("babyp-tragedy")
    assert [(v.number, v.status) for v in detail.versions] == [(1, "retired"), (2, "approved")]
