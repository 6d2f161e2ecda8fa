"""a bulk intake on SQLite fills the search index by batch and gives the sort keys itself

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Importing 10,000 letters spent most of its SQLite time in two per-row triggers on `cases`:
the full-text insert (0002), which indexes each new case with its own statement, and the
sort-key insert (0014), which writes each new row a second time to set its keys,
rewriting its entries in the sort indexes. Both stay, and keep every other writer exactly
as before; each gets a condition:

- `case_search_cases_ai` does nothing while the writing transaction holds a row
  'search_deferred' in `settings`. A bulk intake writes that row, inserts a batch, indexes
  the batch's cases in one statement and deletes the row, all in its one transaction
  (SQLite's write lock is held from BEGIN, so no other connection ever sees the row). A
  TEMP table, private to the connection, cannot be used: SQLite refuses a trigger of the
  main database that reads the temp one. Only the insert trigger is deferred: the import
  changes none of the new rows before they are indexed (a 'delete' of an entry never
  learnt would corrupt the index).
- `cases_sort_keys_ai` and `cases_sort_keys_au` run only when a key written differs from
  the one the names give. A writer that already gives the right keys (the import does)
  skips the second write; any other gets them set as before. Skipping changes nothing:
  the update would have written the same values, and no trigger listens to the keys.

PostgreSQL is untouched: 0013 already lets a bulk intake defer its search triggers, and
its sort-key trigger sets the keys on the row as it is written.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

DEFERRED_KEY = "search_deferred"

_LEARN = (
    "INSERT INTO case_search(rowid, reference, names, summary, body) "
    "SELECT id, reference, names, summary, body FROM case_search_source WHERE id = NEW.id;"
)
OLD_SEARCH_AI = f"CREATE TRIGGER case_search_cases_ai AFTER INSERT ON cases BEGIN {_LEARN} END"
SEARCH_AI = (
    "CREATE TRIGGER case_search_cases_ai AFTER INSERT ON cases "
    f"WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = '{DEFERRED_KEY}') "
    f"BEGIN {_LEARN} END"
)

_NAMES = (
    ("correspondent_sort", "(SELECT lower(display_name) FROM correspondents "
     "WHERE correspondents.id = NEW.correspondent_id)"),
    ("team_sort", "(SELECT lower(name) FROM teams WHERE teams.id = NEW.team_id)"),
    ("campaign_sort", "(SELECT lower(name) FROM campaigns WHERE campaigns.id = NEW.campaign_id)"),
)  # fmt: skip
_SET_KEYS = (
    "UPDATE cases SET "
    + ", ".join(f"{key} = coalesce({name}, '')" for key, name in _NAMES)
    + " WHERE id = NEW.id;"
)
_KEYS_WRONG = " OR ".join(f"NEW.{key} IS NOT coalesce({name}, '')" for key, name in _NAMES)
_CHANGED = (
    "NEW.correspondent_id IS NOT OLD.correspondent_id OR NEW.team_id IS NOT OLD.team_id "
    "OR NEW.campaign_id IS NOT OLD.campaign_id"
)
_AU = "AFTER UPDATE OF correspondent_id, team_id, campaign_id ON cases"

OLD_SORT = (
    f"CREATE TRIGGER cases_sort_keys_ai AFTER INSERT ON cases BEGIN {_SET_KEYS} END",
    f"CREATE TRIGGER cases_sort_keys_au {_AU} WHEN {_CHANGED} BEGIN {_SET_KEYS} END",
)
SORT = (
    f"CREATE TRIGGER cases_sort_keys_ai AFTER INSERT ON cases WHEN {_KEYS_WRONG} "
    f"BEGIN {_SET_KEYS} END",
    f"CREATE TRIGGER cases_sort_keys_au {_AU} WHEN ({_CHANGED}) AND ({_KEYS_WRONG}) "
    f"BEGIN {_SET_KEYS} END",
)
TRIGGERS = ("case_search_cases_ai", "cases_sort_keys_ai", "cases_sort_keys_au")


def _replace(statements: tuple[str, ...]) -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace((SEARCH_AI, *SORT))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace((OLD_SEARCH_AI, *OLD_SORT))
