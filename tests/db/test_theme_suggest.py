"""Theme suggestions: cold start from the taxonomy and lines, then learning from officers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.desk import Desk
from correspondence.services.triage import theme_suggest
from correspondence.services.triage.theme_suggest import THRESHOLD, Suggestion
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as

LETTERS = Path(__file__).parent.parent / "fixtures" / "theme_letters"
TODAY = dt.date(2026, 11, 23)


def _letters(folder: str) -> list[tuple[str, str]]:
    """(theme code, letter text) for every letter in the folder."""
    out = []
    for path in sorted((LETTERS / folder).glob("*.txt")):
        for text in path.read_text(encoding="utf-8").split("\n---\n"):
            if text.strip():
                out.append((path.stem, text.strip()))
    return out


def _measure(db: Database, letters: list[tuple[str, str]]) -> tuple[float, float]:
    """Top-1 accuracy and mean reciprocal rank of the right theme."""
    hits = 0
    rr = 0.0
    with db.session_factory() as s:
        for code, text in letters:
            ranked = [x.code for x in theme_suggest.suggest(s, text, limit=20)]
            if ranked[:1] == [code]:
                hits += 1
            if code in ranked:
                rr += 1.0 / (ranked.index(code) + 1)
    return hits / len(letters), rr / len(letters)


def test_cold_start_uses_keywords_and_says_why(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        got = theme_suggest.suggest(
            s,
            "The serious case review into my grandson's death was led by a chair who was "
            "not independent of the council. Will it be published in full?",
        )
    assert got[0].code == "SCR"
    assert got[0].score >= THRESHOLD
    assert "serious case review" in got[0].because
    assert all(isinstance(x, Suggestion) for x in got)
    assert [x.score for x in got] == sorted((x.score for x in got), reverse=True)
    assert all(0.0 < x.score <= 1.0 for x in got)


def test_nothing_to_go_on_gives_no_suggestions(demo_db: Database) -> None:
    with demo_db.session_factory() as s:
        assert theme_suggest.suggest(s, "") == []
        assert theme_suggest.suggest(s, "Dear Minister, yours sincerely") == []


def test_confirmations_make_the_ranking_measurably_better(demo_db: Database) -> None:
    heldout = _letters("heldout")
    train = _letters("train")
    assert len(heldout) >= 30 and len(train) >= 40
    top1_before, mrr_before = _measure(demo_db, heldout)

    # An officer logs and confirms the training letters through the triage service.
    desk = Desk(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    triage = Triage(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    for i, (code, text) in enumerate(train):
        ref = desk.log_case(
            NewCase(
                received_on=TODAY,
                new_correspondent=NewCorrespondent(
                    kind=CorrespondentKind.PUBLIC, first_name="Writer", last_name=f"No{i}"
                ),
                letter_text=text,
            )
        )
        triage.apply(desk.find_reference(ref), TriageDecision(themes=[code]), finish=False)

    top1_after, mrr_after = _measure(demo_db, heldout)
    print(f"top-1 {top1_before:.2f} → {top1_after:.2f}; MRR {mrr_before:.2f} → {mrr_after:.2f}")
    assert top1_after >= top1_before + 0.2
    assert mrr_after >= mrr_before + 0.15
    assert top1_after >= 0.8


def test_the_cached_model_is_rebuilt_when_confirmations_change(demo_db: Database) -> None:
    letter = "Parents should be free to discipline children with a tap on the hand."
    with demo_db.session_factory() as s:
        first = theme_suggest.model_for(s)
        assert theme_suggest.model_for(s) is first  # cached
    triage = Triage(acting_as(demo_db.session_factory, "a.okoro"), clock=lambda: TODAY)
    case_id = triage.queue()[0]
    triage.apply(case_id, TriageDecision(themes=["SMACK"]), finish=False)
    with demo_db.session_factory() as s:
        second = theme_suggest.model_for(s)
        assert second is not first
        assert second.confirmed_letters == first.confirmed_letters + 1
        assert theme_suggest.suggest(s, letter)[0].code == "SMACK"


@pytest.mark.parametrize(
    ("word", "stem"),
    [("reviews", "review"), ("caseloads", "caseload"), ("recommendations", "recommendation")],
)
def test_plurals_meet_their_singulars(word: str, stem: str) -> None:
    assert theme_suggest.stem(word) == theme_suggest.stem(stem)
