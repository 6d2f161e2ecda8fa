"""Over a distant link each round trip to PostgreSQL costs 50 ms: a click must take few.

Each click of the office benchmark (bench/bench_office.py) is made here through the
loopback `LatencyProxy`, whose counter is the number of messages the window's side sent to
the server, so the round trips of one click are counted exactly, on a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from correspondence.database import Database
from correspondence.db.models import Case, Signatory, Team
from correspondence.domain.salutations import CorrespondentKind
from correspondence.latency_proxy import LatencyProxy
from correspondence.services.cases import case_list, pg_sample
from correspondence.services.cases.case_list import CaseFilter, SortKey
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY, trips

# The most each click may take (the office benchmark counted, before: list 11, search 13,
# open 16, triage 43, draft 38, log 13). The target is 3: what is still above it,
# and why, is in bench/README.md ("Thirty officers on one PostgreSQL").
# A click is one thing a person does: opening the triage view and marking the letter
# triaged are two clicks, as are opening a draft and saving it.
CEILING = {
    "list": 2,
    "search": 3,
    "open": 2,
    "triage view": 2,
    "triage apply": 3,
    "draft new": 3,
    "draft open": 2,
    "draft save": 3,
    "log": 3,
}


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_each_click_of_an_officer_takes_few_round_trips(
    remote: tuple[Database, LatencyProxy],
) -> None:
    db, proxy = remote
    uow = acting_as(db.session_factory, "a.okoro")
    today = DEMO_TODAY
    desk, triage = Desk(uow, lambda: today), Triage(uow, lambda: today)
    drafting = Drafting(acting_as(db.session_factory, "p.mehta"), lambda: today)
    with db.session_factory() as s:
        logged = s.scalars(select(Case.id).where(Case.status == "logged").order_by(Case.id)).all()
        to_draft = s.scalars(
            text(
                "SELECT c.id FROM cases c WHERE status = 'triaged' AND correspondent_id IS NOT "
                "NULL AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.case_id = c.id) ORDER BY id"
            )
        ).all()
        sos = s.scalar(select(Signatory.id).where(Signatory.key == "sos"))
        team = s.scalar(select(Team.id).order_by(Team.id).limit(1))
    assert len(logged) >= 2 and to_draft and sos is not None
    desk.list_with_counts(CaseFilter(status="open"))  # the pool holds a connection now
    triage.load(logged[0])  # and the theme model is built, as after a window's first triage

    seen: dict[str, int] = {}
    seen["list"] = trips(
        proxy, lambda: desk.list_with_counts(CaseFilter(status="open"), sort=SortKey.URGENCY)
    )
    seen["search"] = trips(proxy, lambda: desk.list_with_counts(CaseFilter(search="school")))
    seen["open"] = trips(proxy, lambda: desk.open_case(logged[0]))

    shown_triage = []
    seen["triage view"] = trips(proxy, lambda: shown_triage.append(triage.load(logged[1])))
    tc = shown_triage[0]
    decision = TriageDecision(themes=list(tc.proposed_themes or ("SCR",)),
                              reply_type="ministerial", team_id=team)  # fmt: skip
    seen["triage apply"] = trips(
        proxy, lambda: triage.apply(logged[1], decision, expected_version=tc.version)
    )
    made = []
    seen["draft new"] = trips(
        proxy,
        lambda: made.append(drafting.create(to_draft[0], ("babyp-tragedy",), signatory_id=sos)),
    )
    view = made[0]
    shown_draft = []
    seen["draft open"] = trips(proxy, lambda: shown_draft.append(drafting.view(view.id)))
    shown = shown_draft[0]
    paragraphs = [p.as_input() for p in shown.paragraphs]
    paragraphs.append(ParagraphInput(kind="free", text="We note your point."))

    def draft_save() -> None:
        saved = drafting.save(shown.id, shown.version, paragraphs)
        assert [p.text for p in saved.paragraphs][-1] == "We note your point."

    seen["draft save"] = trips(proxy, draft_save)
    new_case = NewCase(
        received_on=today - dt.timedelta(days=1),
        new_correspondent=NewCorrespondent(
            kind=CorrespondentKind.PUBLIC,
            title="Ms",
            first_name="Ada",
            last_name="Quill",
            address="1 High Street\nTownford",
            postcode="TF1 1AA",
        ),  # fmt: skip
        summary="Asks about child protection",
        letter_text="Dear Minister, I write about the safety of children. Yours sincerely",
        theme_codes=["BABYP"],
        signatory_id=sos,
    )
    seen["log"] = trips(proxy, lambda: desk.log_case(new_case))
    print("round trips per click:", seen)
    over = {k: v for k, v in seen.items() if v > CEILING[k]}
    assert not over, f"round trips over the ceiling {CEILING}: {seen}"
    # Each click's writes were made: not a count of nothing.
    with db.session_factory() as s:
        assert s.get(Case, logged[1]).status == "triaged"  # type: ignore[union-attr]
    assert drafting.view(view.id).paragraphs[-1].text == "We note your point."


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_a_search_click_takes_few_round_trips_however_many_cases_match(
    remote: tuple[Database, LatencyProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path of a search's list and status bar: a word on a full page, one on a short
    page, none found, a phrase, stop words only ("the": the list unsearched), a word with
    a status filter, and past the limits (lowered here: the demo office is small) a phrase
    counted among few candidates, a filter's few cases tested, and estimates from the
    sample, alone, with a status, and with a status holding most cases."""
    db, proxy = remote
    desk = Desk(acting_as(db.session_factory, "a.okoro"), lambda: DEMO_TODAY)
    desk.list_with_counts(CaseFilter(status="open"))  # the pool holds a connection now
    everything = desk.list_page(CaseFilter(), limit=100_000).rows
    seen: dict[str, int] = {}
    shown: dict[str, tuple[int, bool]] = {}

    def search(label: str, typed: str, page: int = 5, status: str = "") -> list[int]:
        flt = CaseFilter(search=typed, status=status)

        def click() -> None:
            _rows, counts = desk.list_with_counts(flt, limit=page)
            shown[label] = (counts.shown, counts.shown_is_estimate)

        seen[label] = trips(proxy, click)
        return [r.id for r in desk.list_page(flt, limit=100_000).rows]

    school = search("full page", "school")
    assert len(school) > 5 and shown["full page"] == (len(school), False)
    assert search("short page", "school", page=len(school) + 1) == school
    assert shown["short page"] == (len(school), False)
    assert search("nothing found", "xyzzyq") == [] and shown["nothing found"] == (0, False)
    phrase = search("phrase", '"school transport"')
    assert shown["phrase"] == (len(phrase), False)
    assert search("stop words only", "the") == [r.id for r in everything]
    assert shown["stop words only"] == (len(everything), False)
    kept = search("with a status", "school", status="open")
    assert shown["with a status"] == (len(kept), False)
    # Past the limits (lowered here: the demo office is small). First a sample that leaves
    # cases out, so a count is exact only where it reads few rows: a phrase's few
    # candidates, or a filter's few cases, each tested.
    monkeypatch.setattr(pg_sample, "SAMPLE_SPAN", 2)
    phrase = search("phrase, few candidates", '"social workers"')
    assert len(phrase) > 5
    assert shown["phrase, few candidates"] == (len(phrase), False)
    kept = search("with a status, few kept", "school", status="open")
    assert shown["with a status, few kept"] == (len(kept), False)
    for limit in ("PG_EXACT_READS", "PG_PROBE_AT_MOST"):
        monkeypatch.setattr(case_list, limit, -1)  # no count reads few enough rows
    for label, typed, status in (
        ("past the exact limit", "school", ""),
        ("a phrase past the limit", '"social workers"', ""),
        ("past the limit, with a status", "school", "open"),
        ("stop words and a status", "the", "dispatched"),
    ):
        search(label, typed, status=status)
        assert shown[label][1] == (typed != "the"), (label, shown[label])
    # A status holding most cases, counted as all cases less the others: from the
    # statistics' figure of all cases, or (without statistics) by counting its cases.
    statuses = ("open", "closed", "dispatched", "drafting")
    sizes = {st: len(search(f"status {st}", "", status=st)) for st in statuses}
    most = max(sizes, key=lambda st: sizes[st])
    assert sizes[most] * 2 > len(everything)
    monkeypatch.setattr(case_list, "FEW_STATUS", sizes[most])
    for analysed in (False, True):
        if analysed:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE cases"))
        label = f"past the limit, a status holding most, analysed {analysed}"
        search(label, "school", status=most)
        assert shown[label][1], (label, shown[label])  # the word's estimate times the share
        label = f"stop words, a status holding most, analysed {analysed}"
        search(label, "the", status=most)
        assert shown[label] == (sizes[most], analysed), (label, shown[label])
    print("round trips per search:", seen)
    assert max(seen.values()) <= CEILING["search"], seen
