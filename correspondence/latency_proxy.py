"""A loopback TCP proxy that delays every chunk by a fixed time each way.

Put in front of a PostgreSQL server it turns a local database into a remote one (25 ms each
way is a 50 ms round trip), so the tests and benchmarks can count what a slow link costs a
person clicking through the window. Plain sockets and threads; no Qt, nothing to install.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from types import TracebackType

_CHUNK = 65536


class LatencyProxy:
    """Listens on 127.0.0.1 (``port`` once started) and forwards to ``target`` with a delay.

    Use as a context manager; ``round_trips`` counts the chunks sent towards the server,
    roughly one per query a client makes.
    """

    def __init__(self, target_host: str, target_port: int, delay_s: float = 0.025) -> None:
        self.target = (target_host, target_port)
        self.delay_s = delay_s
        self.round_trips = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    # --- the life of the proxy ---------------------------------------------------------
    def start(self) -> LatencyProxy:
        threading.Thread(target=self._accept, name="latency-proxy", daemon=True).start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                try:
                    s.close()
                except OSError:
                    pass

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- forwarding --------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
            self._pipe(client, server, count=True)
            self._pipe(server, client, count=False)

    def _pipe(self, source: socket.socket, sink: socket.socket, *, count: bool) -> None:
        """Read from ``source`` at once; deliver each chunk to ``sink`` ``delay_s`` later."""
        pending: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    data = source.recv(_CHUNK)
                except OSError:
                    data = b""
                pending.put((time.monotonic() + self.delay_s, data))
                if not data:
                    return
                if count:
                    self.round_trips += 1

        def write() -> None:
            while True:
                due, data = pending.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not data:
                    try:
                        sink.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                try:
                    sink.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()


__all__ = ["LatencyProxy"]
