"""Run by tests/e2e/test_crash_safety.py as a real process to be killed: saves a draft over
and over, as the editor's autosave does, printing each version once it is committed."""

from __future__ import annotations

import sys

from correspondence.database import open_database
from correspondence.services.drafting.draft_view import ParagraphInput
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.unit_of_work import acting_as


def main(url: str, draft_id: int, user: str) -> None:
    db = open_database(url, create=False)
    drafting = Drafting(acting_as(db.session_factory, user))
    view = drafting.view(draft_id)
    for n in range(1, 100_000):
        text = f"Autosaved words, version {n}. " * 40
        view = drafting.save(
            draft_id,
            view.version,
            [ParagraphInput("free", text, id=p.id) for p in view.paragraphs[:1]]
            or [ParagraphInput("free", text)],
        )
        print(n, flush=True)  # only after the commit


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
