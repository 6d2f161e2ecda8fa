"""full-text search over cases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

SQLite: an FTS5 index `case_search` whose external content is the view
`case_search_source` (reference, names, summary, body per case), so the letter
text is not stored twice. Triggers keep it in step with cases, correspondents
and constituents whoever writes them (imports, services, scripts). An
external-content index must be told the *old* text when a row changes, so each
change removes the old entry in a BEFORE trigger (the view still shows the old
text then) and adds the new one in an AFTER trigger.

PostgreSQL: a side table `case_search(case_id, document tsvector)` with a GIN
index, kept by the same triggers in PL/pgSQL. Reference and names use the
'simple' configuration (no stemming, no stop words: "Will" is a name), summary
and letter text 'english'.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# --- SQLite --------------------------------------------------------------------

# The reference is indexed with its parts ("2009/0007948POSoS 0007948 7948 POSoS")
# so a sequence number typed with or without its leading zeros finds the case.
SQLITE_SOURCE_VIEW = """
CREATE VIEW case_search_source AS
SELECT
    c.id AS id,
    c.reference || ' ' || printf('%07d', c.ref_sequence) || ' ' || c.ref_sequence
        || ' ' || c.office_code AS reference,
    coalesce(
        (SELECT p.display_name || ' ' || p.organisation
         FROM correspondents AS p WHERE p.id = c.correspondent_id), '')
    || ' ' || coalesce(
        (SELECT group_concat(n, ' ') FROM (
            SELECT k.title || ' ' || k.first_name || ' ' || k.last_name AS n
            FROM constituents AS k WHERE k.case_id = c.id ORDER BY k.id)), '') AS names,
    coalesce(c.summary, '') AS summary,
    coalesce(c.letter_text, '') AS body
FROM cases AS c
"""

SQLITE_INDEX = """
CREATE VIRTUAL TABLE case_search USING fts5(
    reference, names, summary, body,
    content='case_search_source', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
)
"""

_COLS = "reference, names, summary, body"


def _forget(where: str) -> str:
    """Remove index entries of the cases selected by `where` (run while the old text shows)."""
    return (
        f"INSERT INTO case_search(case_search, rowid, {_COLS}) "
        f"SELECT 'delete', id, {_COLS} FROM case_search_source WHERE {where};"
    )


def _learn(where: str) -> str:
    return (
        f"INSERT INTO case_search(rowid, {_COLS}) "
        f"SELECT id, {_COLS} FROM case_search_source WHERE {where};"
    )


_CASE_COLUMNS = "id, reference, ref_sequence, office_code, correspondent_id, summary, letter_text"
_NAME_CHANGED = (
    "OLD.display_name IS NOT NEW.display_name OR OLD.organisation IS NOT NEW.organisation"
)
_PERSON_COLUMNS = "case_id, title, first_name, last_name"

# (name, timing and event, body). Every BEFORE that forgets is paired with an AFTER
# that learns under the same condition: an unpaired 'delete' corrupts the index.
SQLITE_TRIGGERS: list[tuple[str, str, str]] = [
    ("case_search_cases_ai", "AFTER INSERT ON cases", _learn("id = NEW.id")),
    (
        "case_search_cases_bu",
        f"BEFORE UPDATE OF {_CASE_COLUMNS} ON cases",
        _forget("id = OLD.id"),
    ),
    ("case_search_cases_au", f"AFTER UPDATE OF {_CASE_COLUMNS} ON cases", _learn("id = NEW.id")),
    ("case_search_cases_bd", "BEFORE DELETE ON cases", _forget("id = OLD.id")),
    (
        "case_search_correspondents_bu",
        f"BEFORE UPDATE OF display_name, organisation ON correspondents WHEN {_NAME_CHANGED}",
        _forget("id IN (SELECT id FROM cases WHERE correspondent_id = OLD.id)"),
    ),
    (
        "case_search_correspondents_au",
        f"AFTER UPDATE OF display_name, organisation ON correspondents WHEN {_NAME_CHANGED}",
        _learn("id IN (SELECT id FROM cases WHERE correspondent_id = NEW.id)"),
    ),
    ("case_search_constituents_bi", "BEFORE INSERT ON constituents", _forget("id = NEW.case_id")),
    ("case_search_constituents_ai", "AFTER INSERT ON constituents", _learn("id = NEW.case_id")),
    ("case_search_constituents_bd", "BEFORE DELETE ON constituents", _forget("id = OLD.case_id")),
    ("case_search_constituents_ad", "AFTER DELETE ON constituents", _learn("id = OLD.case_id")),
    (
        "case_search_constituents_bu",
        f"BEFORE UPDATE OF {_PERSON_COLUMNS} ON constituents",
        _forget("id = OLD.case_id"),
    ),
    (
        "case_search_constituents_au",
        f"AFTER UPDATE OF {_PERSON_COLUMNS} ON constituents",
        _learn("id = OLD.case_id"),
    ),
    # A constituent moved to another case changes that case's names too.
    (
        "case_search_constituents_bu_new",
        "BEFORE UPDATE OF case_id ON constituents WHEN NEW.case_id IS NOT OLD.case_id",
        _forget("id = NEW.case_id"),
    ),
    (
        "case_search_constituents_au_new",
        "AFTER UPDATE OF case_id ON constituents WHEN NEW.case_id IS NOT OLD.case_id",
        _learn("id = NEW.case_id"),
    ),
]


# Renaming a correspondent re-indexes their cases: find them by index, not by scan.
# The status bar counts open, overdue and due-soon cases on every refresh: a
# covering index answers that from the few open rows instead of a million.
INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_cases_correspondent_id ON cases (correspondent_id)",
    "CREATE INDEX IF NOT EXISTS ix_cases_status_due ON cases (status, due_on)",
]


def _sqlite_upgrade() -> None:
    for statement in INDEXES:
        op.execute(statement)
    op.execute(SQLITE_SOURCE_VIEW)
    op.execute(SQLITE_INDEX)
    # The index's words, for turning a typed prefix into the few words it can be.
    op.execute("CREATE VIRTUAL TABLE case_search_vocab USING fts5vocab(case_search, 'row')")
    for name, when, body in SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    # Index the cases already there, then merge the segments for fast queries.
    op.execute("INSERT INTO case_search(case_search) VALUES ('rebuild')")
    op.execute("INSERT INTO case_search(case_search) VALUES ('optimize')")


def _sqlite_downgrade() -> None:
    for name, _when, _body in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS case_search_vocab")
    op.execute("DROP TABLE IF EXISTS case_search")
    op.execute("DROP VIEW IF EXISTS case_search_source")
    op.execute("DROP INDEX IF EXISTS ix_cases_status_due")
    op.execute("DROP INDEX IF EXISTS ix_cases_correspondent_id")


# --- PostgreSQL ----------------------------------------------------------------

# Lower-case Latin letters with accents and their plain forms (PostgreSQL has no
# built-in unaccent without an extension; FTS5 strips accents itself). The query
# side (services/cases/search.py) applies the same table.
PG_ACCENTED = (
    "àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžſơưǎǐǒǔ"
    "ǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳøđłħıŧƀɨ"
)
PG_PLAIN = (
    "aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzsouaiou"
    "uuuuaagkoojgnaaaeeiioorruusthaeooooyodlhitbi"
)

# Punctuation becomes spaces before parsing, as the query side does, so the
# parser never reads "2009/0007948POSoS" as a file path or an address as a URL.
# Reference, names, summary and letter are all 'english' (stemmed, stop words
# dropped, as in the query); the reference is also 'simple', for terms with digits.
PG_FUNCTIONS = [
    rf"""
CREATE FUNCTION case_search_words(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g')),
                     '{PG_ACCENTED}', '{PG_PLAIN}')
$$""",
    r"""
CREATE FUNCTION case_search_refresh(ids integer[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM case_search
    WHERE case_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.id = case_id);
    INSERT INTO case_search (case_id, document)
    SELECT d.id,
        setweight(to_tsvector('simple', d.ref) || to_tsvector('english', d.ref), 'A')
        || setweight(to_tsvector('english', d.names), 'B')
        || setweight(to_tsvector('english', d.summary), 'C')
        || to_tsvector('english', d.body)
    FROM (
        SELECT c.id,
            case_search_words(c.reference || ' ' || lpad(c.ref_sequence::text, 7, '0') || ' '
                || c.ref_sequence::text || ' ' || c.office_code) AS ref,
            case_search_words(
                coalesce((SELECT p.display_name || ' ' || p.organisation
                          FROM correspondents AS p WHERE p.id = c.correspondent_id), '')
                || ' ' || coalesce((SELECT string_agg(
                            k.title || ' ' || k.first_name || ' ' || k.last_name, ' '
                            ORDER BY k.id)
                          FROM constituents AS k WHERE k.case_id = c.id), '')) AS names,
            case_search_words(c.summary) AS summary,
            case_search_words(c.letter_text) AS body
        FROM cases AS c
        WHERE c.id = ANY(ids)
    ) AS d
    ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document;
$$""",
    r"""
CREATE FUNCTION case_search_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM case_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$""",
    r"""
CREATE FUNCTION case_search_on_correspondent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.display_name IS DISTINCT FROM NEW.display_name
       OR OLD.organisation IS DISTINCT FROM NEW.organisation THEN
        PERFORM case_search_refresh(
            ARRAY(SELECT id FROM cases WHERE correspondent_id = NEW.id));
    END IF;
    RETURN NULL;
END $$""",
    r"""
CREATE FUNCTION case_search_on_constituent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM case_search_refresh(ARRAY[NEW.case_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM case_search_refresh(ARRAY[OLD.case_id]);
    ELSE
        PERFORM case_search_refresh(ARRAY[OLD.case_id, NEW.case_id]);
    END IF;
    RETURN NULL;
END $$""",
]

PG_TRIGGERS = [
    """
CREATE TRIGGER case_search_cases AFTER INSERT OR UPDATE OF
    reference, ref_sequence, office_code, correspondent_id, summary, letter_text
    ON cases FOR EACH ROW EXECUTE FUNCTION case_search_on_case()""",
    """
CREATE TRIGGER case_search_correspondents AFTER UPDATE OF display_name, organisation
    ON correspondents FOR EACH ROW EXECUTE FUNCTION case_search_on_correspondent()""",
    """
CREATE TRIGGER case_search_constituents AFTER INSERT OR DELETE OR UPDATE OF
    case_id, title, first_name, last_name
    ON constituents FOR EACH ROW EXECUTE FUNCTION case_search_on_constituent()""",
]


def _pg_upgrade() -> None:
    for statement in INDEXES:
        op.execute(statement)
    op.execute(
        "CREATE TABLE case_search ("
        " case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,"
        " document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_case_search_document ON case_search USING gin (document)")
    for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
        op.execute(statement)
    op.execute("SELECT case_search_refresh(ARRAY(SELECT id FROM cases))")


def _pg_downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_search_cases ON cases")
    op.execute("DROP TRIGGER IF EXISTS case_search_correspondents ON correspondents")
    op.execute("DROP TRIGGER IF EXISTS case_search_constituents ON constituents")
    for fn in (
        "case_search_on_case()",
        "case_search_on_correspondent()",
        "case_search_on_constituent()",
        "case_search_refresh(integer[])",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP TABLE IF EXISTS case_search")
    op.execute("DROP FUNCTION IF EXISTS case_search_words(text)")
    op.execute("DROP INDEX IF EXISTS ix_cases_status_due")
    op.execute("DROP INDEX IF EXISTS ix_cases_correspondent_id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_downgrade()
    else:
        _sqlite_downgrade()
