"""A folder of hostile and unusual files for the importer, made on demand (never committed).

    python tests/hostile/corpus.py FOLDER [--bomb-mb 1024] [--text-mb 49]

Good letters (some unusual but valid) sit beside bombs, links that loop or lead out of the
folder, a pipe and files that are not what their names say. `EXPECTED` says what the
importer must do with each; the tests and the import benchmark both use it.
"""

from __future__ import annotations

import argparse
import io
import os
import zipfile
import zlib
from dataclasses import dataclass
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
PARAGRAPH = (
    f'<w:p xmlns:w="{W}"><w:r><w:t>Dear Secretary of State, I write again.</w:t></w:r></w:p>'
)


@dataclass(frozen=True)
class Expected:
    imported: bool  # a case is logged (perhaps with its text cut or an attachment noted)
    reason: str = ""  # words the listed reason must hold, when it is not imported
    text: str = ""  # words the letter's text must hold, when it is


# File name (relative to the folder) -> what the importer must do with it.
EXPECTED: dict[str, Expected] = {
    "good/letter.txt": Expected(True, text="school transport"),
    "good/mail.eml": Expected(True, text="Ofsted inspection"),
    "good/unusual.docx": Expected(True, text="Haringey council © and the NSPCC"),
    "good/nested.eml": Expected(True, text="deep in the forwarded chain"),
    "good/bomb-attached.eml": Expected(True, text="This attachment was not read"),
    "good/long.txt": Expected(True, text="The text stops here"),
    "good/big-attachment.eml": Expected(True, text="a scan of my letter is attached"),
    "good/outlook.msg": Expected(True, text="Vetting and Barring"),
    "good/one-long-word.txt": Expected(True, text="Dear Minister"),
    "good/rtf-only.msg": Expected(True, text="only in its formatted (RTF) part"),
    "bad/huge.eml": Expected(False, reason="mail servers carry"),
    "bad/bomb.docx": Expected(False, reason="unpacks to"),
    "bad/not-word.docx": Expected(False, reason="not a valid .docx"),
    "bad/loop": Expected(False, reason="loop"),
    "bad/self-a.txt": Expected(False, reason="loops back on itself"),
    "bad/outside.txt": Expected(False, reason="outside the chosen folder"),
    "bad/pipe.txt": Expected(False, reason="not a regular file"),
    "bad/dangling.txt": Expected(False, reason="does not exist"),
    "bad/pages.pdf": Expected(False, reason="pages, over the limit"),
    "bad/bomb.pdf": Expected(False, reason="compressed bomb"),
}


def docx_bytes(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document_xml)
    return out.getvalue()


def unusual_docx() -> bytes:
    """Valid Word XML that python-docx-based readers choked on: a comment inside a
    paragraph, a processing instruction, character and internal entities."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<!DOCTYPE w:document [<!ENTITY council "Haringey council">]>'
        f'<w:document xmlns:w="{W}"><w:body>'
        "<w:p><!-- reviewed by the private office --><w:r><w:t>Dear Minister,</w:t></w:r></w:p>"
        "<?mso-application progid='Word.Document'?>"
        "<w:p><w:r><w:t>I write about &council; &#169; and the NSPCC.</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell one</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Cell two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:t>Yours sincerely, Ruth Pryce</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    return docx_bytes(xml.encode("utf-8"))


def bomb_docx(unpacked_mb: int) -> bytes:
    """A small .docx whose document.xml unpacks to `unpacked_mb` MB of paragraphs."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    chunk = PARAGRAPH.encode() * 25_000
    total = unpacked_mb * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(head)
            written = len(head)
            while written < total:
                f.write(chunk)
                written += len(chunk)
            f.write(tail)
    return out.getvalue()


def nested_eml(depth: int) -> bytes:
    """Multipart inside multipart, `depth` levels down: valid MIME the parser cannot recurse."""
    inner = (
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Dear Minister, I found this deep in the forwarded chain. Joan Abbott\n"
    )
    for level in range(depth):
        b = f"level{level}"
        inner = f'Content-Type: multipart/mixed; boundary="{b}"\n\n--{b}\n{inner}\n--{b}--\n'
    head = (
        "From: Joan Abbott <joan.abbott@example.org>\nTo: ministers@example.gov.uk\n"
        "Subject: Nested forward\nDate: Mon, 2 Mar 2009 10:00:00 +0000\n"
        "Message-ID: <nested@example.org>\nMIME-Version: 1.0\n"
    )
    return (head + inner).encode("utf-8")


def mail(subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> bytes:
    text = MIMEText(body, "plain", "utf-8")
    if attachment is None:
        msg = text
    else:
        msg = MIMEMultipart("mixed")
        msg.attach(text)
        part = MIMEApplication(attachment[1], "octet-stream")
        part.add_header("Content-Disposition", "attachment", filename=attachment[0])
        msg.attach(part)
    msg["From"] = "Owen Hale <owen.hale@example.org>"
    msg["To"] = "ministers@example.gov.uk"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 3 Mar 2009 09:30:00 +0000"
    msg["Message-ID"] = f"<{zlib.crc32(subject.encode())}@example.org>"
    return msg.as_bytes()


def many_pages_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_pdf(unpacked_mb: int) -> bytes:
    """A small PDF whose one page's drawing commands unpack to `unpacked_mb` MB."""
    raw = b"BT /F1 12 Tf 10 10 Td (Hello) Tj ET\n" * (unpacked_mb * 1024 * 1024 // 36)
    data = zlib.compress(raw, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_corpus(folder: Path, *, bomb_mb: int = 128, text_mb: int = 8, mail_mb: int = 2) -> Path:
    """Fill `folder` (made if need be); a file outside it is made beside it for a link."""
    good, bad = folder / "good", folder / "bad"
    good.mkdir(parents=True, exist_ok=True)
    bad.mkdir(exist_ok=True)
    (good / "letter.txt").write_text(
        "Dear Minister,\n\nI am writing about school transport in Kent.\n\n"
        "Yours sincerely\n\nAsha Patel\n",
        encoding="utf-8",
    )
    (good / "mail.eml").write_bytes(
        mail("Ofsted", "Dear Minister, the Ofsted inspection of our children's services.")
    )
    (good / "unusual.docx").write_bytes(unusual_docx())
    # Address and link patterns once rescanned such a run from every letter (hours, in C).
    (good / "one-long-word.txt").write_text(
        "Dear Minister,\n" + "a" * 400_000 + "@ www." + "w" * 100_000 + "\nYours", "utf-8"
    )
    from compressed_rtf import compress

    from tests.hostile.msg_writer import outlook_message

    (good / "outlook.msg").write_bytes(
        outlook_message("Vetting", "Dear Minister, the Vetting and Barring Scheme worries me.")
    )
    rtf = b"{\\rtf1\\ansi\\fromtext \\f0 " + b"Dear Minister, I write again. " * 20_000 + b"}"
    (good / "rtf-only.msg").write_bytes(
        outlook_message("RTF", None, rtf=compress(rtf, compressed=False))
    )
    (good / "nested.eml").write_bytes(nested_eml(1500))
    bomb = bomb_docx(bomb_mb)
    (good / "bomb-attached.eml").write_bytes(
        mail("Please read the attached", "Dear Minister, my letter is attached.", ("l.docx", bomb))
    )
    line = "Dear Minister, I write about the Vetting and Barring Scheme once more. " * 8 + "\n"
    with (good / "long.txt").open("w", encoding="utf-8") as f:
        for _ in range(text_mb * 1024 * 1024 // len(line)):
            f.write(line)
    scan = ("scan.bin", os.urandom(mail_mb * 1024 * 1024 * 3 // 4))  # base64 adds a third
    (good / "big-attachment.eml").write_bytes(
        mail("Scan", "Dear Minister, a scan of my letter is attached.", scan)
    )
    with (bad / "huge.eml").open("wb") as f:
        f.write(b"From: a@example.org\nSubject: huge\nContent-Type: text/plain\n\n")
        line = b"Dear Minister, this message is far larger than any mail server carries.\n"
        for _ in range(26 * 1024 * 1024 // len(line) + 1):
            f.write(line)
    (bad / "bomb.docx").write_bytes(bomb)
    (bad / "not-word.docx").write_bytes(os.urandom(4096))
    (bad / "pages.pdf").write_bytes(many_pages_pdf(1_001))
    (bad / "bomb.pdf").write_bytes(bomb_pdf(min(bomb_mb, 70)))
    os.symlink("..", bad / "loop")
    os.symlink("self-b.txt", bad / "self-a.txt")
    os.symlink("self-a.txt", bad / "self-b.txt")
    outside = folder.parent / f"{folder.name}-outside.txt"
    outside.write_text("Private: not a letter to anyone.\n", encoding="utf-8")
    os.symlink(outside, bad / "outside.txt")
    os.mkfifo(bad / "pipe.txt")
    os.symlink("moved-away.txt", bad / "dangling.txt")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--bomb-mb", type=int, default=1024, help="what the bomb unpacks to")
    parser.add_argument("--text-mb", type=int, default=49, help="size of the long .txt")
    parser.add_argument("--mail-mb", type=int, default=24, help="size of the big e-mail")
    args = parser.parse_args()
    make_corpus(args.folder, bomb_mb=args.bomb_mb, text_mb=args.text_mb, mail_mb=args.mail_mb)
    print(args.folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
