"""The per-file limits themselves: a time limit that reaches any thread, even through a
parser that swallows every exception, and that never fires after it is left."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from correspondence.documents import limits
from correspondence.documents.extract import extract


def _stubborn_parser() -> None:
    while True:
        try:
            sum(range(1000))
        except Exception:  # noqa: BLE001, S110 - as careless library code does
            pass


@pytest.mark.parametrize("in_thread", [False, True], ids=["main thread", "worker thread"])
def test_a_file_that_takes_too_long_is_stopped_with_a_reason(in_thread: bool) -> None:
    caught: list[BaseException] = []

    def run() -> None:
        try:
            with limits.time_limit(0.3):
                _stubborn_parser()
        except limits.FileTimedOut as exc:
            caught.append(exc)

    started = time.monotonic()
    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(10)
    else:
        run()
    assert time.monotonic() - started < 5
    assert "took more than 0.3 seconds" in str(caught[0])


def test_a_limit_left_in_time_never_fires_later() -> None:
    for _ in range(2000):
        with limits.time_limit(0.05):
            pass
    with limits.time_limit(0.2):
        time.sleep(0.1)
    time.sleep(0.6)  # the watchdog has had its chances


def test_reading_stops_at_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2_000_001)
    with pytest.raises(limits.LimitExceeded, match="MB limit"):
        limits.read_capped(big, 2_000_000)
    assert len(limits.read_capped(big, 2_000_001)) == 2_000_001


def test_text_beyond_the_letter_limit_is_cut_with_a_note() -> None:
    body = ("Dear Minister, café " * 40_000).encode("utf-8")  # 800,000 characters
    got = extract("long.txt", body)
    assert len(got.text) < limits.MAX_LETTER_CHARS + 300
    assert got.text.startswith("Dear Minister, café")
    assert "The whole file is kept" in got.text


def test_a_word_package_of_thousands_of_parts_is_refused_before_it_is_opened() -> None:
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        for i in range(limits.MAX_ZIP_MEMBERS + 1):
            z.writestr(f"part{i}.xml", b"")
    with pytest.raises(limits.LimitExceeded, match="parts, over the limit"):
        extract("letter.docx", packed.getvalue())


@pytest.mark.parametrize(
    "markup",
    ["<script>" * 250_000, "<" * 2_000_000, "<br " * 500_000, "<a" * 1_000_000],
    ids=["unclosed scripts", "angle brackets", "unclosed breaks", "unclosed tags"],
)
def test_hostile_html_is_stripped_in_linear_time(markup: str) -> None:
    from correspondence.documents.mail import html_to_text

    started = time.monotonic()
    html_to_text(markup)
    assert time.monotonic() - started < 5  # was minutes: regular expressions rescanning


def test_a_long_run_of_letters_is_searched_for_an_address_in_linear_time() -> None:
    from correspondence.documents.letter_clues import read_letterhead

    started = time.monotonic()
    head = read_letterhead("a" * 20_000 + "\nWrite to joan.abbott@example.org")
    assert time.monotonic() - started < 1
    assert head.email == ""  # the address sits beyond what is searched; only speed matters
