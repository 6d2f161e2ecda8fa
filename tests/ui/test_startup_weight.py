"""Opening the window loads only what its first page needs.

The time from starting the app to the first page of cases is mostly Python importing
modules, so what each feature brings with it matters: the letter writer (python-docx,
Jinja), the mail desk, Alembic and the holiday calendars load with the action that needs
them, never with the window. A fresh process is started here because the test session has
long since imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from correspondence.database import Database

CHILD = """
import json, sys
from PySide6.QtWidgets import QApplication
from correspondence.database import open_database
from correspondence.services.desk import Desk
from correspondence.services.unit_of_work import acting_as
from correspondence.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])
database = open_database(sys.argv[1])
window = MainWindow(Desk(acting_as(database.session_factory, "a.okoro")), db_label="demo")
window.show()
app.processEvents()
print(json.dumps({"rows": window.model.rowCount(), "modules": sorted(sys.modules)}))
window.close()
database.close()
"""

# Each of these costs tens of milliseconds of start-up and is needed only by an action.
NOT_AT_START = [
    "docx",  # Word letters
    "jinja2",  # letter templates
    "alembic",  # upgrades: the schema is at head
    "holidays",  # the bank-holiday table is generated from it
    "lxml",
    "smtplib",
    "correspondence.services.replies.email_desk",
    "correspondence.services.drafting.drafting",
    "correspondence.services.campaigns.campaign_letters",
    "correspondence.documents.word",
]


def test_the_first_page_comes_without_the_letter_writer_or_the_mail_desk(
    demo_db: Database,
) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, demo_db.url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["rows"] > 0  # the first page is there
    loaded = set(out["modules"])
    assert [m for m in NOT_AT_START if m in loaded] == []
    if demo_db.engine.dialect.name == "sqlite":
        # The PostgreSQL dialect package (with asyncpg's adapter) is not needed for a file.
        assert "sqlalchemy.dialects.postgresql" not in loaded
