"""The loopback proxy adds its delay each way and carries every byte unchanged."""

from __future__ import annotations

import socket
import threading
import time

from correspondence.latency_proxy import LatencyProxy


def _echo_server() -> tuple[socket.socket, int]:
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_a_round_trip_through_the_proxy_takes_both_delays_and_keeps_the_bytes() -> None:
    listener, port = _echo_server()
    with LatencyProxy("127.0.0.1", port, delay_s=0.05) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port)) as conn:
            payload = bytes(range(256)) * 1000
            started = time.monotonic()
            conn.sendall(payload)
            got = b""
            while len(got) < len(payload):
                got += conn.recv(65536)
            elapsed = time.monotonic() - started
    listener.close()
    assert got == payload
    assert elapsed >= 0.1  # 50 ms there and 50 ms back
    assert proxy.round_trips >= 1
