"""sort keys kept on the case, so every sort of the list walks an index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Sorting a million cases by correspondent, team or campaign took 0.4–2 s: the name comes
through a join and no index gives its order. Each case now carries the name it sorts by,
lower-cased so the order ignores capitals, with an index on `(key, id)` that also serves
the keyset of the next page:

- `cases.correspondent_sort` = lower(correspondents.display_name), '' without one;
- `cases.team_sort` = lower(teams.name), '' without a team;
- `cases.campaign_sort` = lower(campaigns.name), '' outside a campaign.

An empty key sorts first going up and last going down. Triggers keep the keys right in
the writer's own transaction, whoever writes (the services, bulk intake, a raw insert):
on a case's insert, and on an update of its correspondent, team or campaign; and on a
rename of a correspondent, team or campaign, which rewrites the keys of its cases. On
PostgreSQL the functions run as the caller: every login may read the names and write
`cases` (server setup's grants), so an officer's rename or assignment keeps working.

Sorting by status had no `(status, id)` index on PostgreSQL (SQLite's status index ends
in the rowid, which is the id); it gets one on both.

A plain ADD COLUMN, not a batch copy: a copy of `cases` would drop the full-text
triggers. This file is frozen once released: the SQL is written out here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

KEYS = ("correspondent_sort", "team_sort", "campaign_sort")
INDEXES = (
    ("ix_cases_correspondent_sort", "correspondent_sort"),
    ("ix_cases_team_sort", "team_sort"),
    ("ix_cases_campaign_sort", "campaign_sort"),
    ("ix_cases_status_id", "status"),
)

# The name each key comes from, as a scalar subquery over the case's foreign key.
NAME_OF = {
    "correspondent_sort": "(SELECT lower(display_name) FROM correspondents "
    "WHERE correspondents.id = {row}.correspondent_id)",
    "team_sort": "(SELECT lower(name) FROM teams WHERE teams.id = {row}.team_id)",
    "campaign_sort": "(SELECT lower(name) FROM campaigns WHERE campaigns.id = {row}.campaign_id)",
}


def _keys_of(row: str) -> str:
    return ", ".join(f"{key} = coalesce({NAME_OF[key].format(row=row)}, '')" for key in KEYS)


FILL = f"UPDATE cases SET {_keys_of('cases')}"

# Renames: (table, name column, the case's foreign key, the key it feeds).
RENAMES = (
    ("correspondents", "display_name", "correspondent_id", "correspondent_sort"),
    ("teams", "name", "team_id", "team_sort"),
    ("campaigns", "name", "campaign_id", "campaign_sort"),
)

# SQLite: a trigger cannot change NEW, so the row is updated after it is written. The
# update names only the key columns, which no other trigger on `cases` listens to.
_CHANGED = (
    "NEW.correspondent_id IS NOT OLD.correspondent_id OR NEW.team_id IS NOT OLD.team_id "
    "OR NEW.campaign_id IS NOT OLD.campaign_id"
)
SQLITE_TRIGGERS = [
    (
        "cases_sort_keys_ai",
        "AFTER INSERT ON cases",
        f"UPDATE cases SET {_keys_of('NEW')} WHERE id = NEW.id;",
    ),
    (
        "cases_sort_keys_au",
        f"AFTER UPDATE OF correspondent_id, team_id, campaign_id ON cases WHEN {_CHANGED}",
        f"UPDATE cases SET {_keys_of('NEW')} WHERE id = NEW.id;",
    ),
    *(
        (
            f"{table}_sort_key_au",
            f"AFTER UPDATE OF {name} ON {table} WHEN NEW.{name} IS NOT OLD.{name}",
            f"UPDATE cases SET {key} = coalesce(lower(NEW.{name}), '') WHERE {fk} = NEW.id;",
        )
        for table, name, fk, key in RENAMES
    ),
]

# PostgreSQL: a BEFORE trigger sets the keys on the row being written.
PG_CASE_FUNCTION = f"""
CREATE FUNCTION cases_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.correspondent_id IS DISTINCT FROM OLD.correspondent_id THEN
        NEW.correspondent_sort := coalesce({NAME_OF["correspondent_sort"].format(row="NEW")}, '');
    END IF;
    IF TG_OP = 'INSERT' OR NEW.team_id IS DISTINCT FROM OLD.team_id THEN
        NEW.team_sort := coalesce({NAME_OF["team_sort"].format(row="NEW")}, '');
    END IF;
    IF TG_OP = 'INSERT' OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id THEN
        NEW.campaign_sort := coalesce({NAME_OF["campaign_sort"].format(row="NEW")}, '');
    END IF;
    RETURN NEW;
END
$$
"""
PG_CASE_TRIGGER = (
    "CREATE TRIGGER cases_sort_keys BEFORE INSERT OR UPDATE OF correspondent_id, team_id, "
    "campaign_id ON cases FOR EACH ROW EXECUTE FUNCTION cases_sort_keys()"
)


def _pg_rename(table: str, name: str, fk: str, key: str) -> tuple[str, str]:
    function = f"""
CREATE FUNCTION {table}_sort_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET {key} = coalesce(lower(NEW.{name}), '') WHERE {fk} = NEW.id;
    RETURN NULL;
END
$$
"""
    trigger = (
        f"CREATE TRIGGER {table}_sort_key AFTER UPDATE OF {name} ON {table} FOR EACH ROW "
        f"WHEN (NEW.{name} IS DISTINCT FROM OLD.{name}) EXECUTE FUNCTION {table}_sort_key()"
    )
    return function, trigger


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for key in KEYS:
        op.add_column("cases", sa.Column(key, sa.String(300), nullable=False, server_default=""))
    op.execute(FILL)  # one set-based statement for the cases already there
    for name, column in INDEXES:
        op.create_index(name, "cases", [column, "id"])
    if dialect == "postgresql":
        op.execute(PG_CASE_FUNCTION)
        op.execute(PG_CASE_TRIGGER)
        for rename in RENAMES:
            for statement in _pg_rename(*rename):
                op.execute(statement)
    else:
        for name, when, body in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cases_sort_keys ON cases")
        op.execute("DROP FUNCTION IF EXISTS cases_sort_keys()")
        for table, *_rest in RENAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_sort_key ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_sort_key()")
    else:
        for name, _when, _body in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, _column in INDEXES:
        op.drop_index(name, "cases")
    # Not a batch copy (it would lose the triggers and expression indexes on cases).
    for key in KEYS:
        op.execute(f"ALTER TABLE cases DROP COLUMN {key}")
