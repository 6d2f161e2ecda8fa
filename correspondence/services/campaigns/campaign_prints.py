"""A letter's campaign fingerprint, worked out in two halves so a worker process can do most
of it: an import parses its files in worker processes and stores them in one stream.

``campaign_detect.fingerprint`` writes a letter's words as characters of a vocabulary that
belongs to one process (the first word it ever met is the first character), so a
fingerprint made in a worker cannot be compared with one made in the importer. Its LSH
bands come from CRC-32s of the words and Python's hash of integer tuples, the same in
every process. So a worker does the costly part, the normalised words and the bands
(``letter_print``), and the importer only writes the words in its own vocabulary
(``fingerprint_of``): the same Fingerprint as ``campaign_detect.fingerprint`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from correspondence.services.campaigns import campaign_detect as detect


@dataclass(frozen=True, slots=True)
class LetterPrint:
    words: str  # the normalised words, one space between each (they are [a-z]+)
    bands: tuple[int, ...]


def letter_print(text: str) -> LetterPrint:
    """The process-independent half of ``campaign_detect.fingerprint(text)``."""
    words = detect.normalise(text)
    # This process's characters are thrown away; the CRC-32s are the same everywhere.
    _, hashes = detect._VOCABULARY.encode(words)
    return LetterPrint(" ".join(words), detect._bands(detect._signature(hashes)))


def fingerprint_of(lp: LetterPrint) -> detect.Fingerprint:
    """``campaign_detect.fingerprint`` of the letter, from its print made in any process."""
    words = lp.words.split()
    chars, _ = detect._VOCABULARY.encode(words)
    return detect.Fingerprint(chars, lp.bands)
