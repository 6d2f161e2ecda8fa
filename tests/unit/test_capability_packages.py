"""Services live in packages named for what the office does, in modules small enough to read."""

from __future__ import annotations

from pathlib import Path

import correspondence

PACKAGE = Path(correspondence.__file__).parent
SERVICES = PACKAGE / "services"
CORE = {
    "__init__",
    "actors",
    "desk",
    "errors",
    "events",
    "storage",
    "unit_of_work",
    "worker_guard",
}
CAPABILITIES = {
    "campaigns",
    "cases",
    "demo",
    "drafting",
    "intake",
    "lines",
    "office",
    "people",
    "replies",
    "reports",
    "triage",
}
LONGEST = 800


def test_only_the_shared_core_sits_beside_the_capability_packages() -> None:
    assert {p.stem for p in SERVICES.glob("*.py")} == CORE
    packages = {p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()}
    assert packages == CAPABILITIES


def test_every_capability_package_says_what_it_holds() -> None:
    for name in CAPABILITIES:
        text = (SERVICES / name / "__init__.py").read_text(encoding="utf-8")
        assert text.startswith('"""') and len(text) > 40, name


def test_no_hand_written_module_is_longer_than_a_sitting() -> None:
    long = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and len(p.read_text(encoding="utf-8").splitlines()) > LONGEST
    }
    assert not long, sorted(long)
