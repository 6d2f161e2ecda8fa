"""Own words in a campaign letter: casework is flagged; openers, sign-offs, drops, typos not."""

from __future__ import annotations

from correspondence.services.campaigns.own_words import CampaignText, body_sentences, find_own_words
from correspondence.services.demo.demo_letters import JOWELL_COVERING_LETTER, NSPCC_CAMPAIGN_LETTER

CAMPAIGN = CampaignText(NSPCC_CAMPAIGN_LETTER)
STORY = (
    "My grandson Alfie was placed with foster carers in Eastwick last spring. Nobody from the "
    "council has visited him since March. Can you tell me who is responsible for checking on him?"
)


def _copy(**changes: str) -> str:
    text = NSPCC_CAMPAIGN_LETTER
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new)
    return f"12 Example Road\nEastwick\nZZ1 1ZZ\n\n3 January 2009\n\n{text}\n\nMrs Ann Example"


def test_a_paragraph_of_casework_is_flagged_with_its_words() -> None:
    letter = _copy(Please_act_now=STORY + "\n\nPlease act now")
    [found] = find_own_words(CAMPAIGN, letter)
    assert found.text == STORY
    assert found.sentences == 3


def test_casework_inside_a_campaign_paragraph_is_found() -> None:
    letter = _copy(**{"I support the NSPCC's proposals to Government.": "I support the NSPCC's "
                      "proposals to Government. " + STORY})  # fmt: skip
    assert [f.text for f in find_own_words(CAMPAIGN, letter)] == [STORY]


def test_openers_sign_offs_typos_and_dropped_sentences_are_not_own_words() -> None:
    letter = _copy(
        Dear_Secretary_of_State="Dear Mr Balls\n\nI am a grandmother and I think about this "
        "every day and night.",
        horrified="horified",
        professionals="proffesionals",
        **{"Finally, I believe it is time to give children the same protection from assault as "
           "adults and to end the defence of reasonable punishment.": ""},
    )  # fmt: skip
    letter = letter.replace(
        "suffers as Baby P did.",
        "suffers as Baby P did.\n\nI look forward to hearing from you at your earliest "
        "convenience and thank you for your time.",
    )
    assert find_own_words(CAMPAIGN, letter) == []


def test_feeling_without_casework_is_not_flagged() -> None:
    letter = _copy(Please_act_now="I feel very strongly about this and so do all my friends "
                   "at church. It has upset me a great deal.\n\nPlease act now")  # fmt: skip
    assert find_own_words(CAMPAIGN, letter) == []


def test_a_one_line_opener_naming_a_child_is_casework() -> None:
    letter = _copy(Dear_Secretary_of_State="Dear Minister\n\nMy daughter Lily, who is six, has "
                   "been on a child protection plan in Ashby since March.")  # fmt: skip
    [found] = find_own_words(CAMPAIGN, letter)
    assert found.text.startswith("My daughter Lily")


def test_the_enclosure_is_read_not_the_mps_covering_letter() -> None:
    letter = JOWELL_COVERING_LETTER + "\n\nEnclosure:\n\n" + NSPCC_CAMPAIGN_LETTER
    assert find_own_words(CAMPAIGN, letter) == []
    body = body_sentences(letter)
    assert body[0].text.startswith("I am writing to you following the tragic death")


def test_no_text_is_no_own_words() -> None:
    assert find_own_words(CAMPAIGN, "") == []
    assert find_own_words(CampaignText(""), "") == []
