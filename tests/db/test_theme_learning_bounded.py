"""The theme model reads each theme's newest confirmed letters, never all of them.

In a long-standing office every letter ever triaged is a confirmed one; the model is rebuilt
by each officer's next triage view after anyone confirms a theme, so it must read at most
LEARN_SAMPLE letters a theme, from the top of migration 0018's index."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import Engine, text

from correspondence.database import Database
from correspondence.db import migrate
from correspondence.db.session import make_engine
from correspondence.services.triage import theme_suggest
from correspondence.services.triage.theme_model import tokenize
from correspondence.services.triage.triage import Triage, TriageDecision
from correspondence.services.unit_of_work import acting_as
from tests.factories import desk_for, log_letter, member_of_public

TODAY = dt.date(2026, 11, 23)
WORDS = ["quillfeather", "marrowgate", "tumbleweir", "copperkettle", "saltmarsh", "larkhollow"]


def _confirm_letters(db: Database, texts: list[str], code: str) -> None:
    """Each letter logged, then its theme confirmed by an officer, oldest first."""
    desk = desk_for(db, "a.okoro", TODAY)
    triage = Triage(acting_as(db.session_factory, "a.okoro"), clock=lambda: TODAY)
    for i, letter in enumerate(texts):
        ref = log_letter(
            desk,
            received_on=TODAY,
            correspondent=member_of_public("Writer", f"Number{i}"),
            letter_text=letter,
        )
        triage.apply(desk.find_reference(ref), TriageDecision(themes=[code]), finish=False)


def _terms(model: theme_suggest.Model, code: str) -> set[str]:
    [profile] = [p for p in model.profiles if p.code == code]
    return set(profile.weights)


def test_each_theme_learns_from_its_newest_letters_with_text(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(theme_suggest, "LEARN_SAMPLE", 3)
    letters = [f"I write about {word} and {word} again." for word in WORDS]
    _confirm_letters(db, [*letters, ""], "SMACK")  # the newest has no text: it takes no place
    with db.session_factory() as s:
        model = theme_suggest.build_model(s)
    assert model.confirmed_letters == 3
    learned = _terms(model, "SMACK")
    newest = {t for w in WORDS[3:] for t in tokenize(w).terms}
    oldest = {t for w in WORDS[:3] for t in tokenize(w).terms}
    assert newest <= learned
    assert not oldest & learned


def _plan(engine: Engine) -> str:
    sql = (
        "SELECT c.letter_text FROM case_themes ct JOIN cases c ON c.id = ct.case_id"
        " WHERE ct.theme_id = 1 AND ct.source = 'officer' AND ct.confirmed_at IS NOT NULL"
        " AND c.letter_text != '' ORDER BY ct.confirmed_at DESC LIMIT 400"
    )
    engine.dispose()  # a connection of its own: one that planned before knows the old schema
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        # A test database is small: tell the planner to prefer what a big one would.
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_sort = off"))
        return " ".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))


def test_0018_reads_from_the_index_and_downgrades_and_upgrades_again(db: Database) -> None:
    _confirm_letters(db, ["About marrowgate."], "SMACK")
    engine = make_engine(db.engine.url.render_as_string(hide_password=False))
    try:
        plan = _plan(engine)
        assert "ix_case_themes_confirmed" in plan, plan
        assert "TEMP B-TREE" not in plan.upper() or "ORDER BY" not in plan.upper(), plan
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0017")
        assert "ix_case_themes_confirmed" not in _plan(engine)
        with db.session_factory() as s:  # the model still builds on the schema before
            assert theme_suggest.build_model(s).confirmed_letters == 1
        migrate.upgrade(engine)
        assert migrate.is_at_head(engine)
        assert "ix_case_themes_confirmed" in _plan(engine)
    finally:
        engine.dispose()
    _confirm_letters(db, ["About tumbleweir."], "SMACK")
    with db.session_factory() as s:
        assert theme_suggest.build_model(s).confirmed_letters == 2
