"""The base of every error a domain rule raises; its message is written for a person.

Services turn these into service errors (see services/unit_of_work.py), so the window
and the command line catch one family: `services.errors.ServiceError`.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the office refused something; the message says which and why."""
