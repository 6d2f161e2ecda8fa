"""Allocating case references: unique and gapless per year, with several writers."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from correspondence.db.models import Office, ReferenceCounter
from correspondence.domain.references import DEFAULT_OFFICE, Reference


def default_office(session: Session) -> str:
    code = session.scalar(select(Office.code).where(Office.is_default.is_(True)))
    return code or DEFAULT_OFFICE


def allocate(session: Session, year: int, office: str | None = None) -> Reference:
    """Take the next sequence number of `year` inside the caller's transaction.

    The UPDATE locks the counter row (PostgreSQL) or the database (SQLite)
    until commit, so concurrent writers queue rather than collide; a rolled
    back transaction gives its number back, keeping the sequence gapless.
    """
    office = office or default_office(session)
    for _ in range(3):
        seq = session.scalar(
            update(ReferenceCounter)
            .where(ReferenceCounter.year == year)
            .values(last_sequence=ReferenceCounter.last_sequence + 1)
            .returning(ReferenceCounter.last_sequence)
        )
        if seq is not None:
            return Reference(year, seq, office)
        try:
            with session.begin_nested():
                session.add(ReferenceCounter(year=year, last_sequence=1))
            return Reference(year, 1, office)
        except IntegrityError:
            continue  # another writer created the year's counter first
    raise RuntimeError(f"Could not allocate a reference for {year}")


def reserve(session: Session, reference: Reference) -> None:
    """Record an existing reference (e.g. a seed letter) so it is never issued again."""
    counter = session.get(ReferenceCounter, reference.year)
    if counter is None:
        session.add(ReferenceCounter(year=reference.year, last_sequence=reference.sequence))
    elif counter.last_sequence < reference.sequence:
        counter.last_sequence = reference.sequence
    session.flush()
