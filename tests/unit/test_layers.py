"""The package's layers, read from its source with `ast`: no import cycles, and each layer
imports only what lies beneath it.

Every import counts — at module level, inside a function, or under `if TYPE_CHECKING:` —
because a cycle that only closes when a function runs is still a cycle to read and to move.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "correspondence"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. correspondence.ui.main_window
    imported: str  # the most specific module of ours it names
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, importer: str, modules: set[str]) -> Iterator[str]:
    """The modules of ours an import statement loads (a name imported from a package is
    its submodule when one exists, else the package itself)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:  # relative: from the importer's package upwards
        package = importer.split(".")
        is_package = importer in modules and (PACKAGE.parent / Path(*package)).is_dir()
        base = package if is_package else package[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        yield sub if sub in modules else source


def _resolve(name: str, modules: set[str]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@functools.cache
def imports() -> tuple[Import, ...]:
    modules = _modules()
    names = set(modules)
    found: dict[Import, None] = {}  # in order, each once
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(node, importer, names):
                if not target.startswith("correspondence"):
                    continue
                resolved = _resolve(target, names)
                if resolved is not None and resolved != importer:
                    found[Import(importer, resolved, node.lineno)] = None
    return tuple(found)


def external_imports() -> list[Import]:
    """Imports of other packages (by top-level name), for the Qt rule."""
    modules = _modules()
    found: list[Import] = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [Import(importer, a.name, node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.append(Import(importer, node.module, node.lineno))
    return found


def cycles(edges: Sequence[Import]) -> list[list[str]]:
    """Groups of modules that import one another, directly or round a loop (Tarjan's
    strongly connected components, iteratively: no recursion limit)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.importer, set()).add(e.imported)
        graph.setdefault(e.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def _describe(group: list[str], edges: Sequence[Import]) -> str:
    members = set(group)
    links = sorted(
        f"  {e.importer} → {e.imported} (line {e.line})"
        for e in edges
        if e.importer in members and e.imported in members
    )
    return f"{len(group)} modules import one another:\n" + "\n".join(links)


def _in(module: str, *layers: str) -> bool:
    return any(
        module == f"correspondence.{p}" or module.startswith(f"correspondence.{p}.") for p in layers
    )


def _offences(rule: str, found: Sequence[Import]) -> str:
    return (
        rule
        + ":\n"
        + "\n".join(f"  {e.importer} (line {e.line}) imports {e.imported}" for e in found)
    )


def test_no_import_cycles() -> None:
    edges = imports()
    groups = cycles(edges)
    if groups:
        pytest.fail("Import cycles:\n" + "\n".join(_describe(g, edges) for g in groups), False)


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check itself: a loop of three, and a pair, are both found; a chain is not.
    edges = [
        Import("a", "b", 1),
        Import("b", "c", 1),
        Import("c", "a", 1),
        Import("d", "e", 1),
        Import("e", "d", 1),
        Import("f", "g", 1),
    ]
    assert cycles(edges) == [["a", "b", "c"], ["d", "e"]]


def test_the_window_reaches_the_database_only_through_services() -> None:
    # `correspondence.database` opens a database (the start-up needs it); the tables, the
    # sessions and the schema stay behind the services.
    found = [e for e in imports() if _in(e.importer, "ui") and _in(e.imported, "db")]
    if found:
        pytest.fail(_offences("ui imports correspondence.db", found), False)


def test_domain_and_documents_stand_alone() -> None:
    found = [
        e
        for e in imports()
        if _in(e.importer, "domain", "documents")
        and _in(e.imported, "services", "ui", "commands", "db", "database", "app", "cli")
    ]
    if found:
        rule = "domain and documents import services, ui, commands or the database"
        pytest.fail(_offences(rule, found), False)


def test_qt_only_in_the_window() -> None:
    found = [
        e
        for e in external_imports()
        if e.imported.split(".")[0] in {"PySide6", "shiboken6"} and not _in(e.importer, "ui")
    ]
    if found:
        pytest.fail(_offences("Qt outside correspondence.ui", found), False)


def test_every_module_is_read() -> None:
    # Guards the walk: a module the parser skipped would pass every rule above unseen.
    names = _modules()
    assert "correspondence.ui.main_window" in names
    assert "correspondence.services.desk" in names
    assert any(e.importer == "correspondence.ui.main_window" for e in imports())
