"""A throwaway PostgreSQL cluster for tests, started from the machine's own binaries.

`initdb` refuses to run as root, so when the tests run as root (CI containers)
the cluster belongs to an unprivileged OS user: `postgres` if the package made
it, else one created here. The data directory and the unix socket live in a
temporary folder; the server listens on a free loopback port only, trusts local
connections (it holds nothing but test data) and is thrown away at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

SKIP_REASON = "PostgreSQL server binaries not found (install the postgresql package)"
ENV_BIN = "CORRESPONDENCE_PG_BIN"  # a bindir to use instead of /usr/lib/postgresql/<ver>/bin
FALLBACK_OS_USER = "cdpgtest"
SUPERUSER = "postgres"
KEEP_RELEASED = 3  # test databases kept after their test ends (see PgServer.release)


def find_bindir() -> Path | None:
    """The newest PostgreSQL bindir with both `initdb` and `pg_ctl`, or None."""
    candidates: list[Path] = []
    if os.environ.get(ENV_BIN):
        candidates.append(Path(os.environ[ENV_BIN]))
    found = Path("/usr/lib/postgresql").glob("*/bin")

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    candidates += sorted(found, key=version, reverse=True)
    for on_path in (shutil.which("initdb"),):
        if on_path:
            candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _os_user_for_server() -> str | None:
    """None when we are not root (run as ourselves); else an unprivileged user to run as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_OS_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            FALLBACK_OS_USER,
        ],
        check=True,
        capture_output=True,
    )
    return FALLBACK_OS_USER


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    os_user: str | None
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _released: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A URL as a person types it (`postgresql://`); the app picks the driver."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    # --- running the binaries ---------------------------------------------------
    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kw: dict = {}
        if self.os_user is not None:
            pw = pwd.getpwnam(self.os_user)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(self.root)},
            timeout=120,
            **kw,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self.os_user is not None:
            pw = pwd.getpwnam(self.os_user)
            for p in (self.root, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        # Durability is worthless for test data; these make DDL and commits cheap.
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.socket_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        log = self.root / "server.log"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- administration ------------------------------------------------------------
    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname, autocommit=True
        )

    def execute(self, statement: str | sql.Composable, dbname: str = "postgres") -> None:
        with self.connect(dbname) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def new_name(self, prefix: str = "t") -> str:
        return f"{prefix}_{os.getpid()}_{next(self._names)}"

    def create_database(
        self, name: str, template: str | None = None, owner: str | None = None
    ) -> str:
        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            # The default WAL_LOG strategy avoids FILE_COPY's checkpoint: ~0.2 s vs ~0.4 s.
            stmt = sql.SQL("{} TEMPLATE {}").format(stmt, sql.Identifier(template))
        if owner:
            stmt = sql.SQL("{} OWNER {}").format(stmt, sql.Identifier(owner))
        self.execute(stmt)
        return name

    def create_owner(self, role: str) -> str:
        """A database owner as the README's superuser step makes one: a login that may
        create roles and end other sessions, nothing more. Kept until the server goes."""
        ident = sql.Identifier(role)
        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(ident))
                conn.execute(sql.SQL("GRANT pg_signal_backend TO {}").format(ident))
        return role

    def connect_as(self, user: str, dbname: str) -> psycopg.Connection:
        """A raw connection as `user`, as someone with psql would have."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=user, dbname=dbname, autocommit=True
        )

    def create_login(self, role: str, dbname: str) -> str:
        """A login role (cluster-wide, kept until the server goes) that may use `dbname`'s
        tables, as a team's admin would grant a colleague. Returns its URL to `dbname`."""
        ident = sql.Identifier(role)
        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        for grant in (
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
        ):
            self.execute(sql.SQL(grant).format(ident), dbname)
        return self.url(dbname, user=role)

    def require_password(self, role: str, dbname: str, password: str) -> str:
        """Make `role` prove itself with `password` (scram-sha-256) on loopback TCP to
        `dbname` only; every other login and database keeps trusting as before.

        pg_hba.conf is read top down and the first matching line wins, so one line put
        first changes nothing else. Returns the role's URL, without the password.
        """
        with self.connect() as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
            hba = Path(conn.execute("SHOW hba_file").fetchone()[0])  # type: ignore[index]
            line = f"host {dbname} {role} 127.0.0.1/32 scram-sha-256\n"
            hba.write_text(line + hba.read_text())  # rewritten in place: owner unchanged
            conn.execute("SELECT pg_reload_conf()")
        # The server rereads the file when it gets round to it: wait until it asks.
        for _ in range(100):
            try:
                psycopg.connect(
                    host="127.0.0.1", port=self.port, user=role, dbname=dbname, password="-"
                ).close()
            except psycopg.OperationalError:
                return self.url(dbname, user=role)
            time.sleep(0.05)
        raise RuntimeError(f"the server did not start asking {role} for a password")

    def sessions(self, dbname: str | None = None, user: str | None = None) -> int:
        """Client sessions open on the server (to `dbname`, as `user`), this one aside.

        A closed connection's server process ends a moment after the client lets go: a
        count above zero is read again for up to 5 s before it is believed."""
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid() AND datname = coalesce(%s, datname) "
            "AND usename = coalesce(%s, usename)"
        )
        deadline = time.monotonic() + 5
        with self.connect() as conn:
            while True:
                row = conn.execute(query, (dbname, user)).fetchone()
                count = int(row[0]) if row else 0
                if count == 0 or time.monotonic() > deadline:
                    return count
                time.sleep(0.05)

    def release(self, name: str) -> None:
        """Drop a test's database a few tests later, not at once.

        A window from a finished UI test can still fire a queued timer and query
        its database; dropping it at teardown would fail the *next* test.
        """
        self._released.append(name)
        while len(self._released) > KEEP_RELEASED:
            self.drop_database(self._released.pop(0))

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(bindir: Path, os_user: str | None, parent: str | None) -> None:
    """Stop and remove clusters left by test runs that were killed before their teardown."""
    for owner in Path(parent or tempfile.gettempdir()).glob("cd-pg-*/owner.pid"):
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            PgServer(bindir, owner.parent, 0, os_user).stop()


def start_server() -> PgServer:
    """Start a cluster; raises LookupError when this machine has no PostgreSQL binaries."""
    bindir = find_bindir()
    if bindir is None:
        raise LookupError(SKIP_REASON)
    os_user = _os_user_for_server()
    # Another OS user must reach the folder: $TMPDIR may be under root's home (0700).
    # A short path also keeps the unix socket under its ~107-byte limit.
    parent = "/tmp" if os_user is not None and Path("/tmp").is_dir() else None
    reap_orphans(bindir, os_user, parent)
    root = Path(tempfile.mkdtemp(prefix="cd-pg-", dir=parent))
    (root / "owner.pid").write_text(str(os.getpid()))  # see reap_orphans
    server = PgServer(bindir, root, free_port(), os_user)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
