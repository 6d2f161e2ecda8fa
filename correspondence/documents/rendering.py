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
import time
import traceback
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeGuard

import jinja2
from jinja2 import meta, nodes, pass_environment
from jinja2.exceptions import (
    SecurityError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.filters import make_attrgetter
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from correspondence.documents.context import CONTEXT_DOC, CONTEXT_VARIABLES

__all__ = [
    "TemplateProblem",
    "make_environment",
    "render_line",
    "runaway_problems",
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
# Whole numbers beyond this many bits (about 3,000 digits) are refused before they are
# computed: 9**100 raised again and again, or a number squared in a loop, would otherwise
# run for minutes inside one multiplication.
MAX_INT_BITS = 10_000
# Decimal places a rounding may ask for: round(5, -10**9) computes 10**(10**9).
MAX_ROUND_DIGITS = 100
# What one line may spend: loop turns and calls, characters built along the way, and time.
# Far beyond any paragraph of a letter, far short of freezing the editor's live preview.
MAX_STEPS = 100_000
MAX_BUILT_CHARS = 2_000_000
MAX_SECONDS = 2.0
# String methods whose arguments set the size of what they build.
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_TEXT = (str, bytes, bytearray)
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


# -- the budget of one rendering ------------------------------------------------------


class _Budget:
    """Counts what one rendering spends, so a runaway line stops with a reason."""

    __slots__ = ("steps", "built", "deadline")

    def __init__(self) -> None:
        self.steps = 0
        self.built = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SecurityError("looping or calling more often than any letter needs")
        if not self.steps & 255:
            self._check_time()

    def build(self, chars: int) -> None:
        self.built += chars
        if self.built > MAX_BUILT_CHARS:
            raise SecurityError("building more text than any letter could hold")
        self._check_time()

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"taking more than {MAX_SECONDS:g} seconds to fill in")


_BUDGET: ContextVar[_Budget | None] = ContextVar("line_budget", default=None)


def _budget() -> _Budget:
    # Outside render_line (which sets one per rendering) each use gets its own: still bounded.
    return _BUDGET.get() or _Budget()


def _weight(value: object, limit: int = MAX_BUILT_CHARS) -> int:
    """Characters a value stands for when written out: a list of long texts weighs their
    length. Stops counting past `limit`, which is all a caller needs to know."""
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        total = 0
        for item in value:
            total += _weight(item, limit - total)
            if total > limit:
                break
        return max(total, 1)
    return 1


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every {% for %} iterates: each turn spends a step."""
    budget = _budget()
    for item in iterable:
        budget.step()
        yield item


def _checked_concat(*parts: Any) -> str:
    """The ~ operator, charged for what it builds before it builds it."""
    _refuse_if_over(sum(_weight(p) for p in parts))
    return "".join(str(p) for p in parts)


def _projected_join(items: list[Any], separator: str | bytes | bytearray) -> int:
    return sum(_weight(i) for i in items) + len(separator) * max(len(items) - 1, 0)


def _projected_replace(text: Any, old: Any, new: Any) -> int:
    matches = text.count(old) if old else len(text) + 1
    return len(text) + matches * max(len(new) - len(old), 0)


def _refuse_if_over(projected: int) -> None:
    if projected > MAX_SEQUENCE_LENGTH * 10:
        raise SecurityError("building more text than any letter could hold")
    _budget().build(projected)


class _LineTransformer(NodeTransformer):
    """Routes loops and ~ through the budget; runs after the security scan."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (Jinja's visitor names)
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.Name("_counted", "load", lineno=node.lineno),
            [node.iter],
            [],
            None,
            None,
            lineno=node.lineno,
        )
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Call(
            nodes.Name("_checked_concat", "load", lineno=node.lineno),
            list(node.nodes),
            [],
            None,
            None,
            lineno=node.lineno,
        )


class _LineEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with operators that could exhaust memory or time kept in bounds.

    Immutable: list.extend(list) and the like could double a value on every turn."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "*":
            _refuse_big_product(left, right)
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | bytes | list | tuple) and _is_int(count):
                    if _weight(seq) * count > MAX_SEQUENCE_LENGTH:
                        raise SecurityError("repeating text or a list that many times")
                    _budget().build(len(seq) * max(count, 0))
            return operator.mul(left, right)
        if operator_name == "+":
            if isinstance(left, str | bytes | list | tuple) and isinstance(
                right, str | bytes | list | tuple
            ):
                _budget().build(_weight(left) + _weight(right))
            return operator.add(left, right)
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > MAX_POWER_EXPONENT:
                raise SecurityError("raising a number to such a large power")
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
                if left.bit_length() * right > MAX_INT_BITS:
                    raise SecurityError("computing a number with thousands of digits")
            return operator.pow(left, right)
        if operator_name in ("//", "%") and _is_int(left) and _is_int(right):
            # Dividing numbers of thousands of digits is slow (int.from_bytes makes them).
            if max(left.bit_length(), right.bit_length()) > MAX_INT_BITS:
                raise SecurityError("computing a number with thousands of digits")
        if operator_name == "%":
            if isinstance(left, _TEXT):
                spec = left.decode("latin-1") if isinstance(left, bytes | bytearray) else left
                _refuse_huge_format(spec)
                values = list(right.values()) if isinstance(right, Mapping) else right
                if not isinstance(values, list | tuple):
                    values = [values]
                longest = max(map(_weight, values), default=0)
                _refuse_if_over(len(left) + spec.count("%") * longest)
            return operator.mod(left, right)
        return super().call_binop(context, operator_name, left, right)

    def wrap_str_format(self, value: Any) -> Any:
        """'...'.format(...) and format_map: widths and repeated fields kept in bounds."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        spec: str = value.__self__
        _refuse_huge_format(spec)

        def checked(*args: Any, **kwargs: Any) -> str:
            values = [*args, *kwargs.values()]
            if value.__name__ == "format_map" and args and isinstance(args[0], Mapping):
                values = list(args[0].values())
            longest = max(map(_weight, values), default=0)
            _refuse_if_over(len(spec) + spec.count("{") * longest)
            return str(wrapped(*args, **kwargs))

        return checked

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _budget()
        budget.step()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, (*_TEXT, int)):
            args = _check_method(owner, name, args, kwargs)
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (_counted(args[0]), *args[1:])
        return super().call(__context, __obj, *args, **kwargs)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse_big_product(left: object, right: object) -> None:
    if _is_int(left) and _is_int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise SecurityError("computing a number with thousands of digits")


def _check_method(
    owner: str | bytes | bytearray | int, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Methods of text, bytes and numbers whose arguments set the size of what they build,
    checked before they run: one call must never build gigabytes."""
    numbers = [a for a in (*args, *kwargs.values()) if _is_int(a)]
    if any(abs(n) > MAX_SEQUENCE_LENGTH for n in numbers):
        raise SecurityError(f"asking {name} for something of such a size")
    if isinstance(owner, int):
        return args
    if name in _PADDING_METHODS:
        _budget().build(max(numbers, default=0))
    elif name == "expandtabs":
        tab = numbers[0] if numbers else 8
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        _refuse_if_over(len(owner) + tabs * tab)
    elif name == "translate" and args:
        table = args[0]
        values = table.values() if isinstance(table, Mapping) else table
        longest = max(map(_weight, values), default=1) if isinstance(values, Iterable) else 1
        _refuse_if_over(len(owner) * max(longest, 1))
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(old, str | bytes) and isinstance(new, str | bytes):
            _refuse_if_over(_projected_replace(owner, old, new))
    elif name == "join" and args:
        items = list(args[0])
        _refuse_if_over(_projected_join(items, owner))
        args = (items, *args[1:])
    return args


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
    env.filters["join"] = _join_filter
    env.filters["replace"] = _replace_filter
    env.filters["sum"] = _sum_filter
    env.filters["round"] = _round_filter
    env.filters["longdate"] = longdate
    env.filters["plural"] = plural
    env.globals.pop("lipsum", None)  # can generate unbounded text
    env.globals["_counted"] = _counted
    env.globals["_checked_concat"] = _checked_concat
    return env


@pass_environment
def _join_filter(
    environment: SandboxedEnvironment, value: Iterable[Any], d: str = "", attribute: Any = None
) -> str:
    items = list(value)
    if attribute is not None:
        getter = make_attrgetter(environment, attribute)
        items = [getter(item) for item in items]
    _refuse_if_over(_projected_join(items, str(d)))
    return str(d).join(str(item) for item in items)


def _replace_filter(s: object, old: str, new: str, count: int | None = None) -> str:
    text = str(s)
    _refuse_if_over(_projected_replace(text, str(old), str(new)))
    return text.replace(str(old), str(new), -1 if count is None else count)


def _round_filter(
    value: float, precision: int = 0, method: Literal["common", "ceil", "floor"] = "common"
) -> float:
    if not isinstance(precision, int) or abs(precision) > MAX_ROUND_DIGITS:
        raise SecurityError("rounding to so many places")
    return jinja2.filters.do_round(value, precision, method)


@pass_environment
def _sum_filter(
    environment: SandboxedEnvironment,
    iterable: Iterable[Any],
    attribute: Any = None,
    start: Any = 0,
) -> Any:
    # Adding lists or texts together is not arithmetic a letter needs, and can be huge.
    if not isinstance(start, int | float):
        raise SecurityError("sum starting from something other than a number")
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    return sum(iterable, start)


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
            # Jinja only calls it, so a partial serves; its types say a class.
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
        elif isinstance(node, nodes.Name) and node.name.startswith("_"):
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
        budgeted = _LineTransformer().visit(_ENVIRONMENT.parse(body))
        budgeted.set_environment(_ENVIRONMENT)
        return ast, _ENVIRONMENT.from_string(budgeted)
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
    token = _BUDGET.set(_Budget())
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
    except RecursionError:
        raise TemplateProblem(
            "Template code not allowed: a macro or loop calling itself without end",
            kind="security",
        ) from None
    except MemoryError:
        raise TemplateProblem(
            "Template code not allowed: building more than the computer's memory holds",
            kind="security",
        ) from None
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        line = _runtime_line(exc)
        where = f"Line {line}: " if line else ""
        raise TemplateProblem(
            f"{where}The line could not be filled in: {exc}", kind="runtime", line=line
        ) from None
    finally:
        _BUDGET.reset(token)
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
    if not problems:
        problems.extend(runaway_problems(body))
    return problems


@functools.lru_cache(maxsize=256)
def runaway_problems(body: str) -> tuple[TemplateProblem, ...]:
    """Why a line runs away when filled in for the sample letter, if it does.

    Such a line is refused when it is saved, approved or imported: it would break every
    draft, preview and export using it. Only the budget's refusals count here (syntax and
    forbidden names are validate_line's; other failures depend on the case filled in)."""
    from correspondence.documents.context import sample_context

    try:
        if _security_scan(_ENVIRONMENT.parse(body)):
            return ()
        render_line(body, sample_context().as_mapping(today=date(2009, 3, 20)))
    except TemplateProblem as problem:
        if problem.kind == "security":
            return (problem,)
    except TemplateSyntaxError:
        pass
    return ()


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
