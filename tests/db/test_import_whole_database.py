"""An import read by worker processes leaves the same database as one read in one process.

Not only the same cases: every table, row for row (references, correspondents, documents,
suggested themes, campaigns and who is in them with what score, every event in order),
and the event chain verifies; and the same again when each case is indexed for search
and given its sort keys by the per-row triggers instead of by batch (the search index
compared word by word and place by place). Only clocks differ (when a row was written,
and the hashes that include it) and a searchable PDF made by OCR, which carries its
moment of making.
"""

from __future__ import annotations

import datetime as dt
import email.message
import hashlib
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, text
from sqlalchemy.orm import Session

from correspondence.database import open_database
from correspondence.db.models import Base
from correspondence.services import events
from correspondence.services.cases import search_batch, sort_keys
from correspondence.services.intake import (
    file_import,
    import_search,
    intake_hooks,
    intake_workers,
)
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as
from tests.campaign_mailbag import mailbag
from tests.conftest import BACKENDS, _fresh_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TODAY = dt.date(2026, 11, 23)
TOPICS = (
    "the death of Baby Peter in Haringey and what Haringey council knew",
    "social work caseloads, recruitment and training after the Social Work Task Force",
    "the smacking ban and the reasonable punishment defence",
    "Serious Case Reviews and whether they should be published in full",
    "court fees for care proceedings and delays at Cafcass",
)


def _mail(i: int, rng: random.Random) -> bytes:
    """An invented email: a few writers write more than once, on a handful of topics."""
    first, last = rng.choice(("Joan", "Ken", "Asha", "Owen")), rng.choice(("Abbott", "Hale"))
    msg = email.message.EmailMessage()
    msg["From"] = f"{first} {last} <{first.lower()}.{last.lower()}{i % 7}@example.org>"
    msg["To"] = "ministers@example.gov.uk"
    msg["Subject"] = "A letter"
    msg["Date"] = f"{dt.date(2009, 1, 5) + dt.timedelta(days=i % 40):%a, %d %b %Y} 10:00:00 +0000"
    msg["Message-ID"] = f"<whole-{i}@example.org>"
    topic = rng.choice(TOPICS)
    msg.set_content(
        f"Dear Secretary of State\n\nI am writing about {topic}. "
        + " ".join(rng.sample(TOPICS, 2))
        + f". My letter number {i}.\n\nYours sincerely\n\n{first} {last}\n"
    )
    return msg.as_bytes()


@pytest.fixture
def post(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders of mixed post, imported one after the other: campaign letters in the
    writers' variations, letters in their own words, emails, every fixture (damaged and
    unsupported files among them) and copies of files already imported."""
    rng = random.Random(16)
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    for k, letter in enumerate(mailbag((30, 24, 16), 40, seed=16)):
        (first / f"bag-{k:03d}.txt").write_text(letter.text, encoding="utf-8")
    for i in range(90):
        (first / f"mail-{i:03d}.eml").write_bytes(_mail(i, rng))
    for f in sorted((FIXTURES / "mail").iterdir()):
        if f.is_file() and f.suffix != ".py":
            shutil.copy(f, first / f"fixture-{f.name}")
            if f.suffix not in (".png", ".pdf"):  # scans are slow to read: once is enough
                shutil.copy(f, second / f"again-{f.name}")
    for f in sorted((FIXTURES / "theme_letters" / "train").iterdir()):
        shutil.copy(f, first / f"theme-{f.name}")
    for k, letter in enumerate(mailbag((12, 8), 10, seed=17)):
        (second / f"bag-{k:03d}.txt").write_text(letter.text, encoding="utf-8")
    for i in range(80, 120):  # ten already imported by Message-ID, thirty new
        (second / f"mail-{i:03d}.eml").write_bytes(_mail(i, random.Random(i)))
    for k in range(0, 60, 6):  # byte-for-byte copies of imported letters
        shutil.copy(first / f"bag-{k:03d}.txt", second / f"copy-{k:03d}.txt")
    return first, second


def _dump(url: str) -> dict[str, Any]:
    """Every table's rows in key order, without clocks and the hashes that include them."""
    db = open_database(url)
    try:
        out: dict[str, Any] = {}
        with db.session_factory() as s:
            assert events.verify_chain(s) is None  # the chain verifies
            for table in Base.metadata.sorted_tables:
                cols = [
                    c.name
                    for c in table.columns
                    if not isinstance(c.type, DateTime) and c.name not in ("hash", "prev_hash")
                ]
                order = [c.name for c in table.primary_key.columns] or cols
                rows = s.execute(
                    text(f"SELECT {', '.join(cols)} FROM {table.name} ORDER BY {', '.join(order)}")
                ).all()
                out[table.name] = [
                    _plain(table.name, dict(zip(cols, r, strict=True))) for r in rows
                ]
            out["case_search"] = _search_index(s)
        return out
    finally:
        db.close()


def _search_index(s: Session) -> list[tuple[Any, ...]]:
    """The search index's content: every word's every place (SQLite), each document (PG)."""
    if s.get_bind().dialect.name == "sqlite":
        s.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_places "
                "USING fts5vocab(main, case_search, 'instance')"
            )
        )
        query = "SELECT term, doc, col, offset FROM temp.search_places ORDER BY 1, 2, 3, 4"
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        s.execute(text("INSERT INTO case_search(case_search) VALUES ('integrity-check')"))
    else:
        query = "SELECT case_id, document::text FROM case_search ORDER BY case_id"
    return [tuple(r) for r in s.execute(text(query))]


def _plain(table: str, row: dict[str, Any]) -> dict[str, Any]:
    if table == "documents" and row["role"] == "searchable":
        row["content"] = row["sha256"] = ""  # a searchable PDF carries its moment of making
    return {k: hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for k, v in row.items()}


def _import(url: str, folders: tuple[Path, Path]) -> list[dict[str, object]]:
    db = open_database(url)
    try:
        intake = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY)
        said = []
        for folder in folders:
            result = intake.import_paths([folder])
            said.append(
                {
                    **result.as_json(),
                    "themes": [c.themes for c in result.imported],
                    "correspondents": [c.correspondent for c in result.imported],
                    "why duplicates": [d.reason for d in result.duplicates],
                }
            )
        return said
    finally:
        db.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_and_one_process_leave_the_same_database(
    backend: str,
    post: tuple[Path, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = request.getfixturevalue("pg_migrated") if backend == "postgresql" else ""
    urls = [_fresh_url(request, backend, tmp_path / f"{n}.db", template) for n in ("a", "b", "c")]
    # Small batches, so letters meet campaigns across batches and imports; cut by count
    # only, as they are on a machine that is not struggling.
    monkeypatch.setattr(file_import, "BATCH_FILES", 40)
    monkeypatch.setattr(file_import, "BATCH_SECONDS", 3600.0)

    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 10**9)
    alone = _import(urls[0], post)
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(intake_workers, "CHUNK", 8)
    monkeypatch.setattr(intake_workers, "cores", lambda: 3)  # two workers
    pooled = _import(urls[1], post)
    # Per-row search triggers and sort keys, as before batches (migrations 0013, 0017).
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 10**9)
    monkeypatch.setattr(import_search, "by_batch", lambda _s: False)
    monkeypatch.setattr(sort_keys, "sort_key", lambda _name: "")  # the trigger's to set
    monkeypatch.setattr(search_batch, "deferred_search", _per_row)
    per_row = _import(urls[2], post)

    assert pooled == alone
    assert per_row == alone
    first, second = alone
    assert first["imported"] and first["failed"] and second["duplicate_files"]
    assert any(first["themes"]) and any(c["campaign"] for c in first["cases"])  # type: ignore[union-attr]
    assert any(c["campaign"] for c in second["cases"])  # type: ignore[union-attr]
    one, other, by_row = _dump(urls[0]), _dump(urls[1]), _dump(urls[2])
    assert one["campaigns"] and one["case_themes"] and one["case_search"]
    for table in one:
        assert other[table] == one[table], table
        assert by_row[table] == one[table], table


@contextmanager
def _per_row(_session: object) -> Iterator[list[int]]:
    yield []  # the triggers stay on; nothing to refresh afterwards


@pytest.mark.parametrize("backend", BACKENDS)
def test_letters_written_in_their_campaign_leave_the_same_database(
    backend: str,
    post: tuple[Path, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A letter that joins an existing campaign is written in it (intake_hooks.joins_ahead)
    rather than updated into it after: every row and event is as the update leaves it."""
    template = request.getfixturevalue("pg_migrated") if backend == "postgresql" else ""
    urls = [_fresh_url(request, backend, tmp_path / f"{n}.db", template) for n in ("a", "b")]
    monkeypatch.setattr(file_import, "BATCH_FILES", 40)
    monkeypatch.setattr(file_import, "BATCH_SECONDS", 3600.0)
    monkeypatch.setattr(intake_workers, "PARALLEL_FROM", 10**9)
    ahead = intake_hooks.joins_ahead
    written_in: list[int] = []

    def counted(session: Session, letters: Any) -> list[tuple[int, float, str] | None]:
        found = ahead(session, letters)
        written_in.extend(1 for f in found if f is not None)
        return found

    monkeypatch.setattr(intake_hooks, "joins_ahead", counted)
    looked_ahead = _import(urls[0], post)
    monkeypatch.setattr(intake_hooks, "joins_ahead", lambda _s, letters: [None] * len(letters))
    updated_after = _import(urls[1], post)

    assert len(written_in) >= 10  # letters of the second folder join the first's campaigns
    assert looked_ahead == updated_after
    one, other = _dump(urls[0]), _dump(urls[1])
    assert any(row["campaign_id"] for row in one["cases"])
    for table in one:
        assert other[table] == one[table], table
