"""Rows an import inserts as prepared tuples are the rows SQLAlchemy's insert writes:
every column, dates, flags and defaults stored alike (on PostgreSQL SQLAlchemy writes them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from correspondence.database import Database
from correspondence.db.models import Case, Document
from correspondence.services.intake.import_rows import insert_rows
from tests.factories import logged_case

TODAY = dt.date(2026, 11, 23)
CLOCKS = {"logged_at", "updated_at", "added_at"}


def _stored(db: Database, table: Any, ids: list[int]) -> list[dict[str, Any]]:
    with db.session_factory() as s:
        rows = s.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id))
        return [
            {k: v for k, v in row._mapping.items() if k != "id" and k not in CLOCKS} for row in rows
        ]


def test_cases_and_documents_are_stored_as_sqlalchemy_stores_them(db: Database) -> None:
    case_id = logged_case(db, "officer.one", today=TODAY, summary="A crossing for Elm Street")
    with db.session_factory() as s:
        base = dict(s.execute(select(Case.__table__).where(Case.id == case_id)).one()._mapping)
    at = dt.datetime(2026, 11, 23, 9, 30, 0, 5)

    def case(new_id: int, n: int) -> dict[str, Any]:
        row = {k: v for k, v in base.items() if k not in {"id", "summary", "updated_at", "version"}}
        # Left out: `version` and `updated_at` come from the columns' defaults.
        row.update(id=new_id, reference=f"2026/9{n:06d}", ref_sequence=900_000 + n)
        row.update(summary=f"copy {n}", logged_at=at, received_on=dt.date(2026, 2, 28 - n))
        return row

    def document(new_id: int, case: int, n: int) -> dict[str, Any]:
        return {
            "id": new_id, "case_id": case, "filename": f"scan{n}.pdf", "content": b"%PDF-\x00\xff",
            "size": 7, "sha256": "0" * 64, "needs_text": n % 2 == 0, "ocr_read": n == 1,
            "ocr_confidence": 0.5 if n == 1 else None, "message_id": None, "added_at": at,
        }  # fmt: skip

    with db.session_factory.begin() as s:
        s.execute(insert(Case.__table__), [case(case_id + 1, 1), case(case_id + 2, 2)])
        insert_rows(s, Case.__table__, [case(case_id + 3, 3), case(case_id + 4, 4)])
    with db.session_factory.begin() as s:
        s.execute(insert(Document.__table__), [document(100 + n, case_id, n) for n in (1, 2)])
        insert_rows(s, Document.__table__, [document(102 + n, case_id, n) for n in (1, 2)])

    by_sqlalchemy, by_tuples = (
        _stored(db, Case.__table__, [case_id + 1, case_id + 2]),
        _stored(db, Case.__table__, [case_id + 3, case_id + 4]),
    )
    for one, other in zip(by_sqlalchemy, by_tuples, strict=True):
        assert {k: v for k, v in one.items() if k not in {"reference", "ref_sequence", "summary",
                "received_on"}} == {k: v for k, v in other.items()
                if k not in {"reference", "ref_sequence", "summary", "received_on"}}  # fmt: skip
        assert one["version"] == other["version"] == 1
    assert [r["received_on"] for r in by_tuples] == [dt.date(2026, 2, 25), dt.date(2026, 2, 24)]
    assert _stored(db, Document.__table__, [101, 102]) == _stored(
        db, Document.__table__, [103, 104]
    )
    with db.session_factory() as s:
        written = s.scalars(select(Case.updated_at).where(Case.id > case_id)).all()
        assert all(isinstance(w, dt.datetime) for w in written)
        assert s.scalar(select(Document.added_at).where(Document.id == 103)) == at
