"""Rendering standard lines: user-written Jinja, run in the sandbox, failing loudly.

A line is one paragraph of plain text. Autoescaping is off because the Word builder
writes the result as runs and python-docx escapes XML itself; escaping here would put
"&amp;" into letters.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
import traceback
from collections.abc import Collection, Iterator, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import SandboxedEnvironment

from correspondence.documents.context import CONTEXT_DOC, CONTEXT_VARIABLES

__all__ = [
    "TemplateProblem",
    "make_environment",
    "render_line",
    "validate_line",
    "longdate",
    "plural",
]

TEMPLATE_NAME = "<template>"  # the file name Jinja gives templates made from strings
# A paragraph of a letter; anything longer is a runaway loop, not policy wording.
MAX_OUTPUT_CHARS = 100_000
# Sizes beyond which '*', '**' and string formatting are refused rather than computed.
MAX_SEQUENCE_LENGTH = 100_000
MAX_POWER_EXPONENT = 100
# Widths of 1000 or more, '*' widths and nested '{}' widths are refused in formatting.
_BIG_FORMAT_NUMBER = re.compile(
    r"""%[-+ #0]*(?:\d{4,}|\*|\d*\.(?:\d{4,}|\*))"""
    r"""|\{[^{}]*:[^{}]*(?:\d{4,}|\{)"""
)
_PARAGRAPH_SPACE = re.compile(r"[ \t\r\n\f\v]+")


class TemplateProblem(ValueError):
    """Why a line cannot be used, worded for the policy lead who wrote it."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        line: int | None = None,
        column: int | None = None,
        variable: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # "syntax", "undefined", "security" or "runtime"
        self.line = line
        self.column = column
        self.variable = variable

    def __str__(self) -> str:
        return self.message


# -- filters -------------------------------------------------------------------


def longdate(value: date | datetime) -> str:
    """3 February 2009, the date style of the department's letters."""
    if not isinstance(value, date):
        raise TypeError(f"longdate needs a date, not {type(value).__name__}")
    return f"{value.day} {value:%B %Y}"


def plural(word: str, count: int, plural_form: str | None = None) -> str:
    """``"constituent"|plural(constituents|length)`` -> 'constituent' or 'constituents'."""
    if count == 1:
        return word
    return plural_form if plural_form is not None else f"{word}s"


# Filters whose arguments cannot make the output enormous (center, indent, slice and
# format can), plus attr which the sandbox checks itself.
_SAFE_BUILTIN_FILTERS = (
    "abs attr capitalize count d default first float int join last length list lower "
    "map max min reject rejectattr replace reverse round select selectattr sort string "
    "sum title trim truncate unique upper wordcount"
).split()


class _LineEnvironment(SandboxedEnvironment):
    """The sandbox, with operators that could exhaust memory or time kept in bounds."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int):
                    if len(seq) * count > MAX_SEQUENCE_LENGTH:
                        raise SecurityError("repeating text or a list that many times")
            return operator.mul(left, right)
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > MAX_POWER_EXPONENT:
                raise SecurityError("raising a number to such a large power")
            return operator.pow(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                _refuse_huge_format(left)
            return operator.mod(left, right)
        return super().call_binop(context, operator_name, left, right)

    def format_string(self, s: str, args: Any, kwargs: Any, format_func: Any = None) -> str:
        _refuse_huge_format(s)
        return super().format_string(s, args, kwargs, format_func)


def _refuse_huge_format(spec: str) -> None:
    if _BIG_FORMAT_NUMBER.search(spec):
        raise SecurityError("formatting with such a large width")


def make_environment() -> SandboxedEnvironment:
    env = _LineEnvironment(
        undefined=_NamingUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters = {name: env.filters[name] for name in _SAFE_BUILTIN_FILTERS}
    env.filters["longdate"] = longdate
    env.filters["plural"] = plural
    env.globals.pop("lipsum", None)  # can generate unbounded text
    return env


# -- undefined variables ------------------------------------------------------------


class _UndefinedVariable(UndefinedError):
    """An UndefinedError that remembers which name was missing and on what."""

    def __init__(self, message: str, *, name: str | None, obj: Any, has_obj: bool) -> None:
        super().__init__(message)
        self.undefined_name = name
        self.undefined_obj = obj
        self.has_obj = has_obj


class _NamingUndefined(jinja2.StrictUndefined):
    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = jinja2.utils.missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        if exc is UndefinedError:
            # The sandbox passes SecurityError for unsafe attributes; leave those alone.
            has_obj = obj is not jinja2.utils.missing
            self._undefined_exception = functools.partial(  # type: ignore[assignment]
                _UndefinedVariable, name=name, obj=obj if has_obj else None, has_obj=has_obj
            )


_ENVIRONMENT = make_environment()


def _suggest(name: str, candidates: Collection[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{prefix}{close[0]}'?)" if close else ""


def _attribute_names(value: object) -> list[str]:
    if is_dataclass(value) and not isinstance(value, type):
        return [f.name for f in fields(value)]
    if isinstance(value, date):
        return ["year", "month", "day"]
    return []


def _getattr_chains(ast: nodes.Template) -> Iterator[list[str]]:
    """Dotted paths such as ['correspondent', 'salutation_name'] that start at a name."""
    for getattr_node in ast.find_all(nodes.Getattr):
        path: list[str] = [getattr_node.attr]
        inner = getattr_node.node
        while isinstance(inner, nodes.Getattr):
            path.insert(0, inner.attr)
            inner = inner.node
        if isinstance(inner, nodes.Name):
            yield [inner.name, *path]


def _undefined_problem(
    exc: _UndefinedVariable, ast: nodes.Template, context: Mapping[str, object], line: int | None
) -> TemplateProblem:
    name = exc.undefined_name
    if not exc.has_obj:
        if name is None:
            return TemplateProblem(f"Unknown variable: {exc}", kind="undefined", line=line)
        return TemplateProblem(
            f"Unknown variable '{name}'{_suggest(name, context.keys())}",
            kind="undefined",
            line=line,
            variable=name,
        )
    # An attribute was missing: find the dotted path that led to this very object.
    for chain in sorted(_getattr_chains(ast), key=len):
        if chain[0] not in context or chain[-1] != name:
            continue
        parent: object = context[chain[0]]
        for attr in chain[1:-1]:
            parent = getattr(parent, attr, None)
        if parent is not exc.undefined_obj:
            continue
        dotted = ".".join(chain)
        if parent is None:
            owner = ".".join(chain[:-1])
            message = f"Variable '{dotted}' is not available: this letter has no {owner}"
        else:
            hint = _suggest(chain[-1], _attribute_names(parent), ".".join(chain[:-1]) + ".")
            message = f"Unknown variable '{dotted}'{hint}"
        return TemplateProblem(message, kind="undefined", line=line, variable=dotted)
    if isinstance(name, int) and isinstance(exc.undefined_obj, tuple | list):
        count = len(exc.undefined_obj)
        return TemplateProblem(
            f"There is no item [{name}]: the list has {count} {plural('entry', count, 'entries')}",
            kind="undefined",
            line=line,
            variable=f"[{name}]",
        )
    # Reached through a loop variable or an item: name the field and what it was looked for on.
    owner_name = type(exc.undefined_obj).__name__.removesuffix("View").lower()
    options = _attribute_names(exc.undefined_obj)
    return TemplateProblem(
        f"Unknown field '{name}' on a {owner_name}{_suggest(name or '', options)}",
        kind="undefined",
        line=line,
        variable=name,
    )


# -- syntax and the static security scan ------------------------------------------


def _syntax_problem(exc: TemplateSyntaxError, body: str) -> TemplateProblem:
    line = exc.lineno
    lines = body.splitlines()
    column: int | None = None
    if 1 <= line <= len(lines):
        text = lines[line - 1]
        message = exc.message or ""
        if "end of template" in message.lower():
            column = len(text) + 1
        else:
            for token in re.findall(r"'([^']+)'", message):
                position = text.find(token)
                if position >= 0:
                    column = position + 1
                    break
    where = f"Line {line}" + (f", column {column}" if column is not None else "")
    return TemplateProblem(f"{where}: {exc.message}", kind="syntax", line=line, column=column)


_ATTRIBUTE_FILTERS = frozenset({"attr", "selectattr", "rejectattr"})


def _security_scan(ast: nodes.Template) -> list[TemplateProblem]:
    """Refuse private and dunder names before anything runs.

    The sandbox would refuse them at run time too; refusing them up front means hostile
    code never starts, and the editor can say so before the line is saved.
    """
    problems: list[TemplateProblem] = []

    def refuse(name: str, node: nodes.Node) -> None:
        problems.append(
            TemplateProblem(
                f"Template code not allowed: access to '{name}'",
                kind="security",
                line=node.lineno,
            )
        )

    def private(value: object) -> bool:
        return isinstance(value, str) and any(p.startswith("_") for p in value.split("."))

    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name)):
        if isinstance(node, nodes.Getattr):
            if node.attr.startswith("_"):
                refuse(node.attr, node)
        elif isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and private(node.arg.value):
                refuse(str(node.arg.value), node)
        elif isinstance(node, nodes.Filter):
            named = [kw.value for kw in node.kwargs if kw.key == "attribute"]
            positional = node.args[:1] if node.name in _ATTRIBUTE_FILTERS else []
            for arg in [*named, *positional]:
                if isinstance(arg, nodes.Const) and private(arg.value):
                    refuse(str(arg.value), node)
        elif node.name.startswith("_"):
            refuse(node.name, node)
    return problems


@functools.lru_cache(maxsize=1024)
def _compile(body: str) -> tuple[nodes.Template, jinja2.Template]:
    """Parse and compile, turning syntax errors (and unknown filters) into problems.

    Cached: a campaign export or a live preview renders the same few bodies many times
    (a refused body raises every time; exceptions are never cached)."""
    try:
        ast = _ENVIRONMENT.parse(body)
        refused = _security_scan(ast)
        if refused:
            raise refused[0]
        return ast, _ENVIRONMENT.from_string(ast)
    except TemplateSyntaxError as exc:
        raise _syntax_problem(exc, body) from None


def _runtime_line(exc: BaseException) -> int | None:
    """The template line Jinja recorded in the (rewritten) traceback, if any."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == TEMPLATE_NAME:
            return frame.lineno
    return None


# -- public API ------------------------------------------------------------------


def render_line(body: str, context: Mapping[str, object]) -> str:
    """Render one line to a single paragraph of plain text, or raise TemplateProblem."""
    ast, template = _compile(body)
    try:
        pieces: list[str] = []
        size = 0
        for piece in template.generate(dict(context)):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError("producing more text than any letter could hold")
            pieces.append(piece)
    except SecurityError as exc:
        raise TemplateProblem(
            f"Template code not allowed: {exc}", kind="security", line=_runtime_line(exc)
        ) from None
    except _UndefinedVariable as exc:
        raise _undefined_problem(exc, ast, context, _runtime_line(exc)) from None
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        line = _runtime_line(exc)
        where = f"Line {line}: " if line else ""
        raise TemplateProblem(
            f"{where}The line could not be filled in: {exc}", kind="runtime", line=line
        ) from None
    # A line is one paragraph: line breaks and the gaps left by {% if %} become one space.
    return _PARAGRAPH_SPACE.sub(" ", "".join(pieces)).strip()


def validate_line(
    body: str, known_variables: Collection[str] = CONTEXT_VARIABLES
) -> list[TemplateProblem]:
    """Every problem found without rendering: syntax, forbidden code, unknown names."""
    try:
        ast = _ENVIRONMENT.parse(body)
    except TemplateSyntaxError as exc:
        return [_syntax_problem(exc, body)]
    problems = _security_scan(ast)
    try:
        _ENVIRONMENT.compile(ast)  # finds unknown filters and tests
    except TemplateSyntaxError as exc:
        return [*problems, _syntax_problem(exc, body)]
    for name in sorted(meta.find_undeclared_variables(ast) - set(known_variables)):
        if name in _ENVIRONMENT.globals or name.startswith("_"):
            continue
        node = next(n for n in ast.find_all(nodes.Name) if n.name == name)
        problems.append(
            TemplateProblem(
                f"Unknown variable '{name}'{_suggest(name, known_variables)}",
                kind="undefined",
                line=node.lineno,
                variable=name,
            )
        )
    problems.extend(_unknown_attributes(ast, known_variables))
    return problems


def _unknown_attributes(
    ast: nodes.Template, known_variables: Collection[str]
) -> Iterator[TemplateProblem]:
    """correspondent.nmae is caught here too, for names whose fields are documented."""
    documented: dict[str, set[str]] = {}
    for dotted in CONTEXT_DOC:
        root, _, attr = dotted.partition(".")
        if attr:
            documented.setdefault(root, set()).add(attr)
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    seen: set[str] = set()
    for getattr_node in ast.find_all(nodes.Getattr):
        inner = getattr_node.node
        if not isinstance(inner, nodes.Name) or inner.name in assigned:
            continue
        root = inner.name
        if root not in known_variables or root not in documented:
            continue
        if getattr_node.attr in documented[root] or getattr_node.attr.startswith("_"):
            continue
        dotted = f"{root}.{getattr_node.attr}"
        if dotted in seen:
            continue
        seen.add(dotted)
        hint = _suggest(getattr_node.attr, documented[root], f"{root}.")
        yield TemplateProblem(
            f"Unknown variable '{dotted}'{hint}",
            kind="undefined",
            line=getattr_node.lineno,
            variable=dotted,
        )
