"""Campaign detection on letters a person would recognise as copies, or not."""

from __future__ import annotations

import random

from correspondence.services.campaigns import campaign_detect as cd
from correspondence.services.demo.demo_letters import JOWELL_COVERING_LETTER, NSPCC_CAMPAIGN_LETTER
from tests.campaign_mailbag import CAMPAIGNS, campaign_copy, mailbag, own_words

NSPCC = NSPCC_CAMPAIGN_LETTER


def _copy(text: str, *, opener: str = "Dear Mr Balls", name: str = "Mrs Ada Fenwick") -> str:
    return text.replace("Dear Secretary of State", opener) + f"\n\n{name}\n12 Acre Lane\nZZ1 1ZZ"


def test_copies_with_other_openers_names_typos_and_a_dropped_sentence_match() -> None:
    base = cd.fingerprint(NSPCC)
    variants = [
        _copy(NSPCC, opener="Dear Minister", name="Mr Tomasz Dziedzic"),
        _copy(NSPCC.replace("horrified", "horified").replace("professionals", "proffesionals")),
        _copy(NSPCC.replace("Like many people I was horrified", "I was horrified")),
        # A whole paragraph left out.
        _copy(NSPCC.replace("Finally, I believe it is time to give children the same", "")),
        _copy(
            NSPCC.replace(
                "I am writing to you", "As a grandmother of four I feel strongly. I am writing"
            )
        ),
    ]
    for text in variants:
        assert cd.matches(cd.fingerprint(text), base) is not None, text[:80]


def test_letters_on_the_same_theme_in_their_own_words_do_not_match() -> None:
    base = cd.fingerprint(NSPCC)
    same_theme = [
        "Dear Minister\n\nThe death of Baby P in Haringey horrified me. Why were social "
        "workers not able to see that child? I want Serious Case Reviews published and "
        "the smacking defence ended. Please reply.\n\nYours sincerely\n\nMr Carl Brennan",
        "Dear Secretary of State\n\nI am a social worker. Caseloads are too high, training "
        "is poor and the press blames us for Baby P. Local Safeguarding Children Boards must "
        "be independent and professionals need supervision.\n\nYours faithfully",
    ]
    for text in same_theme:
        assert cd.matches(cd.fingerprint(text), base) is None
    rng = random.Random(3)
    for _ in range(50):
        assert cd.matches(cd.fingerprint(own_words(rng)), base) is None


def test_an_mp_covering_letter_that_encloses_a_copy_matches_by_containment() -> None:
    mp_letter = JOWELL_COVERING_LETTER + "\n\nEnclosure:\n\n" + _copy(NSPCC)
    score = cd.score(cd.fingerprint(mp_letter), cd.fingerprint(NSPCC))
    assert score.containment > 0.9
    assert cd.matches(cd.fingerprint(mp_letter), cd.fingerprint(NSPCC)) is not None
    # The covering letter alone is about the campaign but is no copy of it.
    assert cd.matches(cd.fingerprint(JOWELL_COVERING_LETTER), cd.fingerprint(NSPCC)) is None


def test_own_words_letters_forwarded_under_one_mps_template_are_not_a_campaign() -> None:
    """MPs' offices forward letters on any subject with the same covering words; those words
    must not make the letters inside look like copies of each other."""
    rng = random.Random(11)
    covering = (
        "Dear Ed\n\nI enclose a copy of a letter I have received from my constituent, {name} "
        "of Ashby, who raises matters that many people in my constituency feel strongly "
        "about. I would be grateful for your response to the points made.\n\nYours "
        "sincerely\n\nHelen Strand MP\n\nEnclosure:\n\n{name}\n4 Elm Walk\nZZ1 1ZZ\n\n"
    )
    names = ["Mr Fergus Marchbank", "Ms Alison Abara", "Mr Goran Gorringe", "Ms Fatima Wardle"]
    letters = [
        covering.format(name=name) + f"Dear Minister\n\n{own_words(rng)}\n\nYours faithfully"
        for name in names
    ]
    fps = [cd.fingerprint(text) for text in letters]
    for i, a in enumerate(fps):
        for b in fps[i + 1 :]:
            assert cd.matches(a, b) is None
    assert cd.group_fingerprints(fps) == []
    # What is compared is the constituent's letter, not the MP's covering words.
    assert "constituency" not in cd.normalise(letters[0])


def test_normalising_drops_salutation_sign_off_address_and_postcode() -> None:
    words = cd.normalise(
        "Ada Fenwick\n12 Acre Lane\nAshby\nZZ1 1ZZ\n\n3 January 2009\n\nDear Mr Balls,\n\n"
        "Please protect children at risk from harm, now and always.\n\n"
        "Yours sincerely,\n\nAda Fenwick (Mrs)\nada@example.org"
    )
    assert words == "please protect children at risk from harm now and always".split()


def test_grouping_finds_each_campaign_and_keeps_own_words_letters_out() -> None:
    bag = mailbag((40, 30, 20), 60, seed=7)
    groups = cd.group([m.text for m in bag])
    assert len(groups) == 3
    for g in groups:
        truth = {bag[i].campaign for i, _ in g.members}
        assert len(truth) == 1 and None not in truth
        campaign = truth.pop()
        assert len(g) == sum(1 for m in bag if m.campaign == campaign)
        assert g.canonical is not None and bag[g.canonical].campaign == campaign
        assert all(0.5 < score <= 1.0 for _, score in g.members)


def test_two_copies_are_not_yet_a_campaign_but_three_are() -> None:
    rng = random.Random(11)
    two = [campaign_copy(rng, 1) for _ in range(2)]
    assert cd.group(two) == []
    groups = cd.group([*two, campaign_copy(rng, 1)])
    assert [len(g) for g in groups] == [3]


def test_new_letters_join_an_existing_campaign_seed() -> None:
    rng = random.Random(5)
    letters = [campaign_copy(rng, 0), own_words(rng)]
    groups = cd.group(letters, seeds=[CAMPAIGNS[0][1]])
    assert len(groups) == 1 and groups[0].seed == 0
    assert [i for i, _ in groups[0].members] == [0]


def test_clusters_do_not_chain_through_members() -> None:
    # A drifts to B drifts to C: each step is a near-copy, the ends are not.
    def words(tag: str) -> list[str]:
        return [f"{tag}{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(20)]

    first, second, third, fourth, fifth = (words(t) for t in ("al", "be", "ga", "de", "ep"))
    a = " ".join(first + second + third)
    b = " ".join(second + third + fourth)
    c = " ".join(third + fourth + fifth)
    fa, fb, fc = (cd.fingerprint(x) for x in (a, b, c))
    assert cd.matches(fa, fb) and cd.matches(fb, fc) and not cd.matches(fa, fc)
    groups = cd.group([a, b, c], min_size=2)
    assert all(not ({0, 2} <= {i for i, _ in g.members}) for g in groups)


def test_the_organisation_names_the_campaign() -> None:
    assert cd.organisation_in([NSPCC]) == "NSPCC"
    assert cd.organisation_in([CAMPAIGNS[1][1]]) == "Children are Unbeatable"
    assert cd.organisation_in(["No organisation here at all."]) == ""
    assert cd.campaign_name(NSPCC, "NSPCC") == "NSPCC campaign"
    assert cd.campaign_name("Please stop the closure of our library now.", "").startswith(
        "Campaign: “please stop the closure"
    )
