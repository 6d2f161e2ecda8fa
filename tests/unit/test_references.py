import pytest

from correspondence.domain.references import (
    DEFAULT_OFFICE,
    Reference,
    format_reference,
    parse_reference,
    validate_office_code,
)


def test_seed_reference_round_trips() -> None:
    # The date stamp on the seed reply of 3 February 2009.
    ref = parse_reference("2009/0007948POSoS")
    assert ref == Reference(2009, 7948, "POSoS")
    assert str(ref) == "2009/0007948POSoS"
    assert format_reference(2009, 7948) == "2009/0007948POSoS"
    assert DEFAULT_OFFICE == "POSoS"


@pytest.mark.parametrize(
    ("year", "sequence", "office", "expected"),
    [
        (2009, 1, "POSoS", "2009/0000001POSoS"),
        (2010, 9_999_999, "POSoS", "2010/9999999POSoS"),
        (2024, 42, "PSMCF", "2024/0000042PSMCF"),
        (1900, 10, "AB", "1900/0000010AB"),
        (2999, 5, "ABCDEFGHIJKL", "2999/0000005ABCDEFGHIJKL"),
    ],
)
def test_format(year: int, sequence: int, office: str, expected: str) -> None:
    assert format_reference(year, sequence, office) == expected
    assert parse_reference(expected) == Reference(year, sequence, office)


@pytest.mark.parametrize("text", ["  2009/0007948POSoS\n", "\t2009/0007948POSoS "])
def test_parse_ignores_surrounding_whitespace(text: str) -> None:
    assert parse_reference(text) == Reference(2009, 7948, "POSoS")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2009/7948POSoS",  # sequence not zero-padded
        "2009/00079480POSoS",  # eight digits
        "09/0007948POSoS",
        "2009-0007948POSoS",
        "2009/0007948",  # no office
        "2009/0007948P",  # office too short
        "2009/0007948POSoS1",
        "2009/0007948 POSoS",
        "2009/000٧948POSoS",  # Arabic-Indic digit
        "2009/0000000POSoS",  # sequence 0
        "1899/0000001POSoS",
        "3000/0000001POSoS",
    ],
)
def test_parse_rejects_with_the_text_in_the_message(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_reference(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("year", "sequence"), [(2009, 0), (2009, 10_000_000), (1899, 1), (3000, 1), (2009, -1)]
)
def test_out_of_range_numbers_are_refused(year: int, sequence: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        format_reference(year, sequence)


def test_non_integers_are_refused() -> None:
    with pytest.raises(TypeError):
        Reference(2009, True, "POSoS")
    with pytest.raises(TypeError):
        Reference("2009", 1, "POSoS")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["POSoS", "AB", "ABCDEFGHIJKL", "psmcf"])
def test_valid_office_codes_come_back_unchanged(code: str) -> None:
    assert validate_office_code(code) == code


@pytest.mark.parametrize("code", ["", "P", "ABCDEFGHIJKLM", "PO SoS", "PO5S", "POSöS", "POSoS\n"])
def test_invalid_office_codes_are_named(code: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate_office_code(code)
    assert repr(code) in str(caught.value)


def test_reference_is_immutable_and_hashable() -> None:
    ref = Reference(2009, 7948, "POSoS")
    with pytest.raises(AttributeError):
        ref.sequence = 1  # type: ignore[misc]
    assert len({ref, parse_reference("2009/0007948POSoS")}) == 1
