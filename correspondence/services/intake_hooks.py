"""What happens right after a letter is logged, before its transaction commits.

`on_case_logged` is called once per newly logged case (by hand or by import) with the
open session, and returns the name of the campaign the case was put into, or None.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from correspondence.db.models import Case


def on_case_logged(session: Session, case: Case) -> str | None:
    """Campaign grouping: join the campaign this letter copies, or start one when it is
    the third near-identical letter; the campaign's name, or None."""
    # Imported here so logging a letter does not load the grouping code until it is needed.
    from correspondence.services.campaigns import place_new_case

    return place_new_case(session, case)
