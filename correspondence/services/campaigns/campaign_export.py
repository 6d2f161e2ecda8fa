"""Answering a campaign: its signed-off reply merged per member into Word letters.

One letter per open member (own addressee block, salutation and close, the body rendered
against that member's context; ``campaign_letters``) plus one combined document for
printing. The export can be cancelled and resumed, and survives a crash:

- every file is written under a hidden temporary name and renamed into place only when
  whole (``export_workers``, which also runs the worker processes);
- a journal in the output folder gains a line per letter only after that letter's rename
  (``export_journal``), so a resumed export writes only what is missing;
- members are marked dispatched only once every letter and the combined file exist, in
  one transaction (``export_dispatch``); closed members are left out of the export.

Speed: letters are written by ``documents.fast_word`` (python-docx's layout, a frame built
once per letterhead) in two worker processes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from correspondence.documents.fast_word import clear_frames, combined_docx
from correspondence.services.actors import Role
from correspondence.services.campaigns.campaign_letters import (
    MemberLetter,
    member_letters,
    signed_off_reply,
)
from correspondence.services.campaigns.export_dispatch import mark_dispatched
from correspondence.services.campaigns.export_journal import (
    ExportRefused,
    Journal,
    letter_entry,
    open_journal,
)
from correspondence.services.campaigns.export_workers import (
    ShouldCancel,
    clear_stale_temps,
    write_batch,
    write_in_workers,
)
from correspondence.services.errors import ServiceError, ValidationError
from correspondence.services.unit_of_work import UnitOfWorkFactory

CHANNELS = ("post", "email", "hand")
CHUNK = 64  # letters per unit of work: the grain of progress, cancel and the journal
IN_PROCESS_BELOW = 300  # smaller exports are not worth starting worker processes for

Progress = Callable[[int, int, str], None]  # (letters done, letters in all, reference)


@dataclass(frozen=True)
class ExportResult:
    campaign_id: int
    out_dir: str
    total: int  # letters in the export
    written: int  # written by this run
    already_done: int  # found in the journal when resuming
    combined: str | None  # the print file, once every letter is written
    dispatched: int  # members marked dispatched by this run
    cancelled: bool
    left_out: tuple[str, ...] = ()  # closed members, not written to


def combined_file_name(campaign_id: int) -> str:
    return f"campaign-{campaign_id}-combined.docx"


def export_campaign(
    uow: UnitOfWorkFactory,
    campaign_id: int,
    out_dir: Path | str,
    *,
    resume: bool = False,
    channel: str = "post",
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    workers: int | None = None,
    today: dt.date | None = None,
    fast: bool = True,
) -> ExportResult:
    """Write one letter per open member and the combined print file, then mark the members
    dispatched. Cancelling stops after the letters in hand; ``resume=True`` carries on."""
    today = today or dt.date.today()
    if channel not in CHANNELS:
        raise ValidationError("Channel", f"choose one of {', '.join(CHANNELS)}")
    out = Path(out_dir).expanduser()
    clear_frames()  # frames carry their build time as the documents' creation time
    with uow.read() as work:
        s = work.session
        work.actor.require("send a campaign's letters", Role.OFFICER)
        draft = signed_off_reply(s, campaign_id)
        draft_id = draft.id
        letters, left_out = member_letters(s, campaign_id, today=today)
    previous = Journal.read(out) if out.is_dir() else None
    if previous is not None and previous.dispatched and previous.campaign_id == campaign_id:
        raise ExportRefused(f"{out} holds a finished export of this campaign")
    if not letters:
        raise ValidationError("Members", "the campaign has no open letters to answer")
    out.mkdir(parents=True, exist_ok=True)
    journal = open_journal(out, campaign_id, draft_id, resume)
    clear_stale_temps(out)

    total = len(letters)
    done_before = {m.reference for m in letters if journal.trusted(out, m.reference, m.filename)}
    pending = [m for m in letters if m.reference not in done_before]
    done = total - len(pending)
    if progress:
        progress(done, total, "")
    written = 0
    cancelled = False

    def record(batch: Sequence[MemberLetter]) -> None:
        nonlocal done, written
        journal.append(letter_entry(out, m) for m in batch)
        done += len(batch)
        written += len(batch)
        if progress:
            progress(done, total, batch[-1].reference)

    chunks = [pending[i : i + CHUNK] for i in range(0, len(pending), CHUNK)]
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    # Workers asked for by number are used whatever the size; by default only when it pays.
    if n_workers <= 1 or (workers is None and len(pending) < IN_PROCESS_BELOW):
        for chunk in chunks:
            if should_cancel and should_cancel():
                cancelled = True
                break
            write_batch(out, [(m.filename, m.spec) for m in chunk], fast)
            record(chunk)
    else:
        cancelled = write_in_workers(out, chunks, n_workers, fast, record, should_cancel)

    combined: str | None = None
    dispatched = 0
    if not cancelled:
        name = combined_file_name(campaign_id)
        data = combined_docx([m.spec for m in letters], fast=fast)
        from correspondence.documents.word import _write_atomically

        _write_atomically(out / name, data)
        journal.append([{"kind": "combined", "file": name}])
        combined = str(out / name)
        try:
            dispatched = mark_dispatched(uow, campaign_id, draft_id, letters, channel, today)
        except SQLAlchemyError as exc:
            from correspondence.db.health import storage_problem

            words = storage_problem(exc)
            if words is None:
                raise
            # Counted only once committed: no member is marked dispatched, and the report
            # says so rather than a number the database does not hold.
            raise ServiceError(
                f"The {total:,} letters are written in {out}, but no member could be marked "
                f"dispatched: {words}. Nothing was marked; once there is room, run the export "
                "again with resume to finish."
            ) from exc
        journal.append([{"kind": "dispatched", "count": dispatched, "on": today.isoformat()}])
    return ExportResult(
        campaign_id=campaign_id,
        out_dir=str(out),
        total=total,
        written=written,
        already_done=len(done_before),
        combined=combined,
        dispatched=dispatched,
        cancelled=cancelled,
        left_out=tuple(left_out),
    )


class CampaignExport:
    """The export bound to a database and the person running it (for the UI and CLI)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.uow = uow
        self.clock = clock

    def journal(self, out_dir: Path | str) -> Journal | None:
        return Journal.read(Path(out_dir))

    def run(
        self,
        campaign_id: int,
        out_dir: Path | str,
        *,
        resume: bool = False,
        channel: str = "post",
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        workers: int | None = None,
    ) -> ExportResult:
        return export_campaign(
            self.uow,
            campaign_id,
            out_dir,
            resume=resume,
            channel=channel,
            progress=progress,
            should_cancel=should_cancel,
            workers=workers,
            today=self.clock(),
        )
