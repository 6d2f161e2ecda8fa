"""Own words in campaign letters: precision and recall on a generated bag with planted casework.

    python bench/bench_own_words.py [--letters N] [--share 0.1] [--seed 2009] [--campaign N]

Each campaign of tests/campaign_mailbag.py gets N supporters' copies with everything that is
*not* own words — a one-line opener, a closing line, dropped sentences and paragraphs, typos,
line-wrapped scans, MPs' covering letters — and a share of them carry a planted passage of
casework (a named child, a local service, a question for the department) at the start, in the
middle or at the end, as its own paragraph or inside one of the campaign's. One in ten opens
with two lines of feeling and no casework ("I am writing as one of your constituents. I feel
very strongly about this issue."), which must not be flagged. The canonical letter is the
campaign's medoid, chosen as the application chooses it. A letter counts as found when
it is flagged and the excerpt holds the planted passage; precision and recall are per letter.
Every name and place is invented. ``--campaign N`` also times what the campaign window
and `campaigns show` do: one SQLite campaign of N members read and checked by the service.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from correspondence.services.campaigns import campaign_detect as detect  # noqa: E402
from correspondence.services.campaigns.own_words import CampaignText, find_own_words  # noqa: E402
from tests.campaign_mailbag import (  # noqa: E402
    CAMPAIGNS,
    FIRST,
    MPS,
    TITLES,
    TOWNS,
    _covering,
    _envelope,
    _sentences,
    _typo,
    campaign_copy,
)

RELATIONS = ("son", "daughter", "grandson", "granddaughter", "nephew", "niece", "foster son",
             "stepdaughter")  # fmt: skip
SITUATIONS = (
    "has been on a child protection plan in {town} since {month}",
    "was taken into care last {season} and we still do not know why",
    "waited eleven weeks for a social worker to visit after the school raised concerns",
    "has had four different social workers in the past year",
    "was excluded from school in {month} and nobody has offered any support since",
    "lives with his father, and I have reported my worries to the council three times",
    "is autistic and the respite service we relied on in {town} has just been cut",
    "was seen by the health visitor only once after she was born",
)
SERVICES = (
    "The children's centre in {town}",
    "Our family support worker",
    "The health visiting team at our surgery",
    "The duty team at {town} social services",
    "The Local Safeguarding Children Board in our county",
    "The contact centre where I see my children",
)
PROBLEMS = (
    "is closing at the end of {month} and there is nowhere else for us to go",
    "has not returned my calls since {month}",
    "told me they have no staff to take on new families until the new year",
    "lost the referral our GP made, and we had to start again",
    "cancelled our appointments twice without explanation",
)
QUESTIONS = (
    "Can you tell me who is responsible for checking that {name} is safe?",
    "Will the department look into what has happened in {town}?",
    "Who should I contact about the delay in {name}'s case?",
    "Could your officials explain why the council is allowed to take so long?",
    "What can a grandparent do when the council will not listen?",
    "Is there any funding to keep the centre in {town} open?",
)
# Not own words: two-line openers of feeling, with no situation or question in them.
OPENING_PAIRS = (
    ("I am writing as one of your constituents.", "I feel very strongly about this issue."),
    ("I have never written to a minister before.", "I hope you will read this letter."),
    ("Thank you for taking the time to read this.", "It matters a great deal to me."),
    ("I am writing to add my voice to this campaign.", "Please listen to us."),
)
CHILDREN = "Alfie Bethan Callum Daisy Ellis Freya Gethin Harriet Isaac Jessie Kai Lowri".split()
MONTHS = "January February March April May June July August September October".split()
SEASONS = ("spring", "summer", "autumn", "winter")


def casework(rng: random.Random) -> list[str]:
    """A planted passage: one to three sentences about the writer's own situation."""
    fill = {
        "town": rng.choice(TOWNS),
        "month": rng.choice(MONTHS),
        "season": rng.choice(SEASONS),
        "name": rng.choice(CHILDREN),
    }
    child = f"My {rng.choice(RELATIONS)} {fill['name']}"
    sentences = [f"{child} {rng.choice(SITUATIONS).format(**fill)}."]
    if rng.random() < 0.2:
        return sentences  # one sentence of casework, wherever it falls
    if rng.random() < 0.6:
        sentences.append(
            f"{rng.choice(SERVICES).format(**fill)} {rng.choice(PROBLEMS).format(**fill)}."
        )
    if rng.random() < 0.7:
        sentences.append(rng.choice(QUESTIONS).format(**fill))
    return sentences


def plant(rng: random.Random, body: str, passage: list[str]) -> str:
    """Put the passage at the start, in the middle or at the end, alone or inside a paragraph."""
    paragraphs = [_sentences(p) for p in body.split("\n\n")]
    where = rng.choice(("start", "middle", "middle", "end", "inside"))
    if where == "start":
        paragraphs.insert(0, passage)
    elif where == "end":
        paragraphs.append(passage)
    elif where == "middle":
        paragraphs.insert(rng.randrange(1, max(2, len(paragraphs))), passage)
    else:
        p = paragraphs[rng.randrange(len(paragraphs))]
        at = rng.randrange(1, len(p) + 1)
        p[at:at] = passage
    return "\n\n".join(" ".join(p) for p in paragraphs)


def letters(n: int, share: float, seed: int, index: int) -> list[tuple[str, list[str] | None]]:
    rng = random.Random(seed * 31 + index)
    out: list[tuple[str, list[str] | None]] = []
    for _ in range(n):
        title, first, last = rng.choice(TITLES), rng.choice(FIRST), rng.choice(FIRST)
        body = campaign_copy(rng, index)
        passage = casework(rng) if rng.random() < share else None
        if rng.random() < 0.1:
            body = " ".join(rng.choice(OPENING_PAIRS)) + "\n\n" + body
        if passage is not None:
            body = plant(rng, body, passage)
            if rng.random() < 0.3:  # the writer's typos reach their own words too
                body = _typo(rng, body)
        text = _envelope(rng, body, title, first, last)
        if rng.random() < 0.05:
            text = _covering(rng, rng.choice(MPS), first, last) + text
        out.append((text, passage))
    return out


def _holds(excerpt: str, passage: list[str]) -> bool:
    # Typos may have touched the passage: most of its words must be in the excerpt.
    wanted = " ".join(passage).lower().split()
    got = set(excerpt.lower().split())
    return sum(w in got for w in wanted) >= 0.8 * len(wanted)


def time_service(n: int, seed: int) -> tuple[float, float, int]:
    """Seconds for CampaignOwnWords.flagged over one stored campaign of n members: the first
    reading, and a second one (the window after an action: letters already checked)."""
    import datetime as dt

    from correspondence.database import open_database
    from correspondence.db.models import Campaign, Case, Correspondent
    from correspondence.services.campaigns.campaign_own_words import CampaignOwnWords
    from correspondence.services.unit_of_work import acting_as

    bag = letters(n, 0.1, seed, 0)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'own.db'}")
        with db.session_factory.begin() as s:
            person = Correspondent(kind="public", display_name="Invented Supporter")
            camp = Campaign(name="NSPCC", canonical_text=bag[0][0], status="confirmed")
            s.add_all([person, camp])
            s.flush()
            cases = [
                Case(reference=f"2009/{i + 1:07d}POSoS", ref_year=2009, ref_sequence=i + 1,
                     office_code="POSoS", received_on=dt.date(2009, 2, 2), status="triaged",
                     correspondent_id=person.id, campaign_id=camp.id, letter_text=text)
                for i, (text, _p) in enumerate(bag)
            ]  # fmt: skip
            s.add_all(cases)
            s.flush()
            camp.canonical_case_id = cases[0].id
        svc = CampaignOwnWords(acting_as(db.session_factory, "bench"))
        started = time.perf_counter()
        flagged = svc.flagged(camp.id)
        first = time.perf_counter() - started
        started = time.perf_counter()
        svc.flagged(camp.id)
        again = time.perf_counter() - started
        db.close()
    return first, again, len(flagged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000, help="copies per campaign")
    parser.add_argument("--share", type=float, default=0.1, help="share with planted casework")
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--campaign", type=int, default=0, help="also time a stored campaign")
    args = parser.parse_args()

    rows = []
    totals = [0, 0, 0, 0, 0.0]  # true positive, false positive, false negative, letters, secs
    for index, (name, _text) in enumerate(CAMPAIGNS):
        bag = letters(args.letters, args.share, args.seed, index)
        fps = [detect.fingerprint(text) for text, _ in bag[:200]]
        canonical = CampaignText(bag[detect.medoid(fps)][0])
        tp = fp = fn = 0
        started = time.perf_counter()
        for text, passage in bag:
            found = find_own_words(canonical, text)
            if passage is None:
                fp += bool(found)
            elif found and any(_holds(o.text, passage) for o in found):
                tp += 1
            else:
                fn += 1
                fp += bool(found)  # flagged, but not for the planted words
        secs = time.perf_counter() - started
        planted = sum(p is not None for _, p in bag)
        rows.append((name, len(bag), planted, tp, fp, fn, secs))
        for i, v in enumerate((tp, fp, fn, len(bag), secs)):
            totals[i] += v

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.3f}" if b else "—"

    print(f"{'campaign':<26}{'letters':>8}{'planted':>9}{'found':>7}{'false+':>8}{'missed':>8}"
          f"{'precision':>11}{'recall':>8}{'ms/letter':>11}")  # fmt: skip
    for name, n, planted, tp, fp, fn, secs in rows:
        print(f"{name:<26}{n:>8}{planted:>9}{tp:>7}{fp:>8}{fn:>8}{ratio(tp, tp + fp):>11}"
              f"{ratio(tp, tp + fn):>8}{secs * 1000 / n:>11.2f}")  # fmt: skip
    tp, fp, fn, n, secs = totals
    print(f"{'all':<26}{int(n):>8}{'':>9}{int(tp):>7}{int(fp):>8}{int(fn):>8}"
          f"{ratio(tp, tp + fp):>11}{ratio(tp, tp + fn):>8}{secs * 1000 / n:>11.2f}")  # fmt: skip
    if args.campaign:
        first, again, flagged = time_service(args.campaign, args.seed)
        print(f"\nstored campaign of {args.campaign:,} members: {flagged:,} flagged; "
              f"first reading {first:.2f} s, again (already checked) {again:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
