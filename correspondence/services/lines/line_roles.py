"""Who may draft standard lines and who may approve them: the services refuse anyone else."""

from __future__ import annotations

from correspondence.services.actors import Actor, Role

DRAFTING_ROLES = (Role.DRAFTER, Role.POLICY_LEAD)
APPROVING_ROLES = (Role.POLICY_LEAD,)


def require_drafting(actor: Actor, action: str) -> None:
    actor.require(action, *DRAFTING_ROLES)


def require_policy_lead(actor: Actor, action: str) -> None:
    actor.require(action, *APPROVING_ROLES)


def can_draft(actor: Actor) -> bool:
    return actor.has(*DRAFTING_ROLES)


def can_approve(actor: Actor) -> bool:
    return actor.has(*APPROVING_ROLES)
