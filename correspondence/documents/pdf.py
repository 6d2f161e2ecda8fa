"""Word letters to PDF through LibreOffice headless, exactly as the .docx prints.

LibreOffice is found on PATH or in the places its installers use. Each conversion runs
with a throwaway user profile, so it neither waits on nor disturbs a LibreOffice the
person has open (a shared profile is locked by the running instance).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

CONVERT_TIMEOUT_S = 120
# PDF/A-2b: LibreOffice 7.4+ takes filter options as JSON; older releases read the
# plain "SelectPdfVersion=2" form. Both are tried in that order, and the output checked.
PDFA_FILTERS = (
    'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}',
    "pdf:writer_pdf_Export:SelectPdfVersion=2",
)
PLAIN_FILTER = "pdf:writer_pdf_Export"

_USUAL_PLACES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/snap/bin/libreoffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)

Which = Callable[[str], str | None]


class PdfError(OSError):
    """LibreOffice is missing, or could not make the PDF; the message says which."""


class LibreOfficeMissing(PdfError):
    pass


def find_soffice(which: Which = shutil.which, places: tuple[str, ...] = _USUAL_PLACES) -> str:
    """The LibreOffice program: $CORRESPONDENCE_SOFFICE, PATH, then the usual places."""
    chosen = os.environ.get("CORRESPONDENCE_SOFFICE", "").strip()
    if chosen:
        if Path(chosen).is_file():
            return chosen
        raise LibreOfficeMissing(f"CORRESPONDENCE_SOFFICE names {chosen}, which does not exist.")
    for name in ("soffice", "libreoffice"):
        found = which(name)
        if found:
            return found
    for place in places:
        if Path(place).is_file():
            return place
    raise LibreOfficeMissing(
        "LibreOffice is needed to make a PDF and was not found (looked for soffice on PATH "
        "and in its usual folders). Install it (on Debian or Ubuntu: apt-get install "
        "libreoffice-writer-nogui), or save the letter as .docx instead."
    )


def is_pdfa(data: bytes) -> bool:
    """True when the PDF declares PDF/A-2 (part 2) in its XMP metadata."""
    if not data.startswith(b"%PDF"):
        return False
    return b"<pdfaid:part>2</pdfaid:part>" in data or b'pdfaid:part="2"' in data


def docx_to_pdf(docx: bytes, *, pdfa: bool = False, soffice: str | None = None) -> bytes:
    """The PDF of a .docx; with ``pdfa`` a PDF/A-2b, checked for its marker."""
    exe = soffice or find_soffice()
    filters = PDFA_FILTERS if pdfa else (PLAIN_FILTER,)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cd-pdf-") as tmp:
        work = Path(tmp)
        source = work / "letter.docx"
        source.write_bytes(docx)
        for convert_to in filters:
            out = work / "out"
            shutil.rmtree(out, ignore_errors=True)
            data = _convert(exe, source, out, convert_to, work / "profile", problems)
            if data is None:
                continue
            if not pdfa or is_pdfa(data):
                return data
            problems.append(f"{convert_to}: the PDF made carries no PDF/A-2 marker")
    raise PdfError("LibreOffice could not make the PDF: " + "; ".join(problems))


def docx_to_pdf_many(
    documents: list[bytes], *, pdfa: bool = False, soffice: str | None = None
) -> list[bytes]:
    """Many .docx in one LibreOffice run (its start-up dominates a single conversion)."""
    if not documents:
        return []
    exe = soffice or find_soffice()
    convert_to = PDFA_FILTERS[0] if pdfa else PLAIN_FILTER
    with tempfile.TemporaryDirectory(prefix="cd-pdfs-") as tmp:
        work = Path(tmp)
        sources = []
        for index, data in enumerate(documents):
            source = work / f"letter-{index:05d}.docx"
            source.write_bytes(data)
            sources.append(source)
        out = work / "out"
        command = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            convert_to,
            "--outdir",
            str(out),
            *map(str, sources),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=CONVERT_TIMEOUT_S + 2 * len(documents),
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise PdfError(f"LibreOffice could not make the PDFs: {exc}") from exc
        made: list[bytes] = []
        for source in sources:
            pdf_path = out / (source.stem + ".pdf")
            if not pdf_path.is_file():
                raise PdfError(f"LibreOffice made no PDF of letter {len(made) + 1}")
            data = pdf_path.read_bytes()
            if pdfa and not is_pdfa(data):
                raise PdfError(f"the PDF of letter {len(made) + 1} carries no PDF/A-2 marker")
            made.append(data)
    return made


def _convert(
    exe: str, source: Path, out: Path, convert_to: str, profile: Path, problems: list[str]
) -> bytes | None:
    command = [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        convert_to,
        "--outdir",
        str(out),
        str(source),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=CONVERT_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        problems.append(f"no answer within {CONVERT_TIMEOUT_S} s")
        return None
    except OSError as exc:
        problems.append(f"could not start {exe}: {exc}")
        return None
    made = out / "letter.pdf"
    if done.returncode != 0 or not made.is_file():
        detail = (done.stderr or done.stdout or "").strip().splitlines()
        problems.append(detail[-1] if detail else f"exit status {done.returncode}")
        return None
    return made.read_bytes()


def write_pdf(docx: bytes, path: Path, *, pdfa: bool = False) -> Path:
    """Convert and save to ``path`` (replaced only once the new file is whole)."""
    data = docx_to_pdf(docx, pdfa=pdfa)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
    return path


def pdf_available() -> bool:
    try:
        find_soffice()
    except LibreOfficeMissing:
        return False
    return True


__all__ = [
    "LibreOfficeMissing",
    "PdfError",
    "docx_to_pdf",
    "docx_to_pdf_many",
    "find_soffice",
    "is_pdfa",
    "pdf_available",
    "write_pdf",
]
