"""Resuming a campaign export trusts only the letters it wrote itself, and its worker
processes never outlive an export that is killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from correspondence.database import Database
from correspondence.db.models import Case, Event
from correspondence.services.campaigns import campaign_export as ce
from correspondence.services.campaigns.export_journal import JOURNAL_NAME, Journal, file_digest
from correspondence.services.unit_of_work import acting_as
from tests.conftest import DEMO_TODAY
from tests.factories import campaign_id, signed_off_campaign_reply

OFFICER = "a.okoro"
EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"


def _export(db: Database, cid: int, out: Path, **kw: object) -> ce.ExportResult:
    kw.setdefault("workers", 1)
    uow = acting_as(db.session_factory, OFFICER)
    return ce.export_campaign(uow, cid, out, today=DEMO_TODAY, **kw)  # type: ignore[arg-type]


def _cancelled_after(db: Database, cid: int, out: Path, letters: int) -> list[str]:
    """An export stopped after `letters` letters; the references not yet written."""
    seen: list[int] = []
    result = _export(
        db,
        cid,
        out,
        progress=lambda d, t, r: seen.append(d),
        should_cancel=lambda: seen[-1] >= letters,
    )
    assert result.cancelled
    journal = Journal.read(out)
    assert journal is not None
    with db.session_factory() as s:
        members = s.scalars(
            select(Case.reference).where(Case.campaign_id == cid, Case.status != "dispatched")
        ).all()
    return [r for r in members if r not in journal.done]


def _forge(out: Path, entry: dict[str, object]) -> None:
    with (out / JOURNAL_NAME).open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def test_forged_journal_lines_are_ignored_and_their_members_written(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = campaign_id(demo_db, "NSPCC")
    signed_off_campaign_reply(demo_db, cid)
    monkeypatch.setattr(ce, "CHUNK", 10)
    out = tmp_path / "letters"
    out.mkdir()
    (tmp_path / "desk.db").write_bytes(b"not a letter")
    unwritten = _cancelled_after(demo_db, cid, out, 20)
    first, second, third, fourth, fifth = unwritten[:5]
    name = lambda ref: ref.replace("/", "-") + ".docx"  # noqa: E731
    written = next(p for p in out.glob("*.docx"))
    # A path out of the folder; another member's real letter; a copy with a forged digest;
    # the right name with no digest at all; a line that is not even an object.
    _forge(out, {"kind": "letter", "reference": first, "file": "../desk.db"})
    _forge(
        out,
        {
            "kind": "letter",
            "reference": second,
            "file": written.name,
            "size": written.stat().st_size,
            "sha256": file_digest(written),
        },
    )
    shutil.copy(written, out / name(third))
    _forge(
        out,
        {
            "kind": "letter",
            "reference": third,
            "file": name(third),
            "size": written.stat().st_size,
            "sha256": "0" * 64,
        },
    )
    shutil.copy(written, out / name(fourth))
    _forge(out, {"kind": "letter", "reference": fourth, "file": name(fourth)})
    _forge(out, ["letter", fifth])  # type: ignore[arg-type]

    result = _export(demo_db, cid, out, resume=True)
    assert result.already_done == 20 and result.written == result.total - 20
    assert (tmp_path / "desk.db").read_bytes() == b"not a letter"
    with demo_db.session_factory() as s:
        for reference in (first, second, third, fourth, fifth):
            case = s.scalar(select(Case).where(Case.reference == reference))
            assert case is not None and case.status == "dispatched"
            assert reference in _texts(out / name(reference))
        files = [
            e for e in s.scalars(select(Event.new_value).where(Event.action == "dispatched")) if e
        ]
        assert not any("desk.db" in f for f in files)


def test_a_letter_changed_on_disk_after_it_was_journalled_is_written_again(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = campaign_id(demo_db, "NSPCC")
    signed_off_campaign_reply(demo_db, cid)
    monkeypatch.setattr(ce, "CHUNK", 10)
    out = tmp_path / "letters"
    _cancelled_after(demo_db, cid, out, 10)
    journal = Journal.read(out)
    assert journal is not None and all(
        journal.trusted(out, ref, name) for ref, name in journal.done.items()
    )
    tampered = out / next(iter(journal.done.values()))
    tampered.write_bytes(b"PK-edited" + tampered.read_bytes()[9:])
    result = _export(demo_db, cid, out, resume=True)
    assert result.already_done == 9


def _texts(path: Path) -> list[str]:
    from correspondence.documents.word import letter_paragraph_texts

    return letter_paragraph_texts(path)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_processes_end_when_the_export_is_killed(demo_db: Database, tmp_path: Path) -> None:
    if demo_db.engine.dialect.name != "sqlite":
        return  # one run is enough: the processes, not the database, are under test
    cid = campaign_id(demo_db, "NSPCC")
    signed_off_campaign_reply(demo_db, cid)
    env = {**os.environ, "CORRESPONDENCE_USER": OFFICER}
    for attempt in range(3):
        out = tmp_path / f"letters{attempt}"
        export = subprocess.Popen(
            [
                EXE,
                "campaigns",
                "export",
                str(cid),
                "--out",
                str(out),
                "--workers",
                "2",
                "--db",
                str(demo_db.engine.url),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers: set[int] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and export.poll() is None and len(workers) < 2:
            workers = _children(export.pid)
            time.sleep(0.005)
        if export.poll() is None and workers:
            export.send_signal(signal.SIGKILL)
            export.wait()
            break
        export.wait()
    else:
        pytest.fail("the export finished before its workers could be seen")
    gone_by = time.monotonic() + 10
    while time.monotonic() < gone_by and any(_alive(p) for p in workers):
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)], "worker processes outlived their parent"
