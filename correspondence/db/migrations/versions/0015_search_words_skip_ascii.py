"""the search index's words skip the accent table for plain ASCII text (PostgreSQL)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Building a case's search document spent most of its time in `case_search_words()`
(0002): its `translate()` over the accent table looks every letter up in a table of
~150 accented letters, though nearly all letters are plain ASCII. The new definition
strips punctuation and lower-cases once, as before, and translates only when what is
left holds a character outside ASCII (one regular-expression scan); otherwise the
translate could change nothing, as every accented letter of the table is outside ASCII.
The test is made on the text after stripping and lower-casing, so a curly quote or a
pound sign (stripped as punctuation) does not send a letter down the slow path, and a
locale whose lower case of an ASCII letter is not ASCII (Turkish 'I' → 'ı') still gets
translated. The output is identical (tests/db/test_migration_0015.py compares both over
a varied corpus).

PL/pgSQL, not SQL: a SQL function that names its argument more than once is inlined
by copying the expression, which would strip the text two or three times; with a
subquery it is not inlined and runs through the slower SQL-function executor.

CREATE OR REPLACE keeps the function's owner and its grants (server setup's), and the
functions that call it need no change. SQLite is untouched: FTS5's own tokenizer
(unicode61 remove_diacritics) folds accents in C as it reads.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The accent table of 0002, unchanged (services/cases/search.py applies it to the query).
PG_ACCENTED = (
    "àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžſơưǎǐǒǔ"
    "ǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳøđłħıŧƀɨ"
)
PG_PLAIN = (
    "aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzsouaiou"
    "uuuuaagkoojgnaaaeeiioorruusthaeooooyodlhitbi"
)

# A regular expression rather than octet_length = char_length: as fast, and right in
# any server encoding (in SQL_ASCII every character is one byte, accented or not).
WORDS = rf"""
CREATE OR REPLACE FUNCTION case_search_words(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    w text := lower(regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g'));
BEGIN
    IF w !~ '[^\x01-\x7f]' THEN
        RETURN w;
    END IF;
    RETURN translate(w, '{PG_ACCENTED}', '{PG_PLAIN}');
END $$"""

OLD_WORDS = rf"""
CREATE OR REPLACE FUNCTION case_search_words(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g')),
                     '{PG_ACCENTED}', '{PG_PLAIN}')
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WORDS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(OLD_WORDS)
