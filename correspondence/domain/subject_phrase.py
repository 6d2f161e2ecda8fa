"""A case's subject as a phrase that reads inside a sentence.

The summary heads the list in title style ("Shortage of health visitors"); the reply's
opening reads "your letter about the shortage of health visitors". This proposes that
phrase; people may change it at triage or in the case's details.
"""

from __future__ import annotations

import re

MAX_CHARS = 200
# "Shortage of …", "Closure of …": a noun followed by "of" takes "the".
_TAKES_THE = re.compile(r"^\w+ of\b", re.IGNORECASE)
_ARTICLES = ("the ", "a ", "an ", "your ", "his ", "her ", "their ", "its ", "my ", "our ")


def _keeps_capital(first: str, rest: list[str]) -> bool:
    """An acronym ("NSPCC"), a mixed-case name ("McCann") or a proper noun of several
    capitalised words ("Baby P", "Lord Laming") keeps its capital."""
    if len(first) > 1 and (first.isupper() or any(c.isupper() for c in first[1:])):
        return True
    return bool(rest) and rest[0][:1].isupper()


def propose(summary: str) -> str:
    """'Shortage of health visitors' → 'the shortage of health visitors'."""
    text = " ".join(summary.split()).rstrip(" .;:")
    if not text:
        return ""
    words = text.split(" ")
    first, rest = words[0], words[1:]
    if not _keeps_capital(first, rest):
        first = first[:1].lower() + first[1:]
    phrase = " ".join([first, *rest])
    if _TAKES_THE.match(phrase) and not phrase.lower().startswith(_ARTICLES):
        phrase = f"the {phrase}"
    return phrase[:MAX_CHARS]


def phrase_for(subject_phrase: str, summary: str) -> str:
    """The phrase set on the case, or one made from its summary."""
    return subject_phrase.strip() or propose(summary)
