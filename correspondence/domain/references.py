"""Case references in the department's style, e.g. ``2009/0007948POSoS``."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_OFFICE = "POSoS"

MIN_YEAR, MAX_YEAR = 1900, 2999
MIN_SEQUENCE, MAX_SEQUENCE = 1, 9_999_999

# [0-9] rather than \d: \d also accepts non-ASCII digits such as Arabic-Indic ones.
_OFFICE_RE = re.compile(r"[A-Za-z]{2,12}")
_REFERENCE_RE = re.compile(r"(?P<year>[0-9]{4})/(?P<sequence>[0-9]{7})(?P<office>[A-Za-z]{2,12})")


def validate_office_code(code: str) -> str:
    """Return the office code unchanged if it is 2-12 ASCII letters, else raise ValueError."""
    if not isinstance(code, str) or _OFFICE_RE.fullmatch(code) is None:
        raise ValueError(
            f"Office code {code!r} must be 2 to 12 letters A-Z, e.g. {DEFAULT_OFFICE!r}."
        )
    return code


def _check_int(name: str, value: int, low: int, high: int) -> None:
    # bool is an int subclass; True as a sequence number is a bug, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"Reference {name} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"Reference {name} {value} is out of range ({low} to {high}).")


@dataclass(frozen=True)
class Reference:
    year: int
    sequence: int
    office: str

    def __post_init__(self) -> None:
        _check_int("year", self.year, MIN_YEAR, MAX_YEAR)
        _check_int("sequence", self.sequence, MIN_SEQUENCE, MAX_SEQUENCE)
        validate_office_code(self.office)

    def __str__(self) -> str:
        return f"{self.year}/{self.sequence:07d}{self.office}"


def format_reference(year: int, sequence: int, office: str = DEFAULT_OFFICE) -> str:
    return str(Reference(year, sequence, office))


def parse_reference(text: str) -> Reference:
    """Read a reference such as ``2009/0007948POSoS``; surrounding whitespace is ignored."""
    match = _REFERENCE_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{text!r} is not a case reference; expected year/seven-digit number/office, "
            f"e.g. '2009/0007948{DEFAULT_OFFICE}'."
        )
    try:
        return Reference(int(match["year"]), int(match["sequence"]), match["office"])
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid case reference: {exc}") from exc
