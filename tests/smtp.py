"""A real SMTP server on loopback (aiosmtpd) for the email tests, with ways to misbehave."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """What the server received, and how it should misbehave."""

    received: list[bytes] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    drop_after_data: int = 0  # this many messages are taken, then the line drops before 250

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(raw, policy=default) for raw in self.received]

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.original_content or envelope.content)
        if self.drop_after_data > 0:
            self.drop_after_data -= 1
            # The message is here, but the client never hears so: the classic unknown outcome.
            server.transport.abort()
            return "421 closing"
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outward_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


class LoopbackSmtp:
    def __init__(self, hostname: str = "127.0.0.1") -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname=hostname, port=self.port)

    def __enter__(self) -> LoopbackSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"
