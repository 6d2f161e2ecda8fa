"""The life of a case and of a draft reply: which moves are allowed, and why others are refused."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from correspondence.domain.errors import DomainError


class CaseStatus(StrEnum):
    # Declaration order is the lifecycle order; allowed_next() and messages rely on it.
    LOGGED = "logged"
    TRIAGED = "triaged"
    DRAFTING = "drafting"
    IN_QA = "in_qa"
    WITH_PRIVATE_OFFICE = "with_private_office"
    SIGNED_OFF = "signed_off"
    DISPATCHED = "dispatched"
    NO_REPLY = "no_reply"
    TRANSFERRED = "transferred"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return _CASE_LABELS[self]


_CASE_LABELS: Mapping[CaseStatus, str] = MappingProxyType(
    {
        CaseStatus.LOGGED: "Logged",
        CaseStatus.TRIAGED: "Triaged",
        CaseStatus.DRAFTING: "Drafting",
        CaseStatus.IN_QA: "In QA",
        CaseStatus.WITH_PRIVATE_OFFICE: "With private office",
        CaseStatus.SIGNED_OFF: "Signed off",
        CaseStatus.DISPATCHED: "Dispatched",
        CaseStatus.NO_REPLY: "No reply needed",
        CaseStatus.TRANSFERRED: "Transferred",
        CaseStatus.RETURNED: "Returned",
    }
)


class DraftStatus(StrEnum):
    DRAFTING = "drafting"
    IN_QA = "in_qa"
    WITH_PRIVATE_OFFICE = "with_private_office"
    SIGNED_OFF = "signed_off"
    RETURNED = "returned"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return _DRAFT_LABELS[self]


_DRAFT_LABELS: Mapping[DraftStatus, str] = MappingProxyType(
    {
        DraftStatus.DRAFTING: "Drafting",
        DraftStatus.IN_QA: "In QA",
        DraftStatus.WITH_PRIVATE_OFFICE: "With private office",
        DraftStatus.SIGNED_OFF: "Signed off",
        DraftStatus.RETURNED: "Returned",
        DraftStatus.SUPERSEDED: "Superseded",
    }
)


class IllegalTransition(DomainError):
    """A refused move; the message is written for the officer who tried it."""

    def __init__(
        self,
        current: CaseStatus | DraftStatus,
        target: CaseStatus | DraftStatus,
        message: str | None = None,
    ) -> None:
        self.current = current
        self.target = target
        if message is None:
            message = f"Cannot move from {_label(current)} to {_label(target)}."
        super().__init__(message)

    def __reduce__(self) -> tuple[type[IllegalTransition], tuple[object, ...]]:
        # Keep the exception picklable despite the custom __init__ signature.
        return (type(self), (self.current, self.target, str(self)))


def _label(status: CaseStatus | DraftStatus | str) -> str:
    return getattr(status, "label", str(status))


_C = CaseStatus
_SIDE_EXITS = frozenset({_C.NO_REPLY, _C.TRANSFERRED})

ALLOWED: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        _C.LOGGED: frozenset({_C.TRIAGED}) | _SIDE_EXITS,
        _C.TRIAGED: frozenset({_C.DRAFTING}) | _SIDE_EXITS,
        _C.DRAFTING: frozenset({_C.IN_QA}) | _SIDE_EXITS,
        _C.IN_QA: frozenset({_C.WITH_PRIVATE_OFFICE, _C.RETURNED}),
        _C.WITH_PRIVATE_OFFICE: frozenset({_C.SIGNED_OFF, _C.RETURNED}),
        _C.SIGNED_OFF: frozenset({_C.DISPATCHED, _C.RETURNED}),
        _C.DISPATCHED: frozenset(),
        # Reopening: a "no reply" decision reconsidered, or a transfer bounced back.
        _C.NO_REPLY: frozenset({_C.TRIAGED}),
        _C.TRANSFERRED: frozenset({_C.TRIAGED}),
        _C.RETURNED: frozenset({_C.DRAFTING}),
    }
)

CLOSED_STATUSES: frozenset[CaseStatus] = frozenset({_C.DISPATCHED, _C.NO_REPLY, _C.TRANSFERRED})
OPEN_STATUSES: frozenset[CaseStatus] = frozenset(CaseStatus) - CLOSED_STATUSES

_REASON_TARGETS = frozenset({_C.RETURNED, _C.TRANSFERRED, _C.NO_REPLY})

_CASE_ORDER = {status: index for index, status in enumerate(CaseStatus)}


def allowed_next(current: CaseStatus) -> list[CaseStatus]:
    """The statuses a case may move to next, in lifecycle order (stable for menus and buttons)."""
    return sorted(ALLOWED[CaseStatus(current)], key=_CASE_ORDER.__getitem__)


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise IllegalTransition, with a message an officer can act on, unless the move is allowed."""
    current, target = CaseStatus(current), CaseStatus(target)
    if target in ALLOWED[current]:
        return
    if current == target:
        message = f"The case is already in the {current.label} state."
    else:
        options = allowed_next(current)
        if options:
            steps = ", ".join(status.label for status in options)
            hint = f"Allowed next steps: {steps}."
        else:
            hint = f"{current.label} is final: the case cannot be moved any further."
        message = f"Cannot move a case from {current.label} to {target.label}. {hint}"
    raise IllegalTransition(current, target, message)


def needs_reason(current: CaseStatus, target: CaseStatus) -> bool:
    """True when the move must be recorded with a reason (returning, transferring, no reply)."""
    return CaseStatus(target) in _REASON_TARGETS


_D = DraftStatus
_DRAFT_ALLOWED: Mapping[DraftStatus, frozenset[DraftStatus]] = MappingProxyType(
    {
        _D.DRAFTING: frozenset({_D.IN_QA, _D.SUPERSEDED}),
        _D.IN_QA: frozenset({_D.WITH_PRIVATE_OFFICE, _D.RETURNED, _D.SUPERSEDED}),
        _D.WITH_PRIVATE_OFFICE: frozenset({_D.SIGNED_OFF, _D.RETURNED, _D.SUPERSEDED}),
        _D.RETURNED: frozenset({_D.DRAFTING, _D.SUPERSEDED}),
        # A signed-off draft is the record of what the minister approved: never replaced.
        _D.SIGNED_OFF: frozenset(),
        _D.SUPERSEDED: frozenset(),
    }
)

_DRAFT_ORDER = {status: index for index, status in enumerate(DraftStatus)}


def check_draft_transition(current: DraftStatus, target: DraftStatus) -> None:
    """Raise IllegalTransition unless a draft reply may move from current to target."""
    current, target = DraftStatus(current), DraftStatus(target)
    if target in _DRAFT_ALLOWED[current]:
        return
    if current == target:
        message = f"The draft is already in the {current.label} state."
    else:
        options = sorted(_DRAFT_ALLOWED[current], key=_DRAFT_ORDER.__getitem__)
        if options:
            steps = ", ".join(status.label for status in options)
            hint = f"Allowed next steps: {steps}."
        else:
            hint = f"A {current.label.lower()} draft cannot be changed."
        message = f"Cannot move a draft from {current.label} to {target.label}. {hint}"
    raise IllegalTransition(current, target, message)
