"""Build the PyInstaller bundle into dist/ and check that it works.

    .venv/bin/python packaging/build.py            # build, then smoke_check.py
    .venv/bin/python packaging/build.py --check-only

Installs PyInstaller (the `packaging` extra of pyproject.toml) into this interpreter if it
is missing. Prints PASS or FAIL last and exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "correspondence-desk.spec"

sys.path.insert(0, str(HERE))
import smoke_check  # noqa: E402 - lives beside this script, not in a package


def ensure_pyinstaller() -> None:
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    wanted = smoke_check.project()["optional-dependencies"]["packaging"]
    print(f"Installing {' '.join(wanted)} into {sys.prefix}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *wanted], check=True)


def build() -> float:
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(ROOT / "dist"),
            "--workpath",
            str(ROOT / "build"),
            str(SPEC),
        ],
        check=True,
        # Not the checkout: from there a stale correspondence_desk.egg-info would shadow the
        # installed metadata that the spec copies into the bundle.
        cwd=HERE,
    )
    return time.monotonic() - started


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and check the bundle.")
    parser.add_argument(
        "--check-only", action="store_true", help="check the bundle already in dist/"
    )
    parser.add_argument("--gui-seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    bundle = smoke_check.default_bundle()
    if not args.check_only:
        ensure_pyinstaller()
        try:
            seconds = build()
        except subprocess.CalledProcessError as exc:
            print(f"FAIL: PyInstaller exited with {exc.returncode}")
            return 1
        print(f"Built {bundle} in {seconds:.0f} s")
    if not bundle.is_dir():
        print(f"FAIL: no bundle at {bundle}")
        return 1
    print(f"Bundle size: {size_of(bundle) / 1e6:.0f} MB")
    print(f"Checking {bundle}")
    return 0 if smoke_check.verdict(smoke_check.run_all(bundle, args.gui_seconds)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
