"""What an import works out of each letter before storing it, beside reading it: the themes
to suggest and the letter's campaign fingerprint.

Pure (no database once the theme model is taken), so for a large import the worker
processes do it right after parsing, and the importer's one stream only writes. The theme
model is taken once per import and sent to each worker when it starts, so every letter
is scored by the same model wherever it is scored. A letter read in the importer (a
scan, or a small import) is worked out there, with the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from correspondence.services.intake.file_reading import ParsedFile
    from correspondence.services.triage.theme_model import Model

THEMES_PER_LETTER = 3


@dataclass(frozen=True)
class LetterSense:
    model: Model | None  # None: no theme suggestions
    threshold: float

    def themes(self, text: str) -> list[tuple[str, float]]:
        """(code, score) of the themes to suggest, best first."""
        if self.model is None or not text.strip():
            return []
        return [
            (code, score)
            for code, score in self.model.scores(text, THEMES_PER_LETTER)
            if score >= self.threshold
        ]

    def fill(self, parsed: ParsedFile) -> None:
        """Work out what is not yet known of a parsed letter."""
        if parsed.themes is None:
            parsed.themes = self.themes(parsed.text)
        if parsed.letter_print is None:
            from correspondence.services.campaigns.campaign_prints import letter_print

            parsed.letter_print = letter_print(parsed.text)


def sense_for(model: Model | None) -> LetterSense:
    from correspondence.services.triage import theme_suggest

    return LetterSense(model, theme_suggest.THRESHOLD)


def start_worker(sense: LetterSense) -> None:
    """In a worker process, as it starts: work this out of every letter it reads."""
    from correspondence.services.intake import file_reading

    file_reading.after_parse = sense.fill
