"""Rendering user-written lines: loud about mistakes, closed to hostile code."""

from __future__ import annotations

from datetime import date

import pytest

from correspondence.documents.context import (
    CONTEXT_DOC,
    CONTEXT_VARIABLES,
    CaseView,
    sample_context,
)
from correspondence.documents.rendering import (
    TemplateProblem,
    longdate,
    make_environment,
    render_line,
    validate_line,
)


@pytest.fixture
def context() -> dict[str, object]:
    return sample_context().as_mapping(today=date(2009, 3, 20))


def test_renders_variables_and_filters(context: dict[str, object]) -> None:
    body = (
        "Dear {{ correspondent.salutation_name }}, your letter of "
        "{{ case.received_on|longdate }} for {{ constituents|length }} "
        "{{ 'constituent'|plural(constituents|length) }} about the {{ campaign.organisation }}."
    )
    assert render_line(body, context) == (
        "Dear Margaret, your letter of 2 March 2009 for 2 constituents about the NSPCC."
    )


def test_longdate_has_no_leading_zero() -> None:
    assert longdate(date(2009, 2, 3)) == "3 February 2009"


def test_a_line_is_one_paragraph(context: dict[str, object]) -> None:
    body = "\n  First part{% if campaign %}\n\n  and second{% endif %}  part.\n\n"
    assert render_line(body, context) == "First part and second part."


def test_markup_characters_and_quotes_survive(context: dict[str, object]) -> None:
    body = """Fees & charges <under review> "in full" and 'in part' for {{ case.reference }}"""
    ctx = dict(context)
    ctx["case"] = CaseView(
        reference="A&B <1>", received_on=date(2009, 1, 1), summary="x", themes=()
    )
    assert render_line(body, ctx) == (
        """Fees & charges <under review> "in full" and 'in part' for A&B <1>"""
    )


def test_environment_is_sandboxed_strict_and_unescaped() -> None:
    env = make_environment()
    assert env.sandboxed
    assert env.autoescape is False
    with pytest.raises(Exception, match="'nobody' is undefined"):
        env.from_string("{{ nobody }}").render()


def test_missing_variable_is_named_with_a_suggestion(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line("Dear {{ correspondant.salutation_name }}", context)
    problem = caught.value
    assert problem.kind == "undefined"
    assert problem.variable == "correspondant"
    assert str(problem) == "Unknown variable 'correspondant' (did you mean 'correspondent'?)"


def test_missing_attribute_is_named_with_its_path(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line("Dear {{ correspondent.nmae }},", context)
    assert caught.value.kind == "undefined"
    assert caught.value.variable == "correspondent.nmae"
    assert "correspondent.nmae" in str(caught.value)


def test_attribute_typo_gets_a_suggestion(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem, match="did you mean 'correspondent.salutation_name'"):
        render_line("Dear {{ correspondent.salutaton_name }},", context)


def test_campaign_line_without_a_campaign_says_so(context: dict[str, object]) -> None:
    ctx = dict(context, campaign=None)
    with pytest.raises(TemplateProblem) as caught:
        render_line("the {{ campaign.organisation }} campaign", ctx)
    assert caught.value.variable == "campaign.organisation"
    assert "no campaign" in str(caught.value)


def test_undefined_inside_a_loop_names_the_field(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line("{% for person in constituents %}{{ person.fullname }}{% endfor %}", context)
    assert caught.value.kind == "undefined"
    assert caught.value.variable == "fullname"
    assert "full_name" in str(caught.value)


def test_undefined_is_never_a_silent_blank_in_a_test(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem, match="flag"):
        render_line("{% if flag %}yes{% endif %}", context)


HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''|attr('__class__') }}",
    "{{ ''['__class__'] }}",
    "{{ constituents|map(attribute='__class__')|list }}",
    "{% set name = '__cla' ~ 'ss__' %}{{ ''|attr(name) }}",
    "{{ '{0.__class__}'.format(case) }}",
    "{{ 'x' * 100000000 }}",
    "{{ '%*d' % (100000000, 1) }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}padding{% endfor %}{% endfor %}",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_code_is_refused_as_security(body: str, context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line(body, context)
    assert caught.value.kind == "security"
    assert str(caught.value).startswith("Template code not allowed")


def test_refused_code_never_runs(context: dict[str, object]) -> None:
    calls: list[str] = []

    class Spy:
        def __getattr__(self, name: str) -> object:
            calls.append(name)
            return "x"

    ctx = dict(context, spy=Spy())
    with pytest.raises(TemplateProblem) as caught:
        render_line("{{ spy.harmless }}{{ spy.__dict__ }}", ctx)
    assert caught.value.kind == "security"
    assert calls == []  # refused before rendering began, so not even the first access ran


def test_syntax_error_reports_line_and_column(context: dict[str, object]) -> None:
    body = "Thank you for your letter.\nDear {{ correspondent.salutation_name }\n"
    with pytest.raises(TemplateProblem) as caught:
        render_line(body, context)
    problem = caught.value
    assert problem.kind == "syntax"
    assert problem.line == 2
    assert problem.column == body.splitlines()[1].index("}") + 1
    assert str(problem).startswith(f"Line 2, column {problem.column}: unexpected '}}'")


def test_unclosed_block_reports_its_line(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line("One.\nTwo.\n{% if campaign %}Three.", context)
    assert caught.value.kind == "syntax"
    assert caught.value.line == 3


def test_runtime_error_is_a_problem_not_a_crash(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render_line("{{ constituents|length / 0 }}", context)
    assert caught.value.kind == "runtime"


def test_validate_flags_unknown_variables_without_rendering() -> None:
    problems = validate_line(
        "Dear {{ correspondant.salutation_name }} {{ correspondent.nmae }} {{ campaign.name }}"
    )
    assert [(p.kind, p.variable) for p in problems] == [
        ("undefined", "correspondant"),
        ("undefined", "correspondent.nmae"),
    ]
    assert "did you mean 'correspondent'" in str(problems[0])


def test_validate_accepts_loop_and_set_variables() -> None:
    body = (
        "{% set n = constituents|length %}{% for person in constituents %}"
        "{{ person.full_name }}{% endfor %} {{ n }} {{ letter_date|longdate }}"
    )
    assert validate_line(body) == []


def test_validate_refuses_dunder_and_attr_tricks() -> None:
    for body in ["{{ case.__class__ }}", "{{ case|attr('__dict__') }}", "{{ x['_private'] }}"]:
        kinds = [p.kind for p in validate_line(body, known_variables={"case", "x"})]
        assert kinds == ["security"], body


def test_validate_reports_syntax_with_line() -> None:
    problems = validate_line("fine\nfine\n{{ broken ")
    assert [(p.kind, p.line) for p in problems] == [("syntax", 3)]


def test_validate_reports_unavailable_filter() -> None:
    problems = validate_line("{{ case.summary|center(100) }}")
    assert [p.kind for p in problems] == ["syntax"]
    assert "center" in str(problems[0])


def test_every_documented_variable_exists_in_the_sample_context() -> None:
    mapping = sample_context().as_mapping()
    assert set(mapping) == CONTEXT_VARIABLES
    for dotted in CONTEXT_DOC:
        render_line("{{ " + dotted + " }}", mapping)  # raises if the help panel is wrong


def test_missing_list_item_says_how_many_there_are(context: dict[str, object]) -> None:
    with pytest.raises(TemplateProblem, match=r"no item \[5\]: the list has 2 entries"):
        render_line("{{ constituents[5].full_name }}", context)
