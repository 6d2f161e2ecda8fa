"""Checkpoints of the event log, kept outside the database, and checking the log against one.

The hash chain shows an event changed in place. It cannot show the newest events cut
off, nor a chain recomputed from some event on by someone with full rights: the result
is a shorter or different chain that is intact in itself. A checkpoint (the count, the
newest id and its hash, written to a file the database's users cannot reach) can: after
a cut the checkpoint's event is gone or the count is short; after a rewrite the
checkpoint's event no longer has the recorded hash. A restore from backup is itself an
event (see the contract with the backup code) and is named as a restore.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from correspondence.db.models import Event, User, now_utc
from correspondence.services import events
from correspondence.services.cases.history import AuditResult, verify_audit
from correspondence.services.errors import ValidationError

FORMAT = "correspondence-audit-checkpoint/1"
MAX_FILE = 64 * 1024


@dataclass(frozen=True)
class Checkpoint:
    events: int
    newest_id: int | None
    hash: str
    newest_at: str  # ISO time of the newest event
    written_at: str
    database: str = ""

    def describe(self) -> str:
        when = self.written_at[:16].replace("T", " ")
        return f"checkpoint of {when} (#{self.newest_id}, {self.events} events)"


def take(session: Session, database: str = "") -> Checkpoint:
    h = events.head(session)
    return Checkpoint(
        events=h.events,
        newest_id=h.newest_id,
        hash=h.hash,
        newest_at=h.at.isoformat() if h.at else "",
        written_at=now_utc().isoformat(timespec="seconds") + "Z",
        database=database,
    )


def write(checkpoint: Checkpoint, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": FORMAT, **asdict(checkpoint)}, indent=2) + "\n")
    return path


def read(path: Path) -> Checkpoint:
    """A checkpoint file, checked field by field (a bad one names the file and the field)."""
    where = f"Checkpoint {path}"
    try:
        if path.stat().st_size > MAX_FILE:
            raise ValidationError(where, "too large to be a checkpoint")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(where, f"cannot be read: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(where, f"is not a checkpoint (format {FORMAT!r} expected)")
    count, newest, digest = data.get("events"), data.get("newest_id"), data.get("hash")
    if not isinstance(count, int) or count < 0:
        raise ValidationError(where, "'events' must be a count")
    if newest is not None and not isinstance(newest, int):
        raise ValidationError(where, "'newest_id' must be an event id")
    if not isinstance(digest, str) or len(digest) not in (0, 64):
        raise ValidationError(where, "'hash' must be a SHA-256 hash")
    return Checkpoint(
        events=count,
        newest_id=newest,
        hash=digest,
        newest_at=str(data.get("newest_at", ""))[:40],
        written_at=str(data.get("written_at", ""))[:40],
        database=str(data.get("database", ""))[:500],
    )


@dataclass
class Finding:
    intact: bool
    restored: bool
    lines: list[str] = field(default_factory=list)
    chain: AuditResult | None = None

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


def _restore_covering(session: Session, cp: Checkpoint) -> tuple[Event, dict] | None:
    """The newest restore from a backup older than the checkpoint, if any."""
    for ev in session.scalars(
        select(Event)
        .where(Event.entity == "database", Event.action == "restored")
        .order_by(Event.id.desc())
    ):
        try:
            info = json.loads(ev.new_value or "{}")
        except json.JSONDecodeError:
            continue
        backup_events = info.get("backup_events")
        if isinstance(backup_events, int) and backup_events < cp.events:
            return ev, info
    return None


def verify_against(session: Session, cp: Checkpoint) -> Finding:
    chain = verify_audit(session)
    now = events.head(session)
    found = Finding(intact=True, restored=False, chain=chain)
    if not chain.intact:
        found.intact = False
        found.lines.append(chain.message)
    if cp.newest_id is None:
        found.lines.append(f"{cp.describe()}: the log was empty then; {now.events} events now")
        return found
    restore = _restore_covering(session, cp)
    ev = session.get(Event, cp.newest_id)
    if restore is not None and (ev is None or ev.hash != cp.hash):
        rev, info = restore
        who = session.scalar(select(User.display_name).where(User.id == rev.user_id))
        found.restored = True
        found.lines.append(
            f"restored from backup {info.get('backup', '?')} on {rev.at:%d %b %Y %H:%M} by "
            f"{who or rev.username}: the {cp.describe()} is newer than the backup "
            f"({info.get('backup_events')} events); the events after it are not in this "
            f"database (the file replaced was kept as {info.get('previous_file', '?')})"
        )
        if rev.prev_hash != info.get("backup_head", rev.prev_hash):
            found.intact = False
            found.lines.append(
                f"but the log before the restore (event #{rev.id}) does not end with the "
                "backup's newest event: it was changed since"
            )
        return _closing(found, now)
    if ev is None:
        found.intact = False
        if now.newest_id is None or now.newest_id < cp.newest_id:
            found.lines.append(
                f"events deleted from the tail: the {cp.describe()} names event "
                f"#{cp.newest_id}, but the log now ends at "
                + (f"#{now.newest_id} ({now.events} events)" if now.newest_id else "nothing")
            )
        else:
            found.lines.append(
                f"event #{cp.newest_id} of the {cp.describe()} is gone and the chain was "
                "recomputed over the gap"
            )
        return found
    if ev.hash != cp.hash:
        found.intact = False
        found.lines.append(
            f"the chain was recomputed since the {cp.describe()}: event #{ev.id} no longer "
            f"has the hash recorded then ({cp.hash[:16]}…, now {ev.hash[:16]}…), so it or an "
            "event before it was rewritten"
        )
        return found
    upto = session.scalar(select(func.count(Event.id)).where(Event.id <= cp.newest_id)) or 0
    if upto != cp.events:
        found.intact = False
        found.lines.append(
            f"{cp.events - upto} event(s) up to #{cp.newest_id} were deleted since the "
            f"{cp.describe()}, and the chain recomputed"
        )
        return found
    return _closing(found, now, cp)


def _closing(found: Finding, now: events.Head, cp: Checkpoint | None = None) -> Finding:
    if found.intact:
        since = f"; {now.events - cp.events} added since the {cp.describe()}" if cp else ""
        found.lines.insert(0, f"intact: {now.events} events{since}")
    return found


def head_line(session: Session) -> str:
    """One line for a report or export: the log's head as this reader saw it."""
    h = events.head(session)
    stamp = f" at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    return f"Seen: {h.short()}{stamp}"
