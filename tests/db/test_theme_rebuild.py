"""A stale theme model is rebuilt from what the process already learned, to the very model a
fresh build gives.

Each officer's next triage view after anyone confirms themes rebuilds the model; it keeps
the terms of the letters it learned from (theme_learned.py) and reads and tokenizes only
the letters it lacks. Over an office's ordinary changes the rebuilt model must equal
`build_model` made afresh, weight for weight, and suggest the same themes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from correspondence.database import Database
from correspondence.db.models import Case, Theme, case_themes
from correspondence.latency_proxy import LatencyProxy
from correspondence.services.cases.case_edit import CaseEditing
from correspondence.services.lines.library import Library
from correspondence.services.triage import theme_learned, theme_suggest
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY, trips
from tests.factories import desk_for, log_letter, member_of_public

SAMPLE = 6  # LEARN_SAMPLE, lowered: a window fills, and letters leave it, in a few steps

PROBES = [
    "I am appalled that parents may still smack their children under the reasonable "
    "punishment defence. Please ban smacking outright.",
    "The serious case review into the death of a child in our borough has not been "
    "published, and the independent chair was not independent.",
    "Social workers in our county carry caseloads far beyond what training allows.",
    "I write about quillfeather and marrowgate and the tumbleweir copperkettle scheme.",
    "Our saltmarsh larkhollow campaign asks about quillfeather marrowgate again.",
]


@dataclass
class Work:
    """What a rebuild read and tokenized (the real functions, counted)."""

    texts: int = 0  # letters whose text the database sent (each once, however many themes)
    tokenized: int = 0  # letters tokenized


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    monkeypatch.setattr(theme_suggest, "LEARN_SAMPLE", SAMPLE)
    seen = Work()
    relearn, letter = theme_learned.relearn, theme_learned._letter

    def counted_relearn(rows, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.texts += len({r[1] for r in rows if r[3] is not None})
        return relearn(rows, *args, **kwargs)

    def counted_letter(held, cid, version, text):  # type: ignore[no-untyped-def]
        got = letter(held, cid, version, text)
        before = held.letters.get(cid)
        if got is not None and (before is None or got.terms is not before.terms):
            seen.tokenized += 1
        return got

    monkeypatch.setattr(theme_learned, "relearn", counted_relearn)
    monkeypatch.setattr(theme_learned, "_letter", counted_letter)
    yield seen


class Office:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.desk = desk_for(db, "a.okoro", DEMO_TODAY)
        self.triage = Triage(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
        self.n = 0

    def letter(self, words: str, themes: list[str]) -> int:
        """A new letter, its themes confirmed by an officer."""
        self.n += 1
        ref = log_letter(
            self.desk,
            received_on=DEMO_TODAY,
            correspondent=member_of_public("Writer", f"Rebuild{self.n}"),
            letter_text=f"Dear Minister, I write about {words}. Letter {self.n}. Yours sincerely",
        )
        case_id = self.desk.find_reference(ref)
        self.confirm(case_id, themes)
        return case_id

    def confirm(self, case_id: int, themes: list[str]) -> None:
        self.triage.apply(case_id, TriageDecision(themes=themes), finish=False)


def _same_as_fresh(db: Database, work: Work) -> tuple[int, int]:
    """The model `model_for` rebuilt equals a fresh build; what the rebuild read and tokenized."""
    work.texts = work.tokenized = 0
    with db.session_factory() as s:
        model = theme_suggest.model_for(s)
        read, tokenized = work.texts, work.tokenized
        fresh = theme_suggest.build_model(s, fingerprint=model.fingerprint)
    assert [(p.code, p.name) for p in model.profiles] == [(p.code, p.name) for p in fresh.profiles]
    for mine, theirs in zip(model.profiles, fresh.profiles, strict=True):
        assert mine.weights == theirs.weights, mine.code
    assert model.idf == fresh.idf
    assert model.confirmed_letters == fresh.confirmed_letters
    assert model == fresh
    assert model._postings == fresh._postings  # what scoring looks terms up in
    for text in PROBES:
        assert model.score(text, 8) == fresh.score(text, 8)
        assert model.scores(text, 8) == fresh.scores(text, 8)
    return read, tokenized


def _learned(db: Database) -> theme_learned.Learned:
    return theme_suggest._learned[str(db.engine.url)]


def test_a_rebuilt_model_is_the_fresh_one_through_an_office_s_changes(
    demo_db: Database, work: Work
) -> None:
    office = Office(demo_db)
    db = demo_db
    # The first build reads every letter in the model.
    office.letter("saltmarsh social work caseloads", ["SWTF"])
    office.letter("smacking and the reasonable punishment defence", ["SMACK"])
    office.letter("larkhollow serious case review", ["SCR", "SMACK"])
    assert _same_as_fresh(db, work) == (3, 3)

    # One more confirmation: only that letter is read and tokenized.
    office.letter("quillfeather grants for smacking research", ["SMACK"])
    assert _same_as_fresh(db, work) == (1, 1)

    # More than the sample for one theme: the oldest leave its window.
    first = [office.letter(f"marrowgate smacking question {i}", ["SMACK"]) for i in range(3)]
    for i in range(SAMPLE + 2):
        office.letter(f"tumbleweir smacking law number{i}", ["SMACK"])
    read, tokenized = _same_as_fresh(db, work)
    assert read == tokenized == SAMPLE  # the newest; the rest were never in the model
    window = _learned(db).windows
    smack = demo_db_theme(db, "SMACK")
    assert not set(first) & set(window[smack].letters)

    # A letter in two themes, then a confirmation removed: an older letter comes back into
    # the window (read again: the process let it go).
    both = office.letter("copperkettle serious case review of smacking", ["SMACK", "SCR"])
    _same_as_fresh(db, work)
    office.confirm(both, ["SCR"])
    read, tokenized = _same_as_fresh(db, work)
    assert read == tokenized == 1
    assert both not in _learned(db).windows[smack].letters
    # and confirmed again: newest in the window once more, its terms still held
    office.confirm(both, ["SCR", "SMACK"])
    assert _same_as_fresh(db, work) == (0, 0)
    assert both in _learned(db).windows[smack].letters

    # A held letter's text changed, another's summary edited: the first is read and
    # tokenized again, the second read but its terms kept (the same text). No screen edits
    # a letter's text today; a row written through the ORM bumps its version as any would.
    # Neither tells the model; the next confirmation does.
    editing = CaseEditing(acting_as(db.session_factory, "a.okoro"), clock=lambda: DEMO_TODAY)
    edited = office.letter("larkhollow smacking", ["SMACK"])
    _same_as_fresh(db, work)
    with db.session_factory.begin() as s:
        case = s.get(Case, edited)
        assert case is not None
        case.letter_text = "All about saltmarsh."
    editing.save(both, editing.load(both).version, {"summary": "Now with a summary"})
    office.letter("copperkettle again", ["SCR"])
    read, tokenized = _same_as_fresh(db, work)
    assert (read, tokenized) == (3, 2)
    with db.session_factory() as s:
        model = theme_suggest.model_for(s)
    [smack_profile] = [p for p in model.profiles if p.code == "SMACK"]
    assert "saltmarsh" in smack_profile.weights and "larkhollow" not in smack_profile.weights

    # A theme added, and confirmed; another deactivated.
    with db.session_factory.begin() as s:
        s.add(Theme(code="KETTLE", name="Copper kettles", description="", keywords="kettle"))
    office.letter("copperkettle kettles in schools", ["KETTLE", "SMACK"])
    assert _same_as_fresh(db, work) == (1, 1)
    with db.session_factory.begin() as s:
        s.execute(update(Theme).where(Theme.code == "SCR").values(active=False))
    office.letter("a second copperkettle kettle", ["KETTLE"])
    _same_as_fresh(db, work)
    assert demo_db_theme(db, "SCR") not in _learned(db).windows
    with db.session_factory.begin() as s:
        s.execute(update(Theme).where(Theme.code == "SCR").values(active=True))
    office.letter("copperkettle serious case review", ["SCR"])
    _same_as_fresh(db, work)  # its letters are read again

    # A new version of a standard line approved.
    lead = Library(acting_as(db.session_factory, "policy.lead.family"), clock=lambda: DEMO_TODAY)
    line = next(x for x in lead.lines() if "SMACK" in x.themes and x.approved_number)
    detail = lead.detail(line.key)
    assert detail.approved is not None
    version = lead.new_version(detail.id, detail.approved.body + " Quillfeather matters.").latest
    lead.submit(version.id)
    lead.approve(version.id)
    assert _same_as_fresh(db, work) == (0, 0)

    # Anonymised (its text emptied): it leaves every window.
    with db.session_factory.begin() as s:
        case = s.get(Case, edited)
        assert case is not None
        case.letter_text = ""
    office.letter("larkhollow once more", ["SMACK"])
    _same_as_fresh(db, work)
    assert all(edited not in w.letters for w in _learned(db).windows.values())

    # What the process holds is what the model uses, no more.
    learned = _learned(db)
    in_windows = {cid for w in learned.windows.values() for cid in w.letters}
    assert set(learned.letters) == in_windows
    assert all(len(w.letters) <= SAMPLE for w in learned.windows.values())


def demo_db_theme(db: Database, code: str) -> int:
    with db.session_factory() as s:
        found = s.scalar(select(Theme.id).where(Theme.code == code))
    assert found is not None
    return found


def test_an_older_copy_of_the_database_starts_the_learning_over(
    demo_db: Database, work: Work
) -> None:
    """A backup restored in place: the generation went back, so nothing held is trusted."""
    office = Office(demo_db)
    office.letter("quillfeather smacking", ["SMACK"])
    office.letter("marrowgate smacking", ["SMACK"])
    assert _same_as_fresh(demo_db, work) == (2, 2)
    with demo_db.session_factory.begin() as s:
        s.execute(
            update(theme_suggest.Setting)
            .where(theme_suggest.Setting.key == theme_suggest.GENERATION_KEY)
            .values(value="1")
        )
    assert _same_as_fresh(demo_db, work) == (2, 2)


@pytest.mark.parametrize("demo_template", ["postgresql"], indirect=True)
def test_a_triage_view_that_finds_the_model_stale_takes_no_more_round_trips(
    remote: tuple[Database, LatencyProxy],
) -> None:
    db, proxy = remote
    uow = acting_as(db.session_factory, "a.okoro")
    triage = Triage(uow, lambda: DEMO_TODAY)
    with db.session_factory() as s:
        logged = s.scalars(select(Case.id).where(Case.status == "logged").order_by(Case.id)).all()
    assert len(logged) >= 3
    triage.load(logged[0])  # the model built, as after a window's first triage
    triage.apply(logged[2], TriageDecision(themes=["SMACK"]), finish=False)  # now stale
    before = _learned(db)
    seen = trips(proxy, lambda: triage.load(logged[1]))
    assert seen <= 3, seen  # as before: the case, its other reads, the model's reads
    after = _learned(db)
    assert after is not before and logged[2] in after.letters
    # and a view that finds it fresh takes its two
    assert trips(proxy, lambda: triage.load(logged[0])) <= 2


def test_when_the_held_letters_are_many_the_read_still_sends_only_new_text(
    db: Database, work: Work
) -> None:
    """Hundreds of held letters go to PostgreSQL as one pair of arrays in the statement."""
    office = Office(db)
    for i in range(40):
        office.letter(f"quillfeather number{i}", ["SMACK"] if i % 2 else ["SCR"])
    _same_as_fresh(db, work)
    office.letter("marrowgate", ["SMACK"])
    assert _same_as_fresh(db, work) == (1, 1)


def test_a_letter_confirmed_at_the_same_moment_as_others_is_learned_in_one_order(
    db: Database, work: Work
) -> None:
    """Themes confirmed for many cases in one go share a stamp: every read breaks the tie
    the same way, so the window at the sample's edge is the same letters."""
    office = Office(db)
    ids = [office.letter(f"saltmarsh number{i}", ["SWTF"]) for i in range(SAMPLE + 3)]
    at = dt.datetime(2026, 11, 20, 9, 0)
    with db.session_factory.begin() as s:
        s.execute(update(case_themes).where(case_themes.c.case_id.in_(ids)).values(confirmed_at=at))
    office.letter("larkhollow", ["SMACK"])
    _same_as_fresh(db, work)
    swtf = demo_db_theme(db, "SWTF")
    assert set(_learned(db).windows[swtf].letters) == set(sorted(ids)[-SAMPLE:])
