import pytest

from correspondence.domain.salutations import (
    CorrespondentKind,
    Person,
    Salutation,
    addressee_block,
    display_name,
    salutation,
    salutation_name,
)

K = CorrespondentKind

JOWELL = Person(
    kind=K.MP, first_name="Tessa", last_name="Jowell", honorific="Rt Hon", post_nominals="MP"
)
LAMING = Person(
    kind=K.PEER,
    title="Lord",
    last_name="Laming",
    peerage="Lord Laming",
    peerage_full="Lord Laming of Tewin",
)
# Invented members of the public and officials.
SMITH = Person(kind=K.PUBLIC, title="Mr", first_name="John", last_name="Smith")
KHAN = Person(kind=K.PUBLIC, title="Mrs", last_name="Khan")
OKAFOR = Person(kind=K.PUBLIC, title="Dr", first_name="Ngozi", last_name="Okafor")
NSPCC = Person(kind=K.ORGANISATION, organisation="NSPCC")
ANONYMOUS = Person(kind=K.PUBLIC)


def test_seed_reply_to_tessa_jowell() -> None:
    assert salutation([JOWELL]) == Salutation(dear="Dear Tessa", close="Yours sincerely")
    assert addressee_block(JOWELL) == [
        "Rt Hon Tessa Jowell MP",
        "House of Commons",
        "London",
        "SW1A 0AA",
    ]


def test_peer_is_addressed_by_title() -> None:
    assert salutation([LAMING]) == Salutation("Dear Lord Laming", "Yours sincerely")
    assert display_name(LAMING) == "Lord Laming of Tewin"
    assert addressee_block(LAMING) == [
        "Lord Laming of Tewin",
        "House of Lords",
        "London",
        "SW1A 0PW",
    ]


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (JOWELL, "Tessa"),
        (LAMING, "Lord Laming"),
        (SMITH, "Mr Smith"),
        (KHAN, "Mrs Khan"),
        (OKAFOR, "Dr Okafor"),
        (NSPCC, "Sir or Madam"),
        (ANONYMOUS, "Sir or Madam"),
        # An MP known only by surname gets the formal form, not a blank.
        (Person(kind=K.MP, title="Mr", last_name="Brennan"), "Mr Brennan"),
        (Person(kind=K.MP, first_name="Tessa", salutation_override="Tess"), "Tess"),
        # A peer recorded only with the full title: the territorial part is dropped.
        (Person(kind=K.PEER, peerage_full="Baroness Morgan of Drefelin"), "Baroness Morgan"),
        (Person(kind=K.PEER, title="Baroness", last_name="Hollins"), "Baroness Hollins"),
        # Knights and dames by first name.
        (Person(kind=K.PUBLIC, title="Sir", first_name="Roger", last_name="Ashby"), "Sir Roger"),
        (Person(kind=K.OFFICIAL, title="Dame", first_name="Ann", last_name="Reyes"), "Dame Ann"),
        (Person(kind=K.OFFICIAL, title="Professor", last_name="Mendel"), "Professor Mendel"),
        # A named contact at an organisation.
        (
            Person(kind=K.ORGANISATION, title="Ms", last_name="Pryce", organisation="NSPCC"),
            "Ms Pryce",
        ),
        # No title recorded: the full name, never a bare surname.
        (Person(kind=K.PUBLIC, first_name="Sam", last_name="Ortiz"), "Sam Ortiz"),
        # A first name alone is not enough to write "Dear Sam" to a stranger.
        (Person(kind=K.PUBLIC, first_name="Sam"), "Sir or Madam"),
    ],
)
def test_salutation_name(person: Person, expected: str) -> None:
    assert salutation_name(person) == expected


@pytest.mark.parametrize(
    ("addressees", "expected"),
    [
        ([SMITH], Salutation("Dear Mr Smith", "Yours sincerely")),
        ([KHAN], Salutation("Dear Mrs Khan", "Yours sincerely")),
        ([OKAFOR], Salutation("Dear Dr Okafor", "Yours sincerely")),
        ([ANONYMOUS], Salutation("Dear Sir or Madam", "Yours faithfully")),
        ([NSPCC], Salutation("Dear Sir or Madam", "Yours faithfully")),
        ([SMITH, KHAN], Salutation("Dear colleagues", "Yours sincerely")),
        ([JOWELL, LAMING, NSPCC], Salutation("Dear colleagues", "Yours sincerely")),
    ],
)
def test_salutation(addressees: list[Person], expected: Salutation) -> None:
    assert salutation(addressees) == expected


def test_salutation_needs_an_addressee() -> None:
    with pytest.raises(ValueError, match="addressee"):
        salutation([])


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (JOWELL, "Rt Hon Tessa Jowell MP"),
        (LAMING, "Lord Laming of Tewin"),
        (SMITH, "Mr John Smith"),
        (KHAN, "Mrs Khan"),
        (NSPCC, "NSPCC"),
        (Person(kind=K.PEER, title="Lord", peerage="Lord Laming"), "Lord Laming"),
        # Plain titles are left off an MP's name; distinctions are kept.
        (
            Person(kind=K.MP, title="Ms", first_name="Ruth", last_name="Penn", post_nominals="MP"),
            "Ruth Penn MP",
        ),
        (
            Person(kind=K.MP, title="Dr", first_name="Ruth", last_name="Penn", post_nominals="MP"),
            "Dr Ruth Penn MP",
        ),
        (Person(kind=K.MP, title="Mr", last_name="Brennan", post_nominals="MP"), "Mr Brennan MP"),
        (
            Person(kind=K.PUBLIC, title=" Ms ", first_name=" Lee ", last_name="Wong  "),
            "Ms Lee Wong",
        ),
    ],
)
def test_display_name(person: Person, expected: str) -> None:
    assert display_name(person) == expected


def test_public_address_block_has_no_blank_lines() -> None:
    person = Person(
        kind=K.PUBLIC,
        title="Mrs",
        last_name="Khan",
        address_lines=("12 Orchard Row", "", "Leeds"),
        postcode="LS1 9ZZ",
    )
    assert addressee_block(person) == ["Mrs Khan", "12 Orchard Row", "Leeds", "LS1 9ZZ"]


def test_organisation_block_does_not_repeat_the_name() -> None:
    person = Person(
        kind=K.ORGANISATION,
        organisation="NSPCC",
        address_lines=("Weston House", "42 Curtain Road", "London"),
        postcode="EC2A 3NH",
    )
    assert addressee_block(person) == [
        "NSPCC",
        "Weston House",
        "42 Curtain Road",
        "London",
        "EC2A 3NH",
    ]


def test_named_contact_block_has_job_title_and_organisation() -> None:
    person = Person(
        kind=K.ORGANISATION,
        title="Ms",
        first_name="Hana",
        last_name="Pryce",
        job_title="Head of Policy",
        organisation="Example Children's Charity",
        address_lines=["1 Example Street", "Bristol"],  # type: ignore[arg-type]
        postcode="BS1 0ZZ",
    )
    assert addressee_block(person) == [
        "Ms Hana Pryce",
        "Head of Policy",
        "Example Children's Charity",
        "1 Example Street",
        "Bristol",
        "BS1 0ZZ",
    ]


def test_mp_with_a_constituency_address_uses_it() -> None:
    person = Person(
        kind=K.MP,
        first_name="Ruth",
        last_name="Penn",
        post_nominals="MP",
        address_lines=("Constituency Office", "3 High Street", "Exampleton"),
        postcode="EX1 1ZZ",
    )
    assert addressee_block(person) == [
        "Ruth Penn MP",
        "Constituency Office",
        "3 High Street",
        "Exampleton",
        "EX1 1ZZ",
    ]


def test_plain_values_from_a_database_row_are_accepted() -> None:
    person = Person(kind="mp", first_name="Tessa", address_lines=["a"])  # type: ignore[arg-type]
    assert person.kind is K.MP
    assert person.address_lines == ("a",)
    with pytest.raises(ValueError):
        Person(kind="alien")  # type: ignore[arg-type]
