"""A minimal Outlook .msg writer (an OLE compound file of version 3), for tests only.

Enough of the format for extract-msg to open a message: the streams named by MAPI
property (`__substg1.0_XXXXYYYY`) and a `__properties_version1.0` header. Streams under
4,096 bytes live in the mini stream, as the format requires.
"""

from __future__ import annotations

import struct

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NO_STREAM = 0xFFFFFFFF


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # 1: black (the tree is not checked)
        + struct.pack("<III", NO_STREAM, right, child)  # left, right, child
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state
        + b"\0" * 16  # created, modified
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` at its root (names as extract-msg looks them up)."""
    names = sorted(streams)
    mini_stream = b""
    big: list[tuple[str, bytes]] = []
    starts: dict[str, int] = {}
    minifat: list[int] = []
    for name in names:
        data = streams[name]
        if not data:
            starts[name] = END_OF_CHAIN  # an empty stream owns no sector
        elif len(data) < CUTOFF:
            first = len(mini_stream) // MINI
            count = max(1, -(-len(data) // MINI))
            starts[name] = first
            minifat.extend(range(first + 1, first + count))
            minifat.append(END_OF_CHAIN)
            mini_stream += _pad(data, MINI)
        else:
            big.append((name, data))

    # Regular sectors, after the FAT: directory, minifat, mini stream, big streams.
    blobs: list[tuple[str, bytes]] = []
    directory = b""
    blobs.append(("<dir>", b""))  # filled in below, once starts are known
    blobs.append(("<minifat>", _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR)))
    blobs.append(("<mini>", _pad(mini_stream, SECTOR)))
    for name, data in big:
        blobs.append((name, _pad(data, SECTOR)))
    entries = len(names) + 1
    dir_bytes = _pad(b"\0" * 128 * entries, SECTOR)
    blobs[0] = ("<dir>", dir_bytes)

    sizes = [len(b) // SECTOR for _, b in blobs]
    data_sectors = sum(sizes)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < data_sectors + fat_sectors:
        fat_sectors += 1
    fat: list[int] = [FAT_SECTOR] * fat_sectors
    first_of: dict[str, int] = {}
    for (name, _), count in zip(blobs, sizes, strict=True):
        first_of[name] = len(fat)
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(END_OF_CHAIN)
    fat.extend([FREE] * (fat_sectors * (SECTOR // 4) - len(fat)))

    # Root's children: a chain of right siblings.
    records = [
        _entry(
            "Root Entry",
            5,
            1 if names else NO_STREAM,
            NO_STREAM,
            first_of["<mini>"] if mini_stream else END_OF_CHAIN,
            len(mini_stream),
        )
    ]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NO_STREAM
        start = starts[name] if name in starts else first_of[name]
        records.append(_entry(name, 2, NO_STREAM, right, start, len(streams[name])))
    directory = _pad(b"".join(records), SECTOR)
    blobs[0] = ("<dir>", directory)

    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<II", 0, fat_sectors)
        + struct.pack("<II", first_of["<dir>"], 0)
        + struct.pack("<I", CUTOFF)
        + struct.pack(
            "<II", first_of["<minifat>"] if minifat else END_OF_CHAIN, len(minifat) and sizes[1]
        )
        + struct.pack("<II", END_OF_CHAIN, 0)
        + struct.pack("<109I", *difat)
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + b"".join(b for _, b in blobs)
    return header + body


def _unicode(text: str) -> bytes:
    return text.encode("utf-16-le")


def outlook_message(
    subject: str,
    body: str | None,
    sender: str = "Ruth Pryce <ruth.pryce@example.org>",
    *,
    rtf: bytes | None = None,
) -> bytes:
    """An Outlook message with a subject, a plain body (or none) and optionally an RTF one."""
    streams = {
        "__substg1.0_001A001F": _unicode("IPM.Note"),
        "__substg1.0_0037001F": _unicode(subject),
        "__substg1.0_0C1A001F": _unicode(sender.split(" <")[0]),
        "__substg1.0_0C1F001F": _unicode(sender.split("<")[-1].rstrip(">")),
        "__substg1.0_1035001F": _unicode(f"<msg-{sum(subject.encode())}@example.org>"),
        "__properties_version1.0": b"\0" * 32,
    }
    if body is not None:
        streams["__substg1.0_1000001F"] = _unicode(body)
    if rtf is not None:
        streams["__substg1.0_10090102"] = rtf
    return compound_file(streams)
