"""The unit of work: one transaction, the person acting, and errors written for people.

Every use case runs inside one:

    with self.uow.begin() as uow:      # a write: commits at the end, rolls back on error
        cases.move(uow.session, uow.actor, ...)
    with self.uow.read() as uow:       # a read: never commits
        return case_list.list_page(uow.session, ...)

Who is acting is settled once, when the factory is made, by the one rule in
`actors.resolve_identity`: `UnitOfWorkFactory.connect` is how the command line
(`commands/shared.py`) and the window (`ui/application.py`) make theirs, so neither can
skip the rule. Each unit of work then loads that person as they are now (roles, still
active). A domain rule's refusal (`DomainError`) leaves as a `ServiceError`, the one
family the window and the command line catch.

The model is cosmicpython's `service_layer/unit_of_work.py`.
"""

from __future__ import annotations

import secrets
import sys
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool

from correspondence.db.session import SessionFactory, begin_with, hold_loaded_rows
from correspondence.domain.errors import DomainError
from correspondence.services.actors import (
    Actor,
    Identity,
    actor_from_rows,
    actor_query,
    default_username,
    ensure_user,
    load_actor,
    resolve_identity,
)
from correspondence.services.errors import ConflictError, PasswordRefused, RuleRefused


class UnitOfWork:
    """One transaction of one use case; `session` and `actor` are valid inside `with`."""

    def __init__(self, factory: UnitOfWorkFactory, *, write: bool) -> None:
        self.factory = factory
        self.write = write
        self._context: AbstractContextManager[Session] | None = None
        self._session: Session | None = None
        self._actor: Actor | None = None
        self._actor_rows: list[tuple[Any, ...]] | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("a unit of work's session is used only inside `with`")
        return self._session

    @property
    def actor(self) -> Actor:
        """The person acting, loaded once per unit of work (a disabled account is refused)."""
        if self._actor is None:
            if self._actor_rows is not None:
                rows, self._actor_rows = self._actor_rows, None
                self._actor = actor_from_rows(self.factory.identity, rows)
            else:
                self._actor = load_actor(self.session, self.factory.identity)
        return self._actor

    def __enter__(self) -> UnitOfWork:
        sf = self.factory.session_factory
        # The project's SessionFactory.begin() takes SQLite's write lock at BEGIN;
        # its reading() reads PostgreSQL without a transaction (no BEGIN, no ROLLBACK).
        if self.write:
            self._context = sf.begin()
        elif isinstance(sf, SessionFactory):
            self._context = sf.reading()
        else:
            self._context = sf()
        self._session = self._context.__enter__()
        if self.write:
            try:
                self._begin(self._session)
            except BaseException:
                self.__exit__(*sys.exc_info())
                raise
        return self

    def _begin(self, session: Session) -> None:
        """A write's first message (PostgreSQL): BEGIN with the question who is acting, as it
        is now, in the same transaction as before (so a role removed a moment ago is refused
        at this click). The answer is judged when `actor` is first asked for."""
        hold_loaded_rows(session)
        identity = self.factory.identity
        rows = begin_with(session, actor_query(identity))
        if rows is not None:  # as the server wrote them: the id, "t" or "f" for true, false
            self._actor_rows = [
                (int(r[0] or 0), r[1], r[2], r[3] == "t", r[4], _bool(r[5])) for r in rows
            ]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        context, self._context, self._session = self._context, None, None
        assert context is not None
        try:
            context.__exit__(exc_type, exc, tb)  # commits, or rolls back when exc is set
        except StaleDataError as at_commit:  # a row written last, by the commit's flush
            if exc is not None:
                raise
            exc = at_commit
        if isinstance(exc, DomainError):
            raise RuleRefused(str(exc)) from exc
        if isinstance(exc, StaleDataError):
            # Two people saved the same row at the same moment (the version checks passed
            # for both); the second is told so, as any other conflict, not with SQL.
            raise ConflictError(
                "Someone else saved this at the same moment, so nothing of yours was saved. "
                "Reload to see their changes, then try again."
            ) from exc


def _bool(text: str | None) -> bool | None:
    return None if text is None else text == "t"


class UnitOfWorkFactory:
    """Makes the units of work of one person on one database."""

    def __init__(self, session_factory: sessionmaker[Session], identity: Identity) -> None:
        self.session_factory = session_factory
        self.identity = identity

    # --- how one is made ----------------------------------------------------------------
    @classmethod
    def connect(
        cls, session_factory: sessionmaker[Session], requested: str | None = None
    ) -> UnitOfWorkFactory:
        """Apply the acting rule (actors.resolve_identity) once; PermissionDenied if refused."""
        with session_factory.begin() as s:
            identity = resolve_identity(s, requested)
        return cls(session_factory, identity)

    def switch_to(self, username: str) -> UnitOfWorkFactory:
        """The same database, with the rule applied again for `username` (switch user)."""
        return UnitOfWorkFactory.connect(self.session_factory, username)

    # --- using it -------------------------------------------------------------------------
    def begin(self) -> UnitOfWork:
        """A write: commits when the block ends normally, else rolls back."""
        return UnitOfWork(self, write=True)

    def read(self) -> UnitOfWork:
        """A read: the session never commits."""
        return UnitOfWork(self, write=False)

    @property
    def username(self) -> str:
        return self.identity.username

    @property
    def on_behalf_of(self) -> str:
        return self.identity.on_behalf_of

    @property
    def engine(self) -> Engine:
        bind = self.session_factory.kw.get("bind")
        assert isinstance(bind, Engine)
        return bind

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    # --- asking for the password again ----------------------------------------------------
    def password_needed(self) -> bool:
        """Does the server check this login's password? (Only PostgreSQL has logins.)

        Probed with a fresh connection carrying a password nobody has: the server lets it
        in only when it does not use passwords (trust, peer, certificates, GSSAPI). The
        probe's explicit password also keeps libpq from using `.pgpass` or PGPASSWORD.
        """
        if self.backend != "postgresql" or self.identity.login is None:
            return False
        return _refusal(self._fresh_login(secrets.token_urlsafe(24))) is not None

    def confirm_password(self, password: str | None) -> None:
        """Before an act that needs the person at the keyboard (signing off): a fresh
        connection as the login, with the password just typed, must succeed. The password
        is used for that one connection and kept nowhere."""
        if not self.password_needed():
            return
        login = self.identity.login
        if password is None:
            raise PasswordRefused(
                f"Signing off asks for the password of your database login {login!r} again."
            )
        refused = _refusal(self._fresh_login(password))
        if refused is not None:
            raise PasswordRefused(
                f"The password for the database login {login!r} was not accepted "
                f"({refused}); nothing was signed off."
            )

    def _fresh_login(self, password: str) -> Engine:
        url = self.engine.url.set(username=self.identity.login, password=password)
        return create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 15})


def _refusal(engine: Engine) -> str | None:
    """None when `engine` can connect; else the server's reason, in one line."""
    try:
        with engine.connect():
            return None
    except OperationalError as exc:
        return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    finally:
        engine.dispose()


def acting_as(
    session_factory: sessionmaker[Session], username: str | None = None
) -> UnitOfWorkFactory:
    """Units of work for a named user, added on first use, WITHOUT the connection rule.

    For code that owns its database outright: tests, benchmarks, the demo loader. The
    command line and the window use `UnitOfWorkFactory.connect` (a test checks that).
    """
    with session_factory.begin() as s:
        user = ensure_user(s, username or default_username())
        identity = Identity(user.id, user.username)
    return UnitOfWorkFactory(session_factory, identity)
