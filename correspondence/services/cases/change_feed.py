"""Noticing other people's changes without a restart, and without Qt.

PostgreSQL: migration 0005 makes every write to the cases, their themes, drafts,
correspondents and campaigns `NOTIFY correspondence_changes` (payload: the table),
whoever the writer is. A `ChangeFeed` holds one connection of its own that LISTENs
and calls back.

SQLite: one dedicated read connection polls `PRAGMA data_version`, which moves
whenever another connection (this process's pool or another program) commits.

The callback runs on the feed's own thread: a UI hands it over to its GUI thread.

A change committed before the feed watches (while its connection is being made, or lost)
would never be announced: so each time the feed begins to watch after a lost connection,
or after `start()` stopped waiting for it, it calls back once with source "" ("something
may have changed").
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

CHANNEL = "correspondence_changes"
POLL_SECONDS = 1.0  # SQLite poll, and how often the PostgreSQL loop checks for stop()
RETRY_SECONDS = 5.0  # after a lost connection

log = logging.getLogger(__name__)

Callback = Callable[[str], None]


class ChangeFeed:
    """Calls `callback(source)` soon after another connection commits a change.

    `source` is the table name on PostgreSQL and "" on SQLite. Start with `start()`,
    end with `stop()`; errors (a server restart, a dropped database) are logged and
    retried, never raised into the thread.
    """

    def __init__(
        self,
        engine: Engine,
        callback: Callback,
        *,
        poll_seconds: float = POLL_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.engine = engine
        self.callback = callback
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.backend = engine.dialect.name
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._watching = False
        self._late = False  # start() returned before the feed watched

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, wait: float = 5.0) -> ChangeFeed:
        """Start listening; returns once the feed watches (or after `wait` seconds: a window
        passes 0, so that a distant server never holds its first paint)."""
        if self.backend not in ("postgresql", "sqlite") or self.running:
            return self
        self._stop.clear()
        self._ready.clear()
        with self._lock:
            self._watching = self._late = False
        target = self._listen_pg if self.backend == "postgresql" else self._poll_sqlite
        self._thread = threading.Thread(target=target, name="change-feed", daemon=True)
        self._thread.start()
        self._ready.wait(wait)
        with self._lock:
            # Either the feed sees this flag as it begins to watch, or it watched already.
            self._late = not self._watching
        return self

    def stop(self, wait: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait)
        self._thread = None

    def _begins_to_watch(self, first: bool) -> None:
        with self._lock:
            self._watching = True
            missed = self._late or not first
        self._ready.set()
        if missed:
            self._notify("")

    def _notify(self, source: str) -> None:
        try:
            self.callback(source)
        except Exception:  # a broken receiver must not kill the feed
            log.exception("change feed callback failed")

    # --- PostgreSQL ----------------------------------------------------------------
    def _conninfo(self) -> str:
        url = self.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _listen_pg(self) -> None:
        import psycopg

        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._begins_to_watch(first)
                    first = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.poll_seconds / 2):
                            self._notify(note.payload)
            except Exception as exc:  # noqa: BLE001 - any failure means: wait and reconnect
                if self._stop.is_set():
                    break
                log.warning("change feed lost its connection (%s); retrying", exc)
                self._ready.set()
                self._stop.wait(self.retry_seconds)

    # --- SQLite ----------------------------------------------------------------------
    def _poll_sqlite(self) -> None:
        path = self.engine.url.database
        if not path or path == ":memory:":
            self._ready.set()
            return  # an in-memory database has no other connections to watch
        conn: sqlite3.Connection | None = None
        last: int | None = None
        first = True
        try:
            while not self._stop.is_set():
                try:
                    if conn is None:
                        # mode=rw: never create an empty file where the database was.
                        uri = f"{Path(path).resolve().as_uri()}?mode=rw"
                        conn = sqlite3.connect(uri, uri=True, timeout=1)  # only ever reads
                        last = _data_version(conn)
                        self._begins_to_watch(first)
                        first = False
                    now = _data_version(conn)
                    if now != last:
                        last = now
                        self._notify("")
                except sqlite3.Error as exc:
                    log.warning("change feed could not read %s (%s); retrying", path, exc)
                    if conn is not None:
                        with contextlib.suppress(sqlite3.Error):
                            conn.close()
                    conn = None
                    self._ready.set()
                self._stop.wait(self.poll_seconds)
        finally:
            if conn is not None:
                conn.close()


def _data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])
