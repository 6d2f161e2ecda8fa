"""Errors services raise; each message is written for the person at the desk."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: the message is shown to the user as it is."""


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class ValidationError(ServiceError):
    """Bad input; `field` names the form field or file at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class ConflictError(ServiceError):
    """Someone else saved the same row first (optimistic locking)."""
