"""`correspondence email`, `smtp` and `signature`, run as a person would, against loopback SMTP."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
from email.policy import default
from pathlib import Path

import pytest

from tests.smtp import LoopbackSmtp

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
SEED = "2009/0007948POSoS"

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
    ),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed"),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, env={**os.environ}
    )


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('email') / 'demo.db'}"
    done = run("init", "--demo", "--db", url)
    assert done.returncode == 0, done.stderr
    return url


def test_the_seed_reply_goes_by_email_once(demo_url: str, tmp_path: Path) -> None:
    # Signed by hand: nothing to send until the scan of the signed letter is added.
    early = run("email", SEED, "--out", str(tmp_path / "reply.eml"), "--db", demo_url)
    assert early.returncode == 1 and "nothing to send until the scan" in early.stderr

    # The "scan": the exported PDF printed to a picture, as a scanner would give it.
    made = run("export", SEED, "--out", str(tmp_path / "reply.pdf"), "--db", demo_url)
    assert made.returncode == 0, made.stderr
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
         str(tmp_path / "reply.pdf"), str(tmp_path / "signed-reply")],
        check=True,
    )  # fmt: skip
    scan = tmp_path / "signed-reply.png"
    added = run("email", SEED, "--scan", str(scan), "--db", demo_url)
    assert added.returncode == 0, added.stderr

    written = run("email", SEED, "--out", str(tmp_path / "reply.eml"), "--db", demo_url)
    assert written.returncode == 0, written.stderr
    msg = email.message_from_bytes((tmp_path / "reply.eml").read_bytes(), policy=default)
    assert msg["To"] == "Rt Hon Tessa Jowell MP <jowellt@parliament.example>"
    assert msg["Subject"] == f"Your letter of 20 January 2009 — our reference {SEED}"
    assert "Dear Tessa" in msg.get_body(("plain",)).get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == scan.read_bytes()

    with LoopbackSmtp() as server:
        sent = run("email", SEED, "--send", "--smtp", server.address, "--db", demo_url)
        assert sent.returncode == 0, sent.stderr
        assert "sent to jowellt@parliament.example" in sent.stdout
        again = run("email", SEED, "--send", "--smtp", server.address, "--db", demo_url)
        assert again.returncode == 0 and "sent" in again.stdout
        assert len(server.mailbox.received) == 1
    [got] = server.mailbox.messages()
    assert got["Subject"] == msg["Subject"]
    shown = run("email", SEED, "--db", demo_url)
    assert '"state": "sent"' in shown.stdout and got["Message-ID"] in shown.stdout


def test_smtp_settings_are_for_admins_and_never_hold_a_password(demo_url: str) -> None:
    refused = run("smtp", "--host", "smtp.example.org", "--user", "a.okoro", "--db", demo_url)
    assert refused.returncode == 1 and "may not change the email settings" in refused.stderr
    done = run(
        "smtp", "--host", "smtp.example.org", "--port", "587", "--username", "desk",
        "--from", "private.office@dcsf.example", "--user", "admin", "--db", demo_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"host": "smtp.example.org"' in done.stdout and "password" not in done.stdout


def test_signature_images_are_set_by_an_admin(demo_url: str, tmp_path: Path) -> None:
    not_a_picture = tmp_path / "sig.txt"
    not_a_picture.write_text("Ed Balls")
    bad = run(
        "signature", "sos", "--image", str(not_a_picture), "--user", "admin", "--db", demo_url
    )
    assert bad.returncode == 1 and "PNG or JPEG" in bad.stderr
    png = tmp_path / "sig.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    ok = run("signature", "sos", "--image", str(png), "--user", "admin", "--db", demo_url)
    assert ok.returncode == 0 and "signature image set" in ok.stdout
