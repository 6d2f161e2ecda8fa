"""How fast do .eml files import? `python bench/bench_import.py [N] [--db URL | --pg]`.

Generates N (default 10,000) varied emails — several senders writing more than
once, different charsets and encodings, a few with attachments, some MPs —
into a temporary folder, imports them through the intake service into a fresh
SQLite database (or --db, or --pg: a throwaway PostgreSQL cluster started on a
loopback port from the machine's binaries), and prints a table. Target: 10,000 files within
5 s on SQLite on a quiet machine (issue 16); peak memory under 400 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from correspondence.database import open_database  # noqa: E402
from correspondence.services.intake.intake import Intake  # noqa: E402
from correspondence.services.unit_of_work import acting_as

FIRST = ("Joan", "Ken", "Asha", "Tom", "Maria", "Li", "Owen", "Ruth", "Sam", "Priya", "Dan")
LAST = ("Abbott", "Lowe", "Patel", "Reed", "Nowak", "Chen", "Pryce", "Hale", "Okafor", "Bell")
TOPICS = (
    "the death of Baby Peter in Haringey and what Haringey council knew",
    "social work caseloads, recruitment and training after the Social Work Task Force",
    "the smacking ban and the reasonable punishment defence",
    "Lord Laming's progress report and his 58 recommendations",
    "Serious Case Reviews and whether they should be published in full",
    "court fees for care proceedings and delays at Cafcass",
    "the Vetting and Barring Scheme and school volunteers",
    "ContactPoint and the Integrated Children's System",
    "Ofsted inspection of children's services",
    "Local Safeguarding Children Boards and their independence",
)
CHARSETS = ("utf-8", "iso-8859-1", "us-ascii")


def make_mail(i: int, rng: random.Random) -> bytes:
    person = (rng.choice(FIRST), rng.choice(LAST), rng.randrange(400))  # repeat writers
    first, last, n = person
    is_mp = i % 17 == 0
    name = f"{first} {last}" + (" MP" if is_mp else "")
    address = f"{first.lower()}.{last.lower()}{n}@example.org"
    topic = rng.choice(TOPICS)
    body = (
        f"Dear Secretary of State\n\nI am writing about {topic}. "
        + " ".join(rng.sample(TOPICS, 2))
        + f". Letter number {i}; café, naïve.\n\nYours sincerely\n\n{name}\n"
    )
    charset = CHARSETS[i % 3] if i % 3 != 2 else "utf-8"
    text = MIMEText(body, "plain", charset if charset != "us-ascii" else "utf-8")
    if i % 10 == 0:
        msg = MIMEMultipart("mixed")
        msg.attach(text)
        att = MIMEApplication(b"%PDF-1.4 not really a pdf " * 20, "octet-stream")
        att.add_header("Content-Disposition", "attachment", filename=f"scan{i}.bin")
        msg.attach(att)
    else:
        msg = text
    msg["From"] = f"{name} <{address}>"
    msg["To"] = "dcsf.ministers@dcsf.gsi.gov.uk"
    msg["Subject"] = f"About {topic[:40]}"
    day = dt.date(2009, 1, 5) + dt.timedelta(days=i % 400)
    msg["Date"] = f"{day:%a, %d %b %Y} 10:{i % 60:02d}:00 +0000"
    msg["Message-ID"] = f"<bench-{i}@example.org>"
    return msg.as_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh temp SQLite)")
    parser.add_argument(
        "--pg",
        action="store_true",
        help="start a throwaway local PostgreSQL server (loopback only) and import into it",
    )
    parser.add_argument(
        "--per-row-search",
        action="store_true",
        help="keep the search index and sort keys by the per-row triggers, as before "
        "migrations 0013 (PostgreSQL) and 0017 (SQLite): the figure to compare batches with",
    )
    parser.add_argument(
        "--workers",
        action="store_true",
        help="with --hostile: parse the hostile folder in worker processes even though it is "
        "small (the limits must hold there too)",
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="parse in the importing process only, as before worker processes (to compare)",
    )
    parser.add_argument(
        "--scans",
        type=int,
        default=6,
        help="also import this many scanned pages (300 dpi PNG, read by OCR); 0 to skip",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the import without the campaign hook and theme scoring (fresh DBs)",
    )
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="import a folder of hostile files instead (1 GiB zip bombs, a 49 MB .txt, "
        "links that loop or lead out, nested mail) and report time and peak memory",
    )
    parser.add_argument(
        "--hostile-child", nargs=2, metavar=("FOLDER", "URL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.hostile_child:
        if args.workers:
            from correspondence.services.intake import intake_workers

            intake_workers.PARALLEL_FROM = 1
        return _hostile_child(Path(args.hostile_child[0]), args.hostile_child[1])
    if args.pg:
        from tests import pg

        server = pg.start_server()
        try:
            args.db = server.url(server.create_database("bench_import"))
            return _run(args)
        finally:
            server.stop()
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.hostile:
        return _hostile(args.db, args.workers)
    if args.one_process:
        from correspondence.services.intake import intake_workers

        intake_workers.PARALLEL_FROM = sys.maxsize
    if args.per_row_search:
        from contextlib import contextmanager

        from correspondence.services.cases import search_batch

        @contextmanager
        def per_row(_session: object) -> Iterator[list[int]]:
            yield []  # the triggers stay on; nothing to refresh afterwards

        search_batch.deferred_search = per_row  # type: ignore[assignment]
        from correspondence.services.cases import sort_keys
        from correspondence.services.intake import import_search

        import_search.by_batch = lambda _session: False  # type: ignore[assignment]
        sort_keys.sort_key = lambda _name: ""  # type: ignore[assignment]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mail"
        folder.mkdir()
        t0 = time.perf_counter()
        for i in range(args.n):
            sub = folder / f"{i // 1000:02d}"
            sub.mkdir(exist_ok=True)
            (sub / f"{i:06d}.eml").write_bytes(make_mail(i, rng))
        gen = time.perf_counter() - t0
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        database = open_database(url)
        intake = Intake(acting_as(database.session_factory, "bench.officer"))
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        cpu0, kids0 = _cpu_self(), _cpu_children()
        result = intake.import_paths([folder])
        secs = time.perf_counter() - t0
        own, kids = _cpu_self() - cpu0, _cpu_children() - kids0
        cpu = own + kids
        again0 = time.perf_counter()
        dup = intake.import_paths([folder / "00"])
        again = time.perf_counter() - again0
        database.close()
        parts = _breakdown(folder, Path(tmp)) if args.breakdown else []
        scan_rows = _scans(args.scans, Path(tmp), rng) if args.scans > 0 else []
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("database", _backend(url, args.per_row_search)),
        ("parsing", "one process" if args.one_process else "worker processes when worth it"),
        ("files", f"{args.n:,}"),
        ("generate (s)", f"{gen:.1f}"),
        ("import (s)", f"{secs:.1f}"),
        ("files/s", f"{args.n / secs:,.0f}"),
        ("import CPU (s, user+sys)", f"{cpu:.2f}"),
        ("… of the importing process", f"{own:.2f}"),
        ("… of the worker processes", f"{kids:.2f}"),
        ("load average before / at end", f"{load0:.1f} / {os.getloadavg()[0]:.1f}"),
        ("imported", f"{len(result.imported):,}"),
        ("duplicates", f"{len(result.duplicates):,}"),
        ("failed", f"{len(result.failed):,}"),
        ("re-import of 1,000 (dup check, s)", f"{again:.2f} ({len(dup.duplicates):,} dups)"),
        ("peak RSS (MB)", f"{peak_mb:.0f}"),
        *scan_rows,
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if parts:
        print("\nwhere the CPU goes (same files, fresh database each):")
        for label, wall, cpu_s in parts:
            print(f"  {label:<44} wall {wall:6.1f} s  CPU {cpu_s:6.1f} s")
    per_10k = secs / args.n * 10_000
    target = "met" if per_10k <= 5 else "MISSED"
    print(f"\n10,000 files would take {per_10k:.1f} s wall, {cpu / args.n * 10_000:.1f} s CPU")
    print(f"target ≤ 5 s on SQLite on a quiet machine (issue 16): {target}")
    return 0


def _cpu_self() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _cpu_children() -> float:
    """CPU of the worker processes that have ended (the pool ends with the import)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _backend(url: str, per_row: bool) -> str:
    how = "per-row search trigger" if per_row else "search index by batch"
    return ("PostgreSQL, " if url.startswith("postgresql") else "SQLite, ") + how


def _hostile(db: str | None, workers: bool = False) -> int:
    """Import the hostile corpus in a child process, so its peak memory is the import's own."""
    from tests.hostile.corpus import EXPECTED, make_corpus

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = make_corpus(Path(tmp) / "hostile", bomb_mb=1024, text_mb=49, mail_mb=24)
        gen = time.perf_counter() - t0
        url = db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--hostile-child",
                str(folder),
                url,
                *(["--workers"] if workers else []),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        child = json.loads(done.stdout)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    good = sum(e.imported for e in EXPECTED.values())
    rows = [
        ("generate the folder (s)", f"{gen:.1f}"),
        ("import (s)", f"{child['seconds']:.1f}"),
        ("slowest file (s)", f"{child['slowest'][1]:.1f} ({child['slowest'][0]})"),
        ("imported (good letters)", f"{child['imported']} of {good}"),
        ("listed with a reason", f"{child['failed']}"),
        ("peak RSS of the import process (MB)", f"{child['peak_mb']:.0f}"),
        ("peak RSS of any child process (MB)", f"{children:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'hostile folder':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    for path, reason in child["reasons"]:
        print(f"  {Path(path).relative_to(folder)}: {reason}")
    target = "met" if max(child["peak_mb"], children) < 500 else "MISSED"
    print(f"\ntarget: peak memory under 500 MB, workers included: {target}")
    return 0


def _hostile_child(folder: Path, url: str) -> int:
    database = open_database(url)
    times: dict[str, float] = {}
    last = {"path": "", "at": time.perf_counter()}

    def progress(_done: int, _total: int, path: str) -> None:
        now = time.perf_counter()
        if last["path"]:
            times[str(last["path"])] = now - float(last["at"])
        last["path"], last["at"] = path, now

    t0 = time.perf_counter()
    result = Intake(acting_as(database.session_factory, "bench.officer")).import_paths(
        [folder], progress=progress
    )
    seconds = time.perf_counter() - t0
    database.close()
    slowest = max(times.items(), key=lambda kv: kv[1], default=("", 0.0))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "slowest": [Path(slowest[0]).name, slowest[1]],
                "imported": len(result.imported),
                "failed": len(result.failed),
                "reasons": [(f.path, f.error) for f in result.failed],
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    return 0


def _scans(pages: int, tmp: Path, rng: random.Random) -> list[tuple[str, str]]:
    """Scanned letters (one A4 page each, 300 dpi) imported through OCR: pages per second."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return [("scanned pages", "skipped: Pillow not installed (the test extra has it)")]
    from correspondence.documents import ocr

    if not ocr.available():
        return [("scanned pages", "skipped: tesseract not installed")]
    font_path = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"
    try:
        font = ImageFont.truetype(font_path, 50)  # 12 pt at 300 dpi
    except OSError:
        return [("scanned pages", f"skipped: no font at {font_path}")]
    folder = tmp / "scans"
    folder.mkdir()
    for i in range(pages):
        page = Image.new("L", (2480, 3508), 255)
        pen = ImageDraw.Draw(page)
        words = " ".join(f"I am writing about {rng.choice(TOPICS)}." for _ in range(40)).split()
        line, y = "", 300
        for word in words:
            if font.getlength(f"{line} {word}") > 1880:
                pen.text((300, y), line, font=font, fill=0)
                line, y = word, y + 68
            else:
                line = f"{line} {word}".strip()
        pen.text((300, y), line, font=font, fill=0)
        page.save(folder / f"scan-{i:03d}.png", dpi=(300, 300))
    database = open_database(f"sqlite:///{tmp / 'scans.db'}")
    try:
        intake = Intake(acting_as(database.session_factory, "bench.officer"))
        t0 = time.perf_counter()
        result = intake.import_paths([folder])
        secs = time.perf_counter() - t0
    finally:
        database.close()
    return [
        ("scanned pages (300 dpi, OCR)", f"{pages} ({len(result.imported)} imported)"),
        ("OCR import (s)", f"{secs:.1f}"),
        ("pages/s", f"{pages / secs:.2f}"),
    ]


def _breakdown(folder: Path, tmp: Path) -> list[tuple[str, float, float]]:
    """Time the import with the campaign hook and theme scoring switched off in turn."""
    from correspondence.services.intake import import_store, intake_hooks

    out = []
    real_hook, real_model = intake_hooks.on_cases_logged, import_store._theme_model
    for i, (label, no_hook, no_themes) in enumerate(
        (
            ("intake alone (no themes, no campaign hook)", True, True),
            ("intake + theme suggestions", True, False),
        )
    ):
        if no_hook:
            intake_hooks.on_cases_logged = lambda _s, letters: [None] * len(letters)
        if no_themes:
            import_store._theme_model = lambda _s: None
        try:
            database = open_database(f"sqlite:///{tmp / f'part{i}.db'}")
            c0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            Intake(acting_as(database.session_factory, "bench.officer")).import_paths([folder])
            wall = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_SELF)
            database.close()
        finally:
            intake_hooks.on_cases_logged, import_store._theme_model = real_hook, real_model
        out.append((label, wall, c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
