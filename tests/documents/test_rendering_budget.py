"""A line that would loop, recurse or build text without end stops quickly with a reason.

The policy lead's live preview renders on every keystroke: a line must never freeze it."""

from __future__ import annotations

import time
from datetime import date

import pytest

from correspondence.documents.context import sample_context
from correspondence.documents.rendering import TemplateProblem, render_line

BIG = "{% set big = 'x' * 100000 %}"

RUNAWAY = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "nested loops over text": "{% for a in 'ab' * 50000 %}{% for b in 'ab' * 50000 %}"
    "{% endfor %}{% endfor %}",
    "recursive macro": "{% macro m(n) %}{{ m(n) }}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    "recursive loop": "{% for x in [1] recursive %}{{ loop(range(100000)) }}{% endfor %}",
    "doubling by macro": "{% macro m(s, n) %}{% if n %}{{ m(s ~ s, n - 1) }}{% endif %}"
    "{% endmacro %}{{ m('x', 60) }}",
    "doubling by namespace": "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
    "{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "join with a long separator": BIG + "{{ range(100000)|join(big) }}",
    "replace with long text": BIG + "{{ big|replace('x', big) }}",
    "replace method": BIG + "{{ big.replace('x', big) }}",
    "join method": BIG + "{{ big.join(big) }}",
    "padding method": "{{ 'x'.ljust(10 ** 9) }}",
    "list of long texts": BIG + "{{ ([big] * 100000)|length }}",
    "nested list of long texts": BIG + "{{ ([[big]] * 100000)|length }}",
    "repeated format key": BIG + "{{ ('%(a)s' * 50000) % {'a': big} }}",
    "repeated format index": BIG + "{{ ('{0}' * 30000).format(big) }}",
    "format width": "{{ '{:100000000}'.format(1) }}",
    "format_map repeated": BIG + "{{ ('{a}' * 30000).format_map({'a': big}) }}",
    "sum of lists": BIG + "{{ [[big]]|sum(start=[]) }}",
    "list grown in place": "{% set l = [1] %}{% for i in range(60) %}{{ l.extend(l) }}{% endfor %}",
    "text built by map": BIG + "{{ range(100000)|map('string')|map('replace', '1', big)|list"
    "|length }}",
    # Each of these ran for minutes or took gigabytes inside one single operation.
    "tower of powers": "{% set x = (((9**100)**100)**100)**100 %}{{ x }}",
    "number squared in a namespace": "{% set ns = namespace(x=3) %}{% for i in range(30) %}"
    "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}",
    "expandtabs": "{{ ('\t' * 99999).expandtabs(99999) }}",
    "translate to long text": "{{ ('x' * 99999).translate({120: 'y' * 99999}) }}",
    "translate through a list": "{{ ('x' * 99999).translate(['y' * 99999] * 121) }}",
    "bytes repeated": "{{ ('x'.encode() * 99999) * 99999 }}",
    "bytes padded": "{{ 'x'.encode().ljust(10 ** 9) }}",
    "bytes joined": BIG + "{{ big.encode().join([big.encode()] * 99) }}",
    "number to bytes": "{{ (1).to_bytes(10 ** 9, 'big') }}",
    "rounding to a huge place": "{{ 5|round(-10 ** 9) }}",
    "dividing huge numbers": "{% set a = (1).from_bytes('x'.encode() * 99999, 'big') %}"
    "{{ a // (a // 3) }}",
    "bytes formatted": "{{ ('%s'.encode() * 50000) % (('x' * 90000).encode(),) }}",
}


@pytest.fixture
def context() -> dict[str, object]:
    return sample_context().as_mapping(today=date(2009, 3, 20))


@pytest.mark.parametrize("body", RUNAWAY.values(), ids=RUNAWAY.keys())
def test_a_runaway_line_stops_within_seconds_with_a_reason(
    body: str, context: dict[str, object]
) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        render_line(body, context)
    # Generous: the budget allows 2 s, and CI machines are shared.
    assert time.monotonic() - started < 10
    assert caught.value.kind in {"security", "runtime"}, caught.value
    assert str(caught.value).startswith(("Template code not allowed", "Line ", "The line"))


def test_ordinary_loops_and_joins_still_render(context: dict[str, object]) -> None:
    body = (
        "{% for c in constituents %}{{ c.full_name }}{% if not loop.last %}, {% endif %}"
        "{% endfor %}"
        " | {{ constituents|map(attribute='full_name')|join(' and ') }}"
        " | {{ 'a-b'|replace('-', ' to ') }} | {{ [1, 2, 3]|sum }} | {{ 'x' ~ 'y' }}"
        " | {{ ('%s of %s' % (1, 2)) }} | {{ '{0}/{1}'.format(3, 4) }}"
    )
    names = [c.full_name for c in context["constituents"]]  # type: ignore[attr-defined]
    out = render_line(body, context)
    assert out.startswith(", ".join(names) + " | " + " and ".join(names))
    assert out.endswith("| a to b | 6 | xy | 1 of 2 | 3/4")


def test_big_numbers_text_and_bytes_a_letter_needs_still_render(
    context: dict[str, object],
) -> None:
    body = (
        "{{ 2 ** 64 }} {{ 12 * 12 }}"
        " {{ 'a\tb'.expandtabs(4)|length }} {{ 'ab'.translate({97: 'A'}) }}"
        " {{ 'x'.encode().ljust(3)|length }} {{ 1234.5678|round(2) }} {{ 'x'.ljust(5, '.') }}"
    )
    assert render_line(body, context) == "18446744073709551616 144 5 Ab 3 1234.57 x...."


def test_a_budget_is_per_rendering_not_per_process(context: dict[str, object]) -> None:
    # 60,000 turns each: within one budget, but two of them are not one runaway.
    body = "{% for i in range(60000) %}{% endfor %}done"
    assert render_line(body, context) == "done"
    assert render_line(body, context) == "done"
