"""The one error every reader of files raises, worded for the person at the desk."""

from __future__ import annotations


class ExtractionError(Exception):
    """The file cannot be read as what its name says it is."""
