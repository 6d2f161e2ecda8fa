"""Tests build what they need from helper modules (tests/factories.py and its neighbours).

No module under tests/ imports a test module — that ties one file's set-up to another's
tests — and none imports from bench/, which holds tools, not test helpers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imports(path: Path, root: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, the dotted modules an import statement may load), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = [root.name, *path.relative_to(root).parent.parts]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, [alias.name]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from tests.db import test_reports` names the module in the alias.
            yield node.lineno, [module, *(f"{module}.{a.name}" for a in node.names)]


def _offence(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "bench":
        return "imports from bench/ (a tool; give the tests their own helper)"
    if parts[0] == "tests" and any(p.startswith("test_") for p in parts[1:]):
        return "imports a test module (move what it shares into a helper module)"
    return None


def offenders(root: Path) -> list[str]:
    """One line per offending import: file:line, why, and the module it names."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        for line, modules in sorted(_imports(path, root)):
            for module in modules:
                why = _offence(module)
                if why:
                    problems.append(f"{path.relative_to(root.parent)}:{line} {why}: {module}")
                    break
    return problems


def test_no_test_imports_another_test_module_or_bench() -> None:
    problems = offenders(TESTS)
    assert not problems, "\n".join(problems)


def test_the_check_names_each_offender(tmp_path: Path) -> None:
    root = tmp_path / "tests"
    (root / "ui").mkdir(parents=True)
    (root / "ui" / "test_a.py").write_text(
        "from tests.db.test_reports import build_cases\n"
        "from bench.campaign_mailbag import mailbag\n"
        "from .test_b import helper\n"
        "from tests.db import test_reports\n"
        "import tests.e2e.test_full_disk\n"
        "def f():\n"
        "    import bench\n"
        "from tests.factories import triaged_case\n"
        "from tests.ui.prompts import ScriptedPrompts\n"
        "from . import prompts\n"
        "from tests import small_disk\n"
    )
    test_module = "imports a test module (move what it shares into a helper module)"
    bench = "imports from bench/ (a tool; give the tests their own helper)"
    assert offenders(root) == [
        f"tests/ui/test_a.py:1 {test_module}: tests.db.test_reports",
        f"tests/ui/test_a.py:2 {bench}: bench.campaign_mailbag",
        f"tests/ui/test_a.py:3 {test_module}: tests.ui.test_b",
        f"tests/ui/test_a.py:4 {test_module}: tests.db.test_reports",
        f"tests/ui/test_a.py:5 {test_module}: tests.e2e.test_full_disk",
        f"tests/ui/test_a.py:7 {bench}: bench",
    ]
