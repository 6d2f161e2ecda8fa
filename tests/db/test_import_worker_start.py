"""An import's worker process starts light: it is sent the theme model and reads letters
without loading SQLAlchemy or the database models (~0.3 s of CPU a worker saved), and
still suggests the themes the importer would."""

from __future__ import annotations

import datetime as dt
import email.message
from pathlib import Path

from correspondence.database import Database
from correspondence.services.intake import intake_workers, letter_sense
from correspondence.services.intake.file_reading import ParsedFile, parse_chunk
from correspondence.services.triage import theme_suggest

HEAVY = "sorted({m.split('.')[0] for m in __import__('sys').modules} & {'sqlalchemy', 'alembic'})"
OURS = "sorted(m for m in __import__('sys').modules if m.startswith('correspondence.db'))"
LETTER = (
    "Dear Minister\n\nSocial work caseloads are too high and recruitment and training of "
    "social workers must improve after the Social Work Task Force.\n\nYours\nJoan Abbott\n"
)


def test_a_worker_reads_letters_and_scores_themes_without_the_database_layer(
    db: Database, tmp_path: Path
) -> None:
    msg = email.message.EmailMessage()
    msg["From"] = "Joan Abbott <joan@example.org>"
    msg["Subject"] = "Caseloads"
    msg.set_content(LETTER)
    path = tmp_path / "one.eml"
    path.write_bytes(msg.as_bytes())
    with db.session_factory() as s:
        model = theme_suggest.model_for(s)
    sense = letter_sense.sense_for(model)
    pool = intake_workers.start_pool(1, (letter_sense.start_worker, sense))
    try:
        ((_, parsed, reason, _),) = pool.submit(
            parse_chunk, [path], dt.date(2026, 11, 23), 10**7
        ).result()
        heavy = pool.submit(eval, HEAVY).result()
        ours = pool.submit(eval, OURS).result()
    finally:
        pool.shutdown()
    assert reason is None and isinstance(parsed, ParsedFile)
    assert parsed.themes == sense.themes(parsed.text) and parsed.themes
    assert heavy == [] and ours == []
