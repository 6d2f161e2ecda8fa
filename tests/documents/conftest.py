"""Letters for the Word builder's tests, modelled on the seed reply of 3 February 2009."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from correspondence.documents.letter_spec import BodyParagraph, Letterhead, LetterSpec

SEED_PARAGRAPHS = (
    BodyParagraph(
        "Thank you for your letter enclosing an example of correspondence you have received "
        "from a number of your constituents, which endorses the NSPCC's proposals to "
        "Government following the death of Baby P."
    ),
    BodyParagraph(
        "Lord Laming will report to me early this year and I shall of course publish a "
        "response to his findings and recommendations. But let me comment briefly here on "
        "the issues raised in the NSPCC's current campaign."
    ),
    BodyParagraph(
        "The NSPCC rightly draw attention to the critical importance of a child-centred "
        "approach where children are seen and listened to by skilled, supported front-line "
        "professionals. That is our starting position too, and we are doing a great deal to "
        "help make this a reality in all areas.",
        number=1,
    ),
    BodyParagraph(
        "I absolutely agree that we must do everything possible both to prevent child deaths "
        "but also to learn the lessons where deaths do occur.",
        number=2,
    ),
    BodyParagraph(
        "We are pleased that the establishment of the Social Work Task Force has been so "
        "widely welcomed, including by the NSPCC.",
        number=3,
    ),
)


@pytest.fixture(scope="session")  # frozen, so safe to share
def ed_balls_letterhead() -> Letterhead:
    return Letterhead(
        minister_name="Rt Hon Ed Balls MP",
        minister_title="Secretary of State",
        department="department for children, schools and families",
        address="Sanctuary Buildings Great Smith Street Westminster London SW1P 3BT",
        telephone="0870 0012345",
        email="dcsf.ministers@dcsf.gsi.gov.uk",
    )


@pytest.fixture(scope="session")  # frozen, so safe to share
def seed_letter(ed_balls_letterhead: Letterhead) -> LetterSpec:
    """A final reply laid out like seed 000: two plain paragraphs, then three numbered."""
    return LetterSpec(
        letterhead=ed_balls_letterhead,
        reference="2009/0007948POSoS",
        addressee_lines=("Rt Hon Tessa Jowell MP", "House of Commons", "London", "SW1A 0AA"),
        letter_date=date(2009, 2, 3),
        salutation="Dear Tessa",
        paragraphs=SEED_PARAGRAPHS,
        complimentary_close="Yours sincerely",
        signatory_name="Ed Balls MP",
    )


@pytest.fixture(scope="session")  # frozen, so safe to share
def draft_letter(seed_letter: LetterSpec) -> LetterSpec:
    return dataclasses.replace(seed_letter, draft=True, letter_date=None)
