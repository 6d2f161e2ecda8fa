"""indexes so the list filtered by status walks its sort order by a name

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

With a status filter, sorting by correspondent, team or campaign still sorted in memory
at a million cases: SQLite took the status index and sorted what it found (2.4 s for
`dispatched`, 95 % of the cases), and PostgreSQL walked the name's index past hundreds
of thousands of closed cases to find the open ones (0.1–0.5 s). Two kinds of index give
each planner the order directly:

- one status, `(status, key, id)` for each name: the equality on status leaves the rows
  in the name's order, and the keyset of the next page seeks within it;
- the open cases (the list's "open" filter), `(key, id) WHERE status IN (…open…)` for
  each name, and `(status, id)` over them for the sort by status. Partial indexes:
  about 1 % of an office's cases are open, so they are small and cost a write only
  while a case is open. The query must carry the very same condition, written out with
  the values in this order (services/cases/case_list.py: OPEN_SQL), or the planner
  cannot tell that the index covers it; on SQLite as `+status IN (…)`, which no status
  index can serve, or SQLite without statistics would look each open status up and
  sort what it found.

The "closed" filter (97 % of the cases) needs none: it walks the name's own index.

This file is frozen once released: the names and SQL are written out here.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = (
    "status IN ('drafting', 'in_qa', 'logged', 'returned', 'signed_off', 'triaged', "
    "'with_private_office')"
)
# SQLite: `+status`, as the list's query writes it there, so that no status index can
# serve the condition: without statistics (a desk's file is never analysed) SQLite
# would rather look each open status up and sort what it found.
OPEN_SQLITE = "+" + OPEN
KEYS = ("correspondent_sort", "team_sort", "campaign_sort")


def _indexes() -> list[tuple[str, list[str], str | None]]:
    """(name, columns, partial condition) of every index this revision adds."""
    out: list[tuple[str, list[str], str | None]] = []
    for key in KEYS:
        out.append((f"ix_cases_status_{key}", ["status", key, "id"], None))
    for key in KEYS:
        out.append((f"ix_cases_open_{key}", [key, "id"], OPEN))
    out.append(("ix_cases_open_status", ["status", "id"], OPEN))
    return out


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, columns, where in _indexes():
        if where is None:
            op.create_index(name, "cases", columns)
        else:
            # Written out: the condition's text must be the one the list's query uses.
            where = OPEN_SQLITE if sqlite else where
            op.execute(f"CREATE INDEX {name} ON cases ({', '.join(columns)}) WHERE {where}")
    if sqlite and _analysed():
        # A database analysed before has statistics for every other index; without
        # them for these the planner would guess their sizes and might pass them by.
        for name, _columns, _where in _indexes():
            op.execute(f"ANALYZE {name}")


def _analysed() -> bool:
    found = op.get_bind().exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    )
    return bool(found.scalar())


def downgrade() -> None:
    for name, _columns, _where in reversed(_indexes()):
        op.drop_index(name, "cases")
