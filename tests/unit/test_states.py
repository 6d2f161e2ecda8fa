import pickle

import pytest

from correspondence.domain.errors import DomainError
from correspondence.domain.states import (
    ALLOWED,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
    DraftStatus,
    IllegalTransition,
    allowed_next,
    check_draft_transition,
    check_transition,
    needs_reason,
)

S = CaseStatus
D = DraftStatus

# The full table from PRODUCT.md, written out independently of the module's ALLOWED mapping.
LEGAL_MOVES = {
    (S.LOGGED, S.TRIAGED),
    (S.TRIAGED, S.DRAFTING),
    (S.DRAFTING, S.IN_QA),
    (S.IN_QA, S.WITH_PRIVATE_OFFICE),
    (S.WITH_PRIVATE_OFFICE, S.SIGNED_OFF),
    (S.SIGNED_OFF, S.DISPATCHED),
    (S.LOGGED, S.NO_REPLY),
    (S.TRIAGED, S.NO_REPLY),
    (S.DRAFTING, S.NO_REPLY),
    (S.LOGGED, S.TRANSFERRED),
    (S.TRIAGED, S.TRANSFERRED),
    (S.DRAFTING, S.TRANSFERRED),
    (S.IN_QA, S.RETURNED),
    (S.WITH_PRIVATE_OFFICE, S.RETURNED),
    (S.SIGNED_OFF, S.RETURNED),
    (S.RETURNED, S.DRAFTING),
    (S.NO_REPLY, S.TRIAGED),
    (S.TRANSFERRED, S.TRIAGED),
}
ALL_PAIRS = [(a, b) for a in S for b in S]


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL_MOVES))
def test_legal_moves_are_accepted(current: CaseStatus, target: CaseStatus) -> None:
    check_transition(current, target)
    assert target in allowed_next(current)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in ALL_PAIRS if pair not in LEGAL_MOVES]
)
def test_every_other_move_is_refused(current: CaseStatus, target: CaseStatus) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target)
    assert caught.value.current is current
    assert caught.value.target is target
    # A domain refusal, not a ValueError: callers catch the one error family.
    assert isinstance(caught.value, DomainError) and not isinstance(caught.value, ValueError)


def test_allowed_mapping_matches_the_product_lifecycle() -> None:
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == LEGAL_MOVES
    assert set(ALLOWED) == set(S)


def test_refusal_names_both_states_and_the_next_steps() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(S.LOGGED, S.SIGNED_OFF)
    assert str(caught.value) == (
        "Cannot move a case from Logged to Signed off. "
        "Allowed next steps: Triaged, No reply needed, Transferred."
    )


def test_same_state_move_says_it_is_already_there() -> None:
    with pytest.raises(IllegalTransition, match="already in the In QA state"):
        check_transition(S.IN_QA, S.IN_QA)


def test_dispatched_is_final() -> None:
    assert allowed_next(S.DISPATCHED) == []
    with pytest.raises(IllegalTransition, match="Dispatched is final"):
        check_transition(S.DISPATCHED, S.TRIAGED)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (S.LOGGED, [S.TRIAGED, S.NO_REPLY, S.TRANSFERRED]),
        (S.DRAFTING, [S.IN_QA, S.NO_REPLY, S.TRANSFERRED]),
        (S.SIGNED_OFF, [S.DISPATCHED, S.RETURNED]),
        (S.RETURNED, [S.DRAFTING]),
        (S.TRANSFERRED, [S.TRIAGED]),
    ],
)
def test_allowed_next_is_in_lifecycle_order(
    current: CaseStatus, expected: list[CaseStatus]
) -> None:
    assert allowed_next(current) == expected


def test_plain_strings_from_the_database_are_accepted() -> None:
    check_transition("logged", "triaged")  # type: ignore[arg-type]
    assert allowed_next("returned") == [S.DRAFTING]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.IN_QA, S.RETURNED, True),
        (S.TRIAGED, S.TRANSFERRED, True),
        (S.LOGGED, S.NO_REPLY, True),
        (S.LOGGED, S.TRIAGED, False),
        (S.SIGNED_OFF, S.DISPATCHED, False),
        (S.RETURNED, S.DRAFTING, False),
    ],
)
def test_needs_reason(current: CaseStatus, target: CaseStatus, expected: bool) -> None:
    assert needs_reason(current, target) is expected


def test_open_and_closed_partition_the_statuses() -> None:
    assert CLOSED_STATUSES == {S.DISPATCHED, S.NO_REPLY, S.TRANSFERRED}
    assert OPEN_STATUSES | CLOSED_STATUSES == set(S)
    assert not OPEN_STATUSES & CLOSED_STATUSES
    assert S.RETURNED in OPEN_STATUSES


def test_labels() -> None:
    assert [status.label for status in S] == [
        "Logged",
        "Triaged",
        "Drafting",
        "In QA",
        "With private office",
        "Signed off",
        "Dispatched",
        "No reply needed",
        "Transferred",
        "Returned",
    ]
    assert S.IN_QA == "in_qa"


def test_illegal_transition_survives_pickling() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(S.LOGGED, S.DISPATCHED)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.current, copy.target, str(copy)) == (S.LOGGED, S.DISPATCHED, str(caught.value))


LEGAL_DRAFT_MOVES = {
    (D.DRAFTING, D.IN_QA),
    (D.IN_QA, D.WITH_PRIVATE_OFFICE),
    (D.IN_QA, D.RETURNED),
    (D.WITH_PRIVATE_OFFICE, D.SIGNED_OFF),
    (D.WITH_PRIVATE_OFFICE, D.RETURNED),
    (D.RETURNED, D.DRAFTING),
    (D.DRAFTING, D.SUPERSEDED),
    (D.IN_QA, D.SUPERSEDED),
    (D.WITH_PRIVATE_OFFICE, D.SUPERSEDED),
    (D.RETURNED, D.SUPERSEDED),
}


@pytest.mark.parametrize(("current", "target"), [(a, b) for a in D for b in D])
def test_draft_moves(current: DraftStatus, target: DraftStatus) -> None:
    if (current, target) in LEGAL_DRAFT_MOVES:
        check_draft_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as caught:
            check_draft_transition(current, target)
        assert (caught.value.current, caught.value.target) == (current, target)


def test_signed_off_draft_cannot_be_superseded() -> None:
    with pytest.raises(
        IllegalTransition, match="Cannot move a draft from Signed off to Superseded"
    ):
        check_draft_transition(D.SIGNED_OFF, D.SUPERSEDED)


def test_draft_refusal_lists_next_steps() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_draft_transition(D.DRAFTING, D.SIGNED_OFF)
    assert str(caught.value).endswith("Allowed next steps: In QA, Superseded.")
