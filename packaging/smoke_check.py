"""Check a built bundle: it finds its own data, and the window starts (offscreen).

    python packaging/smoke_check.py [dist/correspondence-desk] [--gui-seconds 8]

Runs from a temporary folder with the library/database variables cleared and a private
config/data home, so a pass cannot come from the source checkout or touch your settings.
`build.py` runs this after building; it also works on its own against an existing bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_ID = "uk.gov.correspondence.desk"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


@dataclass
class Outcome:
    name: str
    status: str  # PASS, FAIL or SKIP
    detail: str


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def default_bundle() -> Path:
    return ROOT / "dist" / project()["name"]


def clean_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CORRESPONDENCE_LIBRARY", "CORRESPONDENCE_DB", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        CORRESPONDENCE_USER="smoke.check",
    )
    return env


def check_executables(bundle: Path) -> Outcome:
    names = [next(iter(project()["scripts"])), next(iter(project()["gui-scripts"]))]
    missing = [n for n in names if not (bundle / f"{n}{EXE_SUFFIX}").is_file()]
    if missing:
        return Outcome("executables", "FAIL", f"missing in {bundle}: {', '.join(missing)}")
    return Outcome("executables", "PASS", ", ".join(names))


def check_self_check(bundle: Path, work: Path) -> Outcome:
    exe = bundle / f"{next(iter(project()['scripts']))}{EXE_SUFFIX}"
    done = subprocess.run(
        [str(exe), "self-check", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,
        env=clean_env(work),
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return Outcome("self-check", "FAIL", f"exit {done.returncode}: " + " | ".join(tail))
    problems = [f"{c['name']}: {c['summary']}" for c in report["checks"] if not c["ok"]]
    if not report.get("frozen"):
        problems.append("the executable did not run frozen")
    if report.get("version") != project()["version"]:
        problems.append(f"version {report.get('version')} != pyproject {project()['version']}")
    # Data must come from inside the bundle, never from a checkout next to it.
    inside = bundle.resolve()
    for c in report["checks"]:
        where = c.get("where", "")
        if where and not where.startswith("sqlite") and not Path(where).is_relative_to(inside):
            problems.append(f"{c['name']} found outside the bundle: {where}")
    if done.returncode != 0 and not problems:
        problems.append(f"exit {done.returncode}")
    if problems:
        return Outcome("self-check", "FAIL", "; ".join(problems))
    found = {c["name"]: c for c in report["checks"]}
    return Outcome(
        "self-check",
        "PASS",
        f"v{report['version']}; {found['standard-line library']['summary']}; "
        f"{found['migrations']['summary']}; {found['database']['summary']}",
    )


def _cases(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created or still being written


def check_gui(bundle: Path, work: Path, seconds: float) -> Outcome:
    """Start the window on a first run; it must load the demo office and keep running.

    No --db: only the default database of a first run gets the demo office unasked (a
    database named with --db that does not exist is made only if the person says so)."""
    exe = bundle / f"{next(iter(project()['gui-scripts']))}{EXE_SUFFIX}"
    db = work / "data" / "CorrespondenceDesk" / "correspondence.db"  # XDG_DATA_HOME below
    log = work / "gui.log"
    with log.open("w", encoding="utf-8") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(exe)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=work,
            env=clean_env(work),
        )
        cases = 0
        loaded_at: float | None = None
        deadline = started + max(seconds, 60)
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            if loaded_at is None:
                cases = _cases(db)
                if cases:
                    loaded_at = time.monotonic()
            # After the demo loads the window is built; give it time to fail if it will.
            elapsed = time.monotonic() - started
            if loaded_at is not None and elapsed >= seconds and time.monotonic() - loaded_at > 3:
                break
        running = proc.poll() is None
        if running:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        ran_for = time.monotonic() - started
    output = log.read_text(encoding="utf-8", errors="replace")
    if "Traceback" in output:
        return Outcome("gui offscreen", "FAIL", "traceback:\n" + output[-2000:])
    if not running:
        return Outcome(
            "gui offscreen", "FAIL", f"exited by itself with {proc.returncode}: {output[-800:]}"
        )
    if not cases:
        return Outcome(
            "gui offscreen",
            "FAIL",
            f"still running after {ran_for:.0f} s but the demo data never arrived "
            "(an error dialog may be waiting)",
        )
    return Outcome(
        "gui offscreen",
        "PASS",
        f"window up for {ran_for:.1f} s; first run loaded {cases} demo cases",
    )


def _validator(name: str, tool: str, args: list[str]) -> Outcome:
    path = shutil.which(tool)
    if path is None:
        return Outcome(name, "SKIP", f"{tool} not installed")
    done = subprocess.run([path, *args], capture_output=True, text=True, timeout=60)
    text = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        return Outcome(name, "FAIL", text)
    return Outcome(name, "PASS", text.splitlines()[-1] if text else f"{tool}: no complaints")


def check_window_icon(bundle: Path) -> Outcome:
    """The PNGs the window icon is made of travel in the bundle, beside the package's code."""
    wanted = {p.name for p in (ROOT / "correspondence" / "ui" / "resources").glob("*.png")}
    found = {p.name for p in bundle.rglob("correspondence/ui/resources/*.png")}
    if not wanted:
        return Outcome("window icon", "FAIL", "no icon PNGs in correspondence/ui/resources")
    missing = sorted(wanted - found)
    if missing:
        return Outcome("window icon", "FAIL", f"not in the bundle: {', '.join(missing)}")
    return Outcome("window icon", "PASS", f"{len(found)} sizes in the bundle")


def check_desktop_entry() -> Outcome:
    return _validator("desktop entry", "desktop-file-validate", [str(HERE / f"{APP_ID}.desktop")])


def check_metainfo() -> Outcome:
    # --no-net: the screenshot and homepage URLs are not fetched.
    return _validator(
        "appstream metadata",
        "appstreamcli",
        ["validate", "--no-net", "--pedantic", str(HERE / f"{APP_ID}.metainfo.xml")],
    )


def run_all(bundle: Path, gui_seconds: float = 8) -> list[Outcome]:
    outcomes: list[Outcome] = []

    def add(check: Callable[[], Outcome]) -> None:
        outcome = check()
        outcomes.append(outcome)
        print(f"  {outcome.status:<4}  {outcome.name}: {outcome.detail}", flush=True)

    add(lambda: check_executables(bundle))
    add(lambda: check_window_icon(bundle))
    with tempfile.TemporaryDirectory(prefix="correspondence-smoke-") as folder:
        work = Path(folder)
        add(lambda: check_self_check(bundle, work))
        add(lambda: check_gui(bundle, work, gui_seconds))
    add(check_desktop_entry)
    add(check_metainfo)
    return outcomes


def verdict(outcomes: list[Outcome]) -> bool:
    failed = [o.name for o in outcomes if o.status == "FAIL"]
    skipped = [o.name for o in outcomes if o.status == "SKIP"]
    note = f" (skipped: {', '.join(skipped)})" if skipped else ""
    if failed:
        print(f"FAIL: {', '.join(failed)}{note}")
        return False
    print(f"PASS: {len(outcomes) - len(skipped)} checks{note}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=None)
    parser.add_argument("--gui-seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    bundle = (args.bundle or default_bundle()).resolve()
    if not bundle.is_dir():
        print(f"FAIL: no bundle at {bundle}; build it with python packaging/build.py")
        return 1
    print(f"Checking {bundle}")
    return 0 if verdict(run_all(bundle, args.gui_seconds)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
