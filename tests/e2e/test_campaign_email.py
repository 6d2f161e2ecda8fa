"""A 1,000-member campaign emailed one message per member, killed mid-way and resumed.

The sender is the real command in its own process; the server is aiosmtpd on loopback.
After the kill, a second run sends the rest: nobody receives two messages, and at most
the one message in flight at the kill is left "check before resending".
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from correspondence.database import open_database
from correspondence.db.models import Campaign, Case, Draft, DraftParagraph, EmailSend, Signatory
from correspondence.domain.salutations import CorrespondentKind
from correspondence.services.actors import actor_for
from correspondence.services.cases import cases
from correspondence.services.cases.cases import NewCase, NewCorrespondent
from correspondence.services.lines.line_views import approved_version
from correspondence.services.replies import signatures
from tests.conftest import DEMO_TODAY, DemoTemplate
from tests.smtp import LoopbackSmtp

EXE = shutil.which("correspondence", path=str(Path(sys.executable).parent)) or "correspondence"
MEMBERS = 1000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
    ),
]


def signature() -> bytes:
    import io

    image = Image.new("RGB", (300, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (80, 15), (150, 65), (290, 20)], "navy", 5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_campaign(url: str) -> int:
    """1,000 members writing by email, and the campaign's reply signed off digitally."""
    db = open_database(url)
    try:
        with db.session_factory.begin() as s:
            officer = actor_for(s, "a.okoro")
            signatures.set_signature_image(s, actor_for(s, "admin"), "sos", signature())
            camp = Campaign(
                name="Ban smacking now", organisation="Children First", status="confirmed"
            )
            s.add(camp)
            s.flush()
            for i in range(MEMBERS):
                case = cases.log_case(
                    s,
                    officer,
                    NewCase(
                        received_on=dt.date(2026, 11, 2),
                        channel="email",
                        new_correspondent=NewCorrespondent(
                            kind=CorrespondentKind.PUBLIC,
                            title="Ms",
                            first_name=f"Member{i:04d}",
                            last_name="Example",
                            email=f"member{i:04d}@example.org",
                        ),
                        summary="Asks for a ban on smacking",
                        letter_text="Please ban smacking.",
                        reply_type="official",
                    ),
                    today=DEMO_TODAY,
                )
                case.campaign = camp
            sos = s.scalar(select(Signatory).where(Signatory.key == "sos"))
            assert sos is not None
            draft = Draft(
                campaign_id=camp.id,
                status="signed_off",
                signatory_id=sos.id,
                letter_date=DEMO_TODAY,
                signed_off_at=dt.datetime(2026, 11, 20, 12, 0),
                signature_method="digital",
            )
            for pos, key in enumerate(("smacking-no-ban", "closing-thank-you-for-writing")):
                version = approved_version(s, key)
                draft.paragraphs.append(
                    DraftParagraph(
                        position=pos, kind="line", line_version_id=version.id, text=version.body
                    )
                )
            s.add(draft)
            return camp.id
    finally:
        db.close()


def test_a_campaign_emailed_to_1000_members_resumes_after_a_kill(
    sqlite_demo_template: DemoTemplate, tmp_path: Path
) -> None:
    shutil.copy(sqlite_demo_template.source, tmp_path / "demo.db")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    campaign_id = make_campaign(url)
    command = [EXE, "email", "--campaign", str(campaign_id), "--send", "--db", url]
    with LoopbackSmtp() as server:
        command += ["--smtp", server.address, "--user", "a.okoro"]
        first = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ}
        )
        deadline = time.monotonic() + 600
        while len(server.mailbox.received) < 250 and first.poll() is None:
            assert time.monotonic() < deadline, "the first run sent too little in 10 minutes"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        killed_at = len(server.mailbox.received)
        assert 250 <= killed_at < MEMBERS

        second = subprocess.run(command, capture_output=True, text=True, timeout=900)
        received = server.mailbox.messages()

    ids = Counter(m["Message-ID"] for m in received)
    assert max(ids.values()) == 1, "a member received the same reply twice"
    addresses = Counter(m["To"] for m in received)
    assert max(addresses.values()) == 1, "a member received two messages"

    db = open_database(url)
    try:
        with db.session_factory() as s:
            states = Counter(
                s.scalars(
                    select(EmailSend.state)
                    .join(Case, Case.id == EmailSend.case_id)
                    .where(Case.campaign_id == campaign_id)
                )
            )
            dispatched = s.scalar(
                select(Case.id)
                .where(Case.campaign_id == campaign_id, Case.dispatch_channel == "email")
                .with_only_columns(__import__("sqlalchemy").func.count())
            )
    finally:
        db.close()
    # At most the message in flight at the kill is left for a person to check.
    assert states[SENT_STATE] >= MEMBERS - 1 and sum(states.values()) == MEMBERS
    assert states[SENT_STATE] + states["sending"] == MEMBERS
    assert dispatched == states[SENT_STATE]
    assert len(received) in (states[SENT_STATE], states[SENT_STATE] + 1)
    if states["sending"]:
        assert second.returncode == 1 and "check before resending" in second.stdout
    else:
        assert second.returncode == 0, second.stderr


SENT_STATE = "sent"
