"""What a line's template reads from a letter's context, found by walking its Jinja syntax tree."""

from __future__ import annotations

from jinja2 import Environment, nodes

TemplatePath = tuple[str, ...]  # ("case", "summary") for ``case.summary``

MISSING = object()  # what ``value_at`` gives for a path the context does not hold

_PARSER = Environment()  # parses only: templates are rendered by ``rendering`` in its sandbox


def paths_read(source: str) -> tuple[TemplatePath, ...] | None:
    """The paths a template reads, sorted, or None when it does not parse (rendering it
    reports the real problem). A conservative memo key: two contexts with the same values
    at these paths render the template alike."""
    try:
        return tuple(sorted(_paths(_PARSER.parse(source))))
    except Exception:  # noqa: BLE001 - render_line reports the real problem
        return None


def _paths(node: nodes.Node) -> set[TemplatePath]:
    """Dotted paths from a name (``case.summary``), or whole names when used any other way
    (``constituents|length``)."""
    out: set[TemplatePath] = set()

    def visit(n: nodes.Node) -> None:
        if isinstance(n, nodes.Getattr):
            chain: list[str] = []
            inner: nodes.Node = n
            while isinstance(inner, nodes.Getattr):
                chain.insert(0, inner.attr)
                inner = inner.node
            if isinstance(inner, nodes.Name):
                out.add((inner.name, *chain))
                return
            visit(inner)
            return
        if isinstance(n, nodes.Name):
            out.add((n.name,))
            return
        for child in n.iter_child_nodes():
            visit(child)

    visit(node)
    return out


def value_at(mapping: dict[str, object], path: TemplatePath) -> object:
    """The value a template would read at ``path``, or ``MISSING``."""
    value: object = mapping.get(path[0], MISSING)
    for attr in path[1:]:
        value = getattr(value, attr, MISSING)
    return value
