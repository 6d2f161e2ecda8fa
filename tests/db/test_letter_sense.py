"""What an import's worker processes work out of a letter is what the importer would.

The themes: the codes and scores the suggester shows, without its "because" words. The
campaign fingerprint: made in another process, whose word alphabet differs from this
one's, it compares exactly as this process's own fingerprint of the letter does.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from pathlib import Path

from correspondence.database import Database
from correspondence.services.campaigns import campaign_detect as detect
from correspondence.services.campaigns.campaign_prints import (
    LetterPrint,
    fingerprint_of,
    letter_print,
)
from correspondence.services.intake.letter_sense import sense_for
from correspondence.services.triage import theme_suggest
from tests.campaign_mailbag import mailbag

LETTERS = Path(__file__).parent.parent / "fixtures" / "theme_letters"


def _texts() -> list[str]:
    texts = [letter.text for letter in mailbag((20, 15, 10), 30, seed=5)]
    for path in sorted(LETTERS.rglob("*.txt")):
        texts.extend(t for t in path.read_text(encoding="utf-8").split("\n---\n") if t.strip())
    return texts + ["", "   ", "Dear Sir", "café naïve £5 – “quoted”"]


def test_an_imports_themes_are_the_suggesters_codes_and_scores(db: Database) -> None:
    with db.session_factory() as s:
        model = theme_suggest.model_for(s)
    sense = sense_for(model)
    for text in _texts():
        shown = {limit: model.score(text, limit) if text.strip() else [] for limit in (1, 3, 20)}
        for limit, suggestions in shown.items():
            if text.strip():
                assert model.scores(text, limit) == [(x.code, x.score) for x in suggestions]
        # What an import stored before its workers worked it out: the top three at or
        # above the threshold.
        assert sense.themes(text) == [
            (x.code, x.score) for x in shown[3] if x.score >= theme_suggest.THRESHOLD
        ]
    assert any(sense.themes(t) for t in _texts())


def _prints(texts: list[str]) -> list[LetterPrint]:
    return [letter_print(t) for t in texts]


def test_a_fingerprint_made_in_another_process_is_this_processs_own() -> None:
    texts = _texts()
    # This process meets the words in another order than the worker will.
    mine = [detect.fingerprint(t) for t in reversed(texts)][::-1]
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        theirs = [fingerprint_of(p) for p in pool.submit(_prints, texts).result()]
    assert theirs == mine
    # And they compare the same: every pair scores as this process's own fingerprints do.
    for a in range(0, len(texts), 7):
        for b in range(0, len(texts), 5):
            assert detect.matches(theirs[a], theirs[b]) == detect.matches(mine[a], mine[b])
