"""the server enforces the roles and computes the event chain itself

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Events get a second hash format ("v2") that covers every column, ids included. Events
written before this migration keep the old digest; the setting `events_hash_v2_after`
records the newest id in the old format, so `audit verify` checks each event the way it
was written.

On PostgreSQL:

- A BEFORE INSERT trigger on `events` takes the chain lock, gives the event its id (the
  column default is dropped, so ids follow the chain's order), reads the previous hash and
  computes the new one. A client cannot choose the id, the chain or the hash.
- Once `correspondence server setup` has run (it replaces `desk_enforced()` with one that
  returns true), the same trigger also stamps who (the session's login, mapped through
  `users.db_login`) and when (`now()`), and refuses an event naming anyone else.
  Triggers on `cases`, `drafts` and `line_versions` refuse QA approval, sign-off,
  returning, and approving, rejecting or retiring a line version unless the login is in
  the matching group role (`desk_policy_lead`, `desk_private_secretary`, or `desk_admin`).
  Before setup (a single-login database, the tests, `init --demo`) they change nothing.
- `desk_create_login`, `desk_set_roles`, `desk_disable_login` and `desk_end_sessions` are
  SECURITY DEFINER functions, owned by the database owner (who has CREATEROLE), through
  which an admin manages logins; each checks that `session_user` is in `desk_admin`.
  The group roles and the grants themselves are made by `server setup`, which may create
  roles; a migration may not be able to.

SQLite needs only the marker: it is one person's file and the app computes the chain.

This file is frozen once released: the SQL is written out here, not imported.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MARKER = "events_hash_v2_after"
LOCK = 724001  # the advisory lock the client took before; the trigger takes it now

REFUSE = "USING ERRCODE = 'insufficient_privilege'"

PG_HELPERS = (
    # Replaced by `server setup` with one returning true; never by a migration again.
    "CREATE FUNCTION desk_enforced() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT false $$",
    """
CREATE FUNCTION desk_login_user_id() RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT id FROM users
    WHERE db_login = session_user::text OR (db_login IS NULL AND username = session_user::text)
    ORDER BY (db_login IS NULL) LIMIT 1
$$
""",
    f"""
CREATE FUNCTION desk_require(wanted text, doing text) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT desk_enforced() THEN
        RETURN;
    END IF;
    IF pg_has_role(session_user, 'desk_admin', 'MEMBER')
       OR pg_has_role(session_user, wanted, 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'refused by the database: the login % may not %: this needs the % role',
        session_user, doing, replace(substr(wanted, 6), '_', ' ') {REFUSE};
END
$$
""",
    # A column naming who did something (qa_by_id, approved_by_id ...) names the login's
    # own user, unless an admin sets it.
    f"""
CREATE FUNCTION desk_require_self(new_id integer, old_id integer, doing text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT desk_enforced() OR new_id IS NULL OR new_id IS NOT DISTINCT FROM old_id THEN
        RETURN;
    END IF;
    IF new_id IS DISTINCT FROM desk_login_user_id()
       AND NOT pg_has_role(session_user, 'desk_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'refused by the database: the login % may not % in another person''s name',
            session_user, doing {REFUSE};
    END IF;
END
$$
""",
)

PG_CASES = """
CREATE FUNCTION desk_check_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text;
BEGIN
    IF NOT desk_enforced() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        was := OLD.status;
    END IF;
    IF NEW.status IS DISTINCT FROM was THEN
        IF NEW.status = 'with_private_office' THEN
            PERFORM desk_require('desk_policy_lead', 'QA-approve a case');
        ELSIF NEW.status = 'signed_off' THEN
            PERFORM desk_require('desk_private_secretary', 'sign off a case');
        ELSIF was = 'in_qa' THEN
            PERFORM desk_require('desk_policy_lead', 'move a case out of QA');
        ELSIF was IN ('with_private_office', 'signed_off') AND NEW.status <> 'dispatched' THEN
            PERFORM desk_require('desk_private_secretary', 'return a case from the private office');
        END IF;
    END IF;
    IF (TG_OP = 'INSERT' AND (NEW.signed_off_on IS NOT NULL OR NEW.signature_method <> ''))
       OR (TG_OP = 'UPDATE' AND (NEW.signed_off_on IS DISTINCT FROM OLD.signed_off_on
                                 OR NEW.signature_method IS DISTINCT FROM OLD.signature_method))
    THEN
        PERFORM desk_require('desk_private_secretary', 'record a sign-off');
    END IF;
    RETURN NEW;
END
$$
"""

PG_DRAFTS = """
CREATE FUNCTION desk_check_draft() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text;
    old_qa integer;
    old_signed integer;
BEGIN
    IF NOT desk_enforced() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        was := OLD.status;
        old_qa := OLD.qa_by_id;
        old_signed := OLD.signed_off_by_id;
    END IF;
    IF NEW.status IS DISTINCT FROM was THEN
        IF was = 'signed_off' THEN
            PERFORM desk_require('desk_admin', 'change a signed-off draft');
        ELSIF NEW.status = 'with_private_office' THEN
            PERFORM desk_require('desk_policy_lead', 'QA-approve a draft');
        ELSIF NEW.status = 'signed_off' THEN
            PERFORM desk_require('desk_private_secretary', 'sign off a reply');
        ELSIF was = 'in_qa' AND NEW.status <> 'superseded' THEN
            PERFORM desk_require('desk_policy_lead', 'return a draft from QA');
        ELSIF was = 'with_private_office' AND NEW.status <> 'superseded' THEN
            PERFORM desk_require('desk_private_secretary',
                                 'return a draft from the private office');
        END IF;
    END IF;
    IF NEW.qa_by_id IS DISTINCT FROM old_qa THEN
        PERFORM desk_require('desk_policy_lead', 'record a QA approval');
        PERFORM desk_require_self(NEW.qa_by_id, old_qa, 'record a QA approval');
    END IF;
    IF NEW.signed_off_by_id IS DISTINCT FROM old_signed THEN
        PERFORM desk_require('desk_private_secretary', 'record a sign-off');
        PERFORM desk_require_self(NEW.signed_off_by_id, old_signed, 'record a sign-off');
    END IF;
    RETURN NEW;
END
$$
"""

PG_LINES = f"""
CREATE FUNCTION desk_check_line_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text;
    old_by integer;
BEGIN
    IF NOT desk_enforced() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        was := OLD.status;
        old_by := OLD.approved_by_id;
        IF NEW.body IS DISTINCT FROM OLD.body AND OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'refused by the database: version % of a standard line is %: '
                'its text can no longer be changed', OLD.number, OLD.status {REFUSE};
        END IF;
    END IF;
    IF NEW.status IS DISTINCT FROM was THEN
        IF NEW.status = 'approved' THEN
            PERFORM desk_require('desk_policy_lead', 'approve a standard line');
        ELSIF NEW.status = 'retired' THEN
            PERFORM desk_require('desk_policy_lead', 'retire a standard line');
        ELSIF NEW.status = 'rejected' THEN
            PERFORM desk_require('desk_policy_lead', 'reject a standard line');
        ELSIF was IN ('approved', 'retired', 'rejected') THEN
            PERFORM desk_require('desk_policy_lead', 'reopen a decided standard line');
        END IF;
    END IF;
    IF NEW.approved_by_id IS DISTINCT FROM old_by THEN
        PERFORM desk_require('desk_policy_lead', 'record who approved a standard line');
        PERFORM desk_require_self(NEW.approved_by_id, old_by, 'record a line approval');
    END IF;
    RETURN NEW;
END
$$
"""

PG_CHECK_TRIGGERS = (
    "CREATE TRIGGER cases_desk_roles BEFORE INSERT OR UPDATE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION desk_check_case()",
    "CREATE TRIGGER drafts_desk_roles BEFORE INSERT OR UPDATE ON drafts "
    "FOR EACH ROW EXECUTE FUNCTION desk_check_draft()",
    "CREATE TRIGGER line_versions_desk_roles BEFORE INSERT OR UPDATE ON line_versions "
    "FOR EACH ROW EXECUTE FUNCTION desk_check_line_version()",
)


def _pg_events(sequence: str) -> str:
    # The canonical text, field by field: "~" for NULL, else "<length>:<text>", joined by
    # "|" after "v2". services/events.py builds the identical text on SQLite and to verify.
    fields = (
        "NEW.id::text",
        "to_char(NEW.at, 'YYYY-MM-DD HH24:MI:SS.US')",
        "NEW.user_id::text",
        "NEW.username",
        "NEW.on_behalf_of",
        "NEW.entity",
        "NEW.entity_id::text",
        "NEW.case_id::text",
        "NEW.action",
        "NEW.field",
        "NEW.old_value",
        "NEW.new_value",
        "NEW.reason",
        "NEW.prev_hash",
    )
    canonical = " || '|' || ".join(f"desk_event_field({f})" for f in fields)
    return f"""
CREATE FUNCTION events_stamp_and_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    who_id integer;
    who_name text;
    prev text;
BEGIN
    IF desk_enforced() THEN
        -- As desk_login_user_id(), written out: this runs for every event of a bulk insert.
        SELECT id, username INTO who_id, who_name FROM users
        WHERE db_login = session_user::text OR (db_login IS NULL AND username = session_user::text)
        ORDER BY (db_login IS NULL) LIMIT 1;
        who_name := coalesce(who_name, session_user::text);
        IF coalesce(NEW.username, '') NOT IN ('', who_name)
           OR (NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM who_id) THEN
            RAISE EXCEPTION 'refused by the database: an event names the person who wrote it; '
                'the login % is %, not %', session_user, who_name,
                coalesce(nullif(NEW.username, ''), 'user #' || NEW.user_id) {REFUSE};
        END IF;
        IF coalesce(NEW.on_behalf_of, '') <> ''
           AND NOT pg_has_role(session_user, 'desk_admin', 'MEMBER') THEN
            RAISE EXCEPTION 'refused by the database: only an admin may act on behalf of %',
                NEW.on_behalf_of {REFUSE};
        END IF;
        IF coalesce(NEW.hash, '') <> '' OR coalesce(NEW.prev_hash, '') <> '' THEN
            RAISE EXCEPTION 'refused by the database: the server computes an event''s hash; '
                'insert events without prev_hash and hash' {REFUSE};
        END IF;
        NEW.user_id := who_id;
        NEW.username := who_name;
        NEW.at := now() AT TIME ZONE 'UTC';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        -- An older snapshot could miss the newest event and fork the chain.
        RAISE EXCEPTION 'events are written in READ COMMITTED transactions only';
    END IF;
    NEW.at := coalesce(NEW.at, now() AT TIME ZONE 'UTC');
    NEW.username := coalesce(nullif(NEW.username, ''), 'system');
    NEW.on_behalf_of := coalesce(NEW.on_behalf_of, '');
    PERFORM pg_advisory_xact_lock({LOCK});
    -- Under the lock, so ids follow the order of the chain.
    NEW.id := nextval('{sequence}');
    SELECT hash INTO prev FROM events ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(prev, '');
    NEW.hash := encode(sha256(convert_to('v2|' || {canonical}, 'UTF8')), 'hex');
    RETURN NEW;
END
$$
"""


PG_FIELD = """
CREATE FUNCTION desk_event_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '~' ELSE length(v)::text || ':' || v END
$$
"""

# --- logins, for admins only -------------------------------------------------------------

PG_ADMIN = (
    f"""
CREATE FUNCTION desk_require_admin(doing text) RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT desk_enforced() THEN
        RAISE EXCEPTION 'this database has no logins to manage yet: its owner runs '
            '"correspondence server setup" first' {REFUSE};
    END IF;
    IF NOT pg_has_role(session_user, 'desk_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'refused by the database: the login % may not %: this needs the admin role',
            session_user, doing {REFUSE};
    END IF;
END
$$
""",
    # A login the app may manage: not a superuser or anyone with powers beyond the app.
    f"""
CREATE FUNCTION desk_check_login(login text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    r pg_roles%ROWTYPE;
BEGIN
    IF login IS NULL OR length(login) NOT BETWEEN 1 AND 63 OR login LIKE 'desk\\_%' THEN
        RAISE EXCEPTION 'a login is 1 to 63 characters and does not start with desk_' {REFUSE};
    END IF;
    SELECT * INTO r FROM pg_roles WHERE rolname = login;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls THEN
        RAISE EXCEPTION 'refused by the database: % has powers beyond this app; '
            'the app does not manage it', login {REFUSE};
    END IF;
    RETURN true;
END
$$
""",
    # password_verifier is a SCRAM verifier computed by the client, never the password.
    f"""
CREATE FUNCTION desk_create_login(login text, password_verifier text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    existed boolean;
BEGIN
    PERFORM desk_require_admin('add logins');
    existed := desk_check_login(login);
    IF password_verifier IS NOT NULL AND password_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'a password is given as a SCRAM-SHA-256 verifier only' {REFUSE};
    END IF;
    IF NOT existed THEN
        EXECUTE format('CREATE ROLE %I LOGIN', login);
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN', login);
    END IF;
    IF password_verifier IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', login, password_verifier);
    END IF;
    RETURN NOT existed;
END
$$
""",
    f"""
CREATE FUNCTION desk_set_roles(login text, roles text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r text;
    known text[] := ARRAY['officer', 'drafter', 'policy_lead', 'private_secretary', 'admin'];
BEGIN
    PERFORM desk_require_admin('change roles');
    IF NOT desk_check_login(login) THEN
        RAISE EXCEPTION 'there is no login %', login {REFUSE};
    END IF;
    IF NOT roles <@ known THEN
        RAISE EXCEPTION 'unknown role in %; the roles are %', roles, known {REFUSE};
    END IF;
    FOREACH r IN ARRAY known LOOP
        IF r = ANY(roles) THEN
            EXECUTE format('GRANT %I TO %I', 'desk_' || r, login);
        ELSIF pg_has_role(login, 'desk_' || r, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', 'desk_' || r, login);
        END IF;
    END LOOP;
END
$$
""",
    f"""
CREATE FUNCTION desk_disable_login(login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r text;
BEGIN
    PERFORM desk_require_admin('disable logins');
    IF login = session_user::text THEN
        RAISE EXCEPTION 'you cannot disable your own login' {REFUSE};
    END IF;
    IF NOT desk_check_login(login) THEN
        RAISE EXCEPTION 'there is no login %', login {REFUSE};
    END IF;
    FOREACH r IN ARRAY ARRAY['officer', 'drafter', 'policy_lead', 'private_secretary', 'admin']
    LOOP
        IF pg_has_role(login, 'desk_' || r, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', 'desk_' || r, login);
        END IF;
    END LOOP;
    EXECUTE format('ALTER ROLE %I NOLOGIN', login);
END
$$
""",
    # Run after the NOLOGIN is committed, so a killed session cannot simply reconnect.
    f"""
CREATE FUNCTION desk_end_sessions(login text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ended integer := 0;
    p integer;
BEGIN
    PERFORM desk_require_admin('end sessions');
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND rolcanlogin) THEN
        RAISE EXCEPTION 'the login % is not disabled', login {REFUSE};
    END IF;
    FOR p IN SELECT pid FROM pg_stat_activity WHERE usename = login LOOP
        BEGIN
            IF pg_terminate_backend(p) THEN
                ended := ended + 1;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'the database owner may not end other sessions: the superuser '
                'grants it pg_signal_backend (see the README)' {REFUSE};
        END;
    END LOOP;
    RETURN ended;
END
$$
""",
)

ADMIN_FUNCTIONS = (
    "desk_create_login(text, text)",
    "desk_set_roles(text, text[])",
    "desk_disable_login(text)",
    "desk_end_sessions(text)",
)

PG_DOWN = (
    "DROP TRIGGER IF EXISTS events_stamp_and_chain ON events",
    "DROP TRIGGER IF EXISTS cases_desk_roles ON cases",
    "DROP TRIGGER IF EXISTS drafts_desk_roles ON drafts",
    "DROP TRIGGER IF EXISTS line_versions_desk_roles ON line_versions",
    *(f"DROP FUNCTION IF EXISTS {f}" for f in ADMIN_FUNCTIONS),
    "DROP FUNCTION IF EXISTS desk_check_login(text)",
    "DROP FUNCTION IF EXISTS desk_require_admin(text)",
    "DROP FUNCTION IF EXISTS events_stamp_and_chain()",
    "DROP FUNCTION IF EXISTS desk_event_field(text)",
    "DROP FUNCTION IF EXISTS desk_check_case()",
    "DROP FUNCTION IF EXISTS desk_check_draft()",
    "DROP FUNCTION IF EXISTS desk_check_line_version()",
    "DROP FUNCTION IF EXISTS desk_require_self(integer, integer, text)",
    "DROP FUNCTION IF EXISTS desk_require(text, text)",
    "DROP FUNCTION IF EXISTS desk_login_user_id()",
    "DROP FUNCTION IF EXISTS desk_enforced()",
)


def upgrade() -> None:
    bind = op.get_bind()
    # Events up to here keep the old digest; newer ones are "v2".
    newest = bind.execute(text("SELECT coalesce(max(id), 0) FROM events")).scalar()
    bind.execute(text("DELETE FROM settings WHERE key = :k"), {"k": MARKER})
    bind.execute(
        text("INSERT INTO settings (key, value) VALUES (:k, :v)"), {"k": MARKER, "v": str(newest)}
    )
    if bind.dialect.name != "postgresql":
        return
    sequence = bind.execute(text("SELECT pg_get_serial_sequence('events', 'id')")).scalar()
    assert sequence is not None  # events.id is a serial column
    for sql in PG_HELPERS:
        op.execute(sql)
    op.execute(PG_FIELD)
    op.execute(_pg_events(sequence))
    op.execute("ALTER TABLE events ALTER COLUMN id DROP DEFAULT")
    op.execute(
        "CREATE TRIGGER events_stamp_and_chain BEFORE INSERT ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_stamp_and_chain()"
    )
    for sql in (PG_CASES, PG_DRAFTS, PG_LINES, *PG_CHECK_TRIGGERS, *PG_ADMIN):
        op.execute(sql)
    for fn in ADMIN_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        sequence = bind.execute(text("SELECT pg_get_serial_sequence('events', 'id')")).scalar()
        for sql in PG_DOWN:
            op.execute(sql)
        op.execute(f"ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    bind.execute(text("DELETE FROM settings WHERE key = :k"), {"k": MARKER})
