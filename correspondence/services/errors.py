"""Errors services raise; each message is written for the person at the desk.

`ServiceError` is the one base the window and the command line catch. Domain rules raise
`domain.errors.DomainError`; the unit of work turns those into `RuleRefused` (below).
No message here names a command-line flag: the same words reach the window.
"""

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


class RuleRefused(ServiceError):
    """A domain rule refused the act (e.g. a case cannot move to that status)."""


class FileRefused(ServiceError):
    """This one file cannot be imported; the message says why."""


class PasswordRefused(PermissionDenied):
    """Signing off asked for the login's password again and it was not accepted."""
