"""An import holds the cyclic garbage collector back while it runs, and puts it back as it
was afterwards: the rest of the application collects as before, even after a failure."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from correspondence.database import Database
from correspondence.services.intake.file_import import COLLECT_AFTER
from correspondence.services.intake.intake import Intake
from correspondence.services.unit_of_work import acting_as

TODAY = dt.date(2026, 11, 23)


def _letters(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"letter{i}.txt").write_text(
            f"Dear Minister\n\nOur school needs a crossing, letter {i}.\n\nYours sincerely\n\n"
            "Ffion Marsh\n",
            encoding="utf-8",
        )
    return folder


def test_an_import_collects_less_often_while_it_runs_and_puts_the_collector_back(
    db: Database, tmp_path: Path
) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    during: list[int] = []
    result = Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY).import_paths(
        [_letters(tmp_path / "post", 3)], progress=lambda *_: during.append(gc.get_threshold()[0])
    )
    assert len(result.imported) == 3
    assert during and min(during) >= COLLECT_AFTER
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_the_collector_is_put_back_when_an_import_stops_with_an_error(
    db: Database, tmp_path: Path
) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Intake(acting_as(db.session_factory, "officer.one"), clock=lambda: TODAY).import_paths(
            [_letters(tmp_path / "post", 2)], progress=stop
        )
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
