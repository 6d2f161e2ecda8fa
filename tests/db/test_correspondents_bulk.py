"""Writers of a batch of imported letters, matched or added in bulk (`resolve_many`).

On SQLite the new writers go in one statement with the ids SQLite itself would give;
what an officer sees is the same as adding them one by one: each letter's writer, the
same writer once however many of their letters the batch holds, and the next batch
finding them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from correspondence.database import Database
from correspondence.db.models import Correspondent
from correspondence.services.people import correspondents
from correspondence.services.people.correspondents import Proposal

BATCH = [
    Proposal(name="Joan Abbott", email="joan.abbott@example.org"),
    Proposal(name="Ken Lowe MP", email="ken.lowe.mp@example.org"),
    Proposal(name="J. Abbott", email="JOAN.ABBOTT@example.org"),  # Joan again, by email
    Proposal(name="Asha Patel", postcode="sw1a 2aa", address_lines=("1 Main Street",)),
    Proposal(name="Asha Patel", postcode="SW1A 2AA"),  # Asha again, by name and postcode
    Proposal(),  # nobody named
    Proposal(name="Lord Reed of Allermuir", email="reed@example.org"),
]


def test_new_writers_are_added_once_each_in_order_and_found_again(db: Database) -> None:
    with db.session_factory() as s, s.begin():
        before = s.scalar(select(func.max(Correspondent.id))) or 0
        ids = correspondents.resolve_many(s, BATCH)
    # Joan twice, Asha twice; the four others new, numbered in the order first met.
    assert ids[0] == ids[2] and ids[3] == ids[4]
    new = sorted(set(ids))
    assert new == list(range(before + 1, before + 6))
    assert [ids[0], ids[1], ids[3], ids[5], ids[6]] == new
    with db.session_factory() as s:
        rows = {c.id: c for c in s.scalars(select(Correspondent).where(Correspondent.id.in_(new)))}
        assert rows[ids[0]].display_name == "Joan Abbott"
        assert rows[ids[0]].email == "joan.abbott@example.org"
        assert rows[ids[1]].kind == "mp" and rows[ids[1]].post_nominals == "MP"
        assert rows[ids[3]].postcode == "SW1A 2AA" and rows[ids[3]].address == "1 Main Street"
        assert rows[ids[6]].kind == "peer" and rows[ids[6]].peerage == "Lord Reed"
        assert all(c.version == 1 for c in rows.values())
    with db.session_factory() as s, s.begin():
        again = correspondents.resolve_many(s, [*BATCH[:5], BATCH[6]])
        assert s.scalar(select(func.max(Correspondent.id))) == new[-1]  # nobody added
    assert again == [*ids[:5], ids[6]]


def test_one_new_writer_alone(db: Database) -> None:
    with db.session_factory() as s, s.begin():
        before = s.scalar(select(func.max(Correspondent.id))) or 0
        (only,) = correspondents.resolve_many(s, [Proposal(name="Ruth Hale")])
        found, created = correspondents.find_or_add(s, Proposal(name="Owen Pryce"))
    assert (only, found, created) == (before + 1, before + 2, True)
