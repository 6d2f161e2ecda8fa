"""Who may draft, how long a paragraph may be, and saving a draft without losing another's."""

from __future__ import annotations

from correspondence.db.models import Case, Draft
from correspondence.services.actors import Role
from correspondence.services.errors import ConflictError

# A paragraph of a letter; anything longer is a paste gone wrong, not a reply.
MAX_PARAGRAPH_CHARS = 50_000
# Who may write and change a reply.
DRAFTING_ROLES = (Role.DRAFTER, Role.POLICY_LEAD)


def draft_label(draft: Draft, case: Case | None) -> str:
    """The draft as a message names it."""
    return f"the draft reply to {case.reference}" if case else f"draft #{draft.id}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_version(draft: Draft, case: Case | None, expected: int | None) -> None:
    """Refuse a change made to a copy older than the saved draft."""
    if expected is not None and draft.version != expected:
        label = _upper_first(draft_label(draft, case))
        raise ConflictError(
            f"{label} was saved by someone else since you opened it "
            f"(your copy is version {expected}, the saved one is version {draft.version}). "
            "Reload it to see their changes; copy any words of yours you want to keep first."
        )
