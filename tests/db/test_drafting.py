"""Drafting a reply: lines recorded by version, free text kept literal, optimistic locking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Draft, LineVersion, Signatory, StandardLine
from correspondence.documents.word import letter_paragraph_texts
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus, DraftStatus
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.reply_letter import letter_file_name
from correspondence.services.errors import ConflictError, PermissionDenied, ValidationError
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY

HOSTILE = "Bell\x07 nul\x00 esc\x1b {{ '' .__class__ }} {% for x in y %} & <b>\"quoted\"</b> 'x'"


def _drafting(db: Database, user: str) -> Drafting:
    return Drafting(acting_as(db.session_factory, user), clock=lambda: DEMO_TODAY)


def _triaged_case(
    db: Database,
    correspondent: NewCorrespondent | None = None,
    correspondent_id: int | None = None,
    themes: tuple[str, ...] = ("SCR", "LAMING"),
) -> int:
    desk = Desk(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    with db.session_factory() as s:
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
    ref = desk.log_case(
        NewCase(
            received_on=DEMO_TODAY - dt.timedelta(days=3),
            correspondent_id=correspondent_id,
            new_correspondent=None
            if correspondent_id
            else correspondent
            or NewCorrespondent(
                kind=CorrespondentKind.MP,
                first_name="Gwen",
                last_name="Arkwright",
                post_nominals="MP",
                constituency="Ashby Vale",
            ),
            summary="Serious case reviews after Baby P",
            theme_codes=list(themes),
            signatory_id=sos,
            addressed_to_id=sos,
        )
    )
    case_id = desk.find_reference(ref)
    desk.move(case_id, CaseStatus.TRIAGED)
    return case_id


def test_creating_a_draft_moves_the_case_to_drafting_and_records_line_versions(
    demo_db: Database,
) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id, ["babyp-tragedy", "scr-quality-and-review-panels"])

    assert view.status is DraftStatus.DRAFTING
    assert view.case_status == CaseStatus.DRAFTING.value
    assert (view.salutation, view.complimentary_close) == ("Dear Gwen", "Yours sincerely")
    assert [p.line_key for p in view.paragraphs] == [
        "babyp-tragedy",
        "scr-quality-and-review-panels",
    ]
    with demo_db.session_factory() as s:
        newest = {
            key: s.scalar(
                select(LineVersion.id)
                .join(StandardLine)
                .where(StandardLine.key == key, LineVersion.status == "approved")
                .order_by(LineVersion.number.desc())
                .limit(1)
            )
            for key in ("babyp-tragedy", "scr-quality-and-review-panels")
        }
        case = s.get(Case, case_id)
        assert case is not None and case.drafter_id is not None
    assert [p.line_version_id for p in view.paragraphs] == list(newest.values())
    history = Desk(acting_as(demo_db.session_factory, "a.okoro")).detail(case_id).history
    assert ("status", "drafting", "p.mehta") in [(e.action, e.new, e.username) for e in history]
    assert "draft created" in [e.action for e in history]


def test_an_officer_cannot_draft_and_an_untriaged_case_is_refused(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    with pytest.raises(PermissionDenied, match="Amara Okoro .* may not draft replies"):
        _drafting(demo_db, "a.okoro").create(case_id)

    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    ref = desk.log_case(
        NewCase(
            received_on=DEMO_TODAY,
            new_correspondent=NewCorrespondent(kind=CorrespondentKind.PUBLIC, last_name="Ng"),
        )
    )
    with pytest.raises(ValidationError, match="not triaged yet"):
        _drafting(demo_db, "p.mehta").create(desk.find_reference(ref))


def test_a_second_draft_for_the_same_case_is_refused(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    first = drafting.create(case_id)
    with pytest.raises(ConflictError, match="already has a draft reply"):
        drafting.create(case_id)
    assert drafting.open_for_case(case_id).id == first.id


def test_offers_put_the_case_themes_first_and_mark_lines_used_for_this_correspondent(
    demo_db: Database,
) -> None:
    with demo_db.session_factory() as s:
        jowell = s.scalar(
            select(Case.correspondent_id).where(Case.reference == "2009/0007948POSoS")
        )
    case_id = _triaged_case(demo_db, correspondent_id=jowell, themes=("SMACK",))
    offers = _drafting(demo_db, "p.mehta").offers(case_id)

    firsts = [o.for_case for o in offers]
    assert firsts == sorted(firsts, reverse=True), "lines for the case's themes come first"
    assert any(o.for_case for o in offers) and not all(o.for_case for o in offers)
    assert all("SMACK" in o.themes for o in offers if o.for_case)
    used = {o.key for o in offers if o.used_before}
    assert {"smacking-no-ban", "babyp-tragedy"} <= used  # both were in the seed reply to her
    assert [o.key for o in offers if o.for_case][0] in used  # used-before first within a group

    found = _drafting(demo_db, "p.mehta").offers(case_id, search="reasonable punishment")
    assert found and all("reasonable punishment" in o.body.lower() for o in found)


def test_saving_reorders_removes_numbers_and_keeps_free_text_literal(
    demo_db: Database, tmp_path: Path
) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id, ["babyp-tragedy", "reforms-more-to-do", "smacking-no-ban"])
    a, b, c = (p.as_input() for p in view.paragraphs)
    edited = [
        c,
        ParagraphInput("free", HOSTILE, numbered=True),
        a,
        ParagraphInput(a.kind, a.text, a.line_version_id, True, None),  # the same line twice
    ]
    saved = drafting.save(view.id, view.version, edited, subject="Baby P & <SCRs>")

    assert saved.version > view.version
    assert [p.kind for p in saved.paragraphs] == ["line", "free", "line", "line"]
    assert saved.paragraphs[0].id == c.id  # kept, not re-created
    assert b.id not in {p.id for p in saved.paragraphs}
    free = saved.paragraphs[1]
    assert "\x00" not in free.text and "\x07" not in free.text and "\x1b" not in free.text
    assert "{{ '' .__class__ }}" in free.text

    out = drafting.export(view.id, tmp_path / "hostile.docx", final=False)
    texts = letter_paragraph_texts(out)
    assert "DRAFT" in texts
    body = next(t for t in texts if "__class__" in t)
    # Free text is never a template: it prints exactly as typed, numbered 1.
    assert body.startswith("1.\t") and "{{ '' .__class__ }} {% for x in y %}" in body
    assert "& <b>\"quoted\"</b> 'x'" in body
    assert any(t.startswith("2.\t") for t in texts)
    assert "BABY P & <SCRS>" in texts


def test_a_stale_save_is_refused_with_a_clear_message(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    mine = _drafting(demo_db, "p.mehta")
    theirs = _drafting(demo_db, "policy.lead.safeguarding")
    view = mine.create(case_id, ["babyp-tragedy"])
    theirs.save(view.id, view.version, None, subject="Their subject")
    with pytest.raises(ConflictError, match="saved by someone else since you opened it"):
        mine.save(view.id, view.version, [ParagraphInput("free", "My words")])
    assert [p.kind for p in mine.view(view.id).paragraphs] == ["line"]  # theirs survives


def test_a_revised_line_flags_the_draft_but_never_changes_it_silently(
    demo_db: Database, tmp_path: Path
) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id, ["babyp-tragedy"])
    old_id = view.paragraphs[0].line_version_id
    with demo_db.session_factory.begin() as s:
        line = s.scalar(select(StandardLine).where(StandardLine.key == "babyp-tragedy"))
        assert line is not None
        number = max(v.number for v in line.versions) + 1
        line.versions.append(
            LineVersion(number=number, body="A revised line about Baby P.", status="approved")
        )
    again = drafting.view(view.id)
    assert again.paragraphs[0].line_version_id == old_id
    assert again.paragraphs[0].drifted and again.drifted == (again.paragraphs[0],)
    assert again.paragraphs[0].latest_version == number
    texts = letter_paragraph_texts(drafting.export(view.id, tmp_path / "d.docx", final=False))
    assert "A revised line about Baby P." not in texts
    assert any(t.startswith("The death of Baby P is a tragedy") for t in texts)


def test_only_approved_line_versions_go_into_a_draft(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id)
    with demo_db.session_factory.begin() as s:
        line = s.scalar(select(StandardLine).where(StandardLine.key == "babyp-tragedy"))
        assert line is not None
        pending = LineVersion(number=99, body="Not yet approved.", status="submitted")
        line.versions.append(pending)
        s.flush()
        pending_id = pending.id
    with pytest.raises(ValidationError, match="is submitted, not approved"):
        drafting.save(view.id, view.version, [ParagraphInput("line", line_version_id=pending_id)])


def test_a_final_letter_needs_a_signed_off_draft(demo_db: Database, tmp_path: Path) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id, ["babyp-tragedy"])
    with pytest.raises(ValidationError, match="not signed off"):
        drafting.export(view.id, tmp_path / "final.docx", final=True)
    assert not (tmp_path / "final.docx").exists()


def test_very_long_paragraphs_export_and_oversized_ones_are_refused(
    demo_db: Database, tmp_path: Path
) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id)
    long_text = "Word " * 8000
    view = drafting.save(view.id, view.version, [ParagraphInput("free", long_text)])
    texts = letter_paragraph_texts(drafting.export(view.id, tmp_path / "long.docx", final=False))
    assert long_text.strip() in texts
    with pytest.raises(ValidationError, match="Paragraph 1: .*too long"):
        drafting.save(view.id, view.version, [ParagraphInput("free", "x" * 60_000)])


def test_file_names_replace_the_slash_of_a_reference() -> None:
    assert letter_file_name("2009/0007948POSoS") == "2009-0007948POSoS.docx"
    assert letter_file_name("2009/0007948POSoS", draft=True) == "2009-0007948POSoS-DRAFT.docx"
    assert letter_file_name("../../etc/passwd") == "etc-passwd.docx"


def test_preview_shows_unsaved_edits_and_survives_a_broken_line(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    drafting = _drafting(demo_db, "p.mehta")
    view = drafting.create(case_id, ["babyp-tragedy"])
    with demo_db.session_factory.begin() as s:
        line = s.scalar(select(StandardLine).where(StandardLine.key == "reforms-more-to-do"))
        assert line is not None
        broken = LineVersion(number=98, body="Dear {{ nobody.name }}", status="approved")
        line.versions.append(broken)
        s.flush()
        broken_id = broken.id
    items = [
        *(p.as_input() for p in view.paragraphs),
        ParagraphInput("free", "Unsaved words", numbered=True),
        ParagraphInput("line", line_version_id=broken_id),
    ]
    spec = drafting.preview(
        view.id,
        items,
        signatory_id=view.signatory_id,
        salutation="",
        complimentary_close="Yours ever",
    )
    assert spec.salutation == "Dear Gwen" and spec.complimentary_close == "Yours ever"
    assert spec.paragraphs[1].text == "Unsaved words" and spec.paragraphs[1].number == 1
    # Said for the drafter, without the template's code.
    assert "cannot be used here" in spec.paragraphs[2].text
    assert "nobody" not in spec.paragraphs[2].text and "{" not in spec.paragraphs[2].text
    assert spec.letterhead.minister_name == "Rt Hon Ed Balls MP" and spec.draft
    assert spec.addressee_lines == ("Gwen Arkwright MP", "House of Commons", "London", "SW1A 0AA")


def test_saved_drafts_survive_reopening(demo_db: Database) -> None:
    case_id = _triaged_case(demo_db)
    view = _drafting(demo_db, "p.mehta").create(case_id)
    _drafting(demo_db, "p.mehta").save(
        view.id, view.version, [ParagraphInput("free", "Kept")], salutation="Dear Mrs Arkwright"
    )
    with demo_db.session_factory() as s:
        draft = s.get(Draft, view.id)
        assert draft is not None
        assert draft.salutation == "Dear Mrs Arkwright"
        assert [p.text for p in draft.paragraphs] == ["Kept"]


def test_offers_show_the_wording_for_the_case_and_say_plainly_what_cannot_be_used(
    demo_db: Database,
) -> None:
    case_id = _triaged_case(demo_db)  # an MP's own letter, in no campaign
    drafting = _drafting(demo_db, "p.mehta")
    offers = {o.key: o for o in drafting.offers(case_id)}
    tragedy = offers["babyp-tragedy"]
    assert (
        tragedy.wording.startswith("The death of Baby P is a tragedy") and not tragedy.unavailable
    )
    assert all("{" not in o.wording for o in offers.values())
    campaign_line = offers["campaign-smacking-disagree"]
    assert campaign_line.wording == ""
    assert campaign_line.unavailable == "needs a campaign: this letter is not part of one"
    assert offers["holding-reply"].generic and offers["transfer-other-department"].generic
    assert not tragedy.generic

    # A campaign line put in anyway is refused at submit in the same plain words.
    view = drafting.create(case_id, ["babyp-tragedy", "campaign-smacking-disagree"])
    assert [p.unavailable for p in view.paragraphs] == [
        "",
        "needs a campaign: this letter is not part of one",
    ]
    assert view.paragraphs[0].wording == tragedy.wording
    with pytest.raises(ValidationError, match="needs a campaign") as refused:
        drafting.submit(view.id, view.version)
    assert "{" not in str(refused.value) and "campaign.organisation" not in str(refused.value)
