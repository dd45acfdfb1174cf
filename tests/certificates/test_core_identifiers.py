"""Identifiers, numbers and validity dates (certificates.core.identifiers)."""

import random
from datetime import date

import pytest

from certificates.core.identifiers import (
    certificate_identifier,
    identifier_is_valid,
    licence_number,
    mod37_36_check_char,
    mod37_36_is_valid,
    parse_identifier,
    validity_end,
    work_permit_number,
)

# Real identifiers (domain.md §D) with the ministry USCC restored: 11100000000013338W is MOHURD's.
REAL = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reference_check_char(s: str) -> str:
    """ISO 7064 §7 hybrid system MOD 37,36 written out: P1 = 36; S = (P + a) mod 36 with 0 read as 36;
    next P = 2S mod 37; the check character a makes the last (P + a) mod 36 equal 1."""
    p = 36
    for ch in s:
        p = (2 * ((p + ALPHABET.index(ch)) % 36 or 36)) % 37
    return ALPHABET[(1 - p) % 36]


def test_check_character_and_validation_agree_with_the_standard_on_random_input():
    rng = random.Random(3736)
    for _ in range(3000):
        body = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))
        check = reference_check_char(body)
        assert mod37_36_check_char(body) == check, body
        # Separators and lower case take no part in the check.
        spaced = ".".join(body[i : i + 7] for i in range(0, len(body), 7)).lower()
        assert mod37_36_check_char(spaced) == check, spaced
        if body:
            assert mod37_36_is_valid(body + check), body
            wrong = rng.choice([ch for ch in ALPHABET if ch != check])
            assert not mod37_36_is_valid(body + wrong), body + wrong


def test_fewer_than_two_alphanumerics_are_never_valid():
    assert not mod37_36_is_valid("")
    assert not mod37_36_is_valid("...")
    assert not mod37_36_is_valid(mod37_36_check_char(""))


@pytest.mark.parametrize("identifier", REAL)
def test_check_character_matches_real_identifiers(identifier):
    parts = parse_identifier(identifier)
    rebuilt = certificate_identifier(
        type_code=parts["type_code"],
        issuer_code=parts["issuer_code"],
        serial=parts["serial"],
        version=parts["version"],
    )
    assert rebuilt == identifier
    assert identifier_is_valid(identifier)


def test_check_covers_type_issuer_serial_and_version_but_not_the_dots():
    body = "11100000000013338W011.11430000006122244L.20230000403.001"
    assert mod37_36_check_char(body) == "U"
    assert mod37_36_check_char(body.replace(".", "")) == "U"


@pytest.mark.parametrize("identifier", REAL)
def test_every_single_character_substitution_is_detected(identifier):
    start = len("1.2.156.3005.2.")
    for i in range(start, len(identifier)):
        if identifier[i] == ".":
            continue
        for ch in ALPHABET:
            if ch != identifier[i]:
                assert not identifier_is_valid(identifier[:i] + ch + identifier[i + 1 :])


def test_adjacent_transpositions_are_detected_unless_values_are_neighbours():
    # The hybrid system misses only swaps of characters whose values differ by 1 (mod 36).
    rng = random.Random(7064)
    detected = total = 0
    for _ in range(400):
        body = "".join(rng.choice(ALPHABET) for _ in range(30))
        full = body + mod37_36_check_char(body)
        assert mod37_36_is_valid(full)
        for i in range(len(full) - 1):
            a, b = full[i], full[i + 1]
            if a == b:
                continue
            swapped_ok = mod37_36_is_valid(full[:i] + b + a + full[i + 2 :])
            if (ALPHABET.index(a) - ALPHABET.index(b)) % 36 not in (1, 35):
                assert not swapped_ok
            total += 1
            detected += not swapped_ok
    assert detected / total > 0.99


def test_identifier_is_upper_cased_and_version_zero_padded():
    identifier = certificate_identifier(
        type_code="11100000000013338w011", issuer_code="11530000015094431x", serial="20260000001", version=1
    )
    assert identifier.startswith("1.2.156.3005.2.11100000000013338W011.11530000015094431X.20260000001.001.")
    assert identifier_is_valid(identifier)
    assert identifier_is_valid(identifier.lower())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type_code": "123", "issuer_code": "11530000015094431X", "serial": "1", "version": 1},
        {"type_code": "11100000000013338W011", "issuer_code": "1153", "serial": "1", "version": 1},
        {"type_code": "11100000000013338W011", "issuer_code": "11530000015094431X", "serial": "a-1", "version": 1},
        {"type_code": "11100000000013338W011", "issuer_code": "11530000015094431X", "serial": "1", "version": 1000},
    ],
)
def test_identifier_rejects_bad_parts(kwargs):
    with pytest.raises(ValueError):
        certificate_identifier(**kwargs)


@pytest.mark.parametrize("text", ["", "1.2.156.3005.2", REAL[0] + "X", REAL[0].replace("2.156", "2.157")])
def test_malformed_identifiers_are_invalid(text):
    assert not identifier_is_valid(text)


def test_licence_number_pads_serial_to_four_digits_and_grows_past_9999():
    assert licence_number(kind="SCXK", province="滇", year=2026, serial=1) == "SCXK(滇)2026-0001"
    assert licence_number(kind="SYXK", province="滇", year=2026, serial=12345) == "SYXK(滇)2026-12345"
    with pytest.raises(ValueError):
        licence_number(kind="XXXX", province="滇", year=2026, serial=1)
    with pytest.raises(ValueError):
        licence_number(kind="SCXK", province="云南", year=2026, serial=1)


def test_work_permit_number_is_region_year_and_eight_digit_serial():
    assert work_permit_number(authority_region="530000", year=2026, serial=1) == "530000202600000001"
    with pytest.raises(ValueError):
        work_permit_number(authority_region="53", year=2026, serial=1)
    with pytest.raises(ValueError):
        work_permit_number(authority_region="530000", year=2026, serial=100_000_000)


@pytest.mark.parametrize(
    ("issued", "years", "end"),
    [
        (date(2026, 1, 6), 5, date(2031, 1, 5)),
        (date(2026, 3, 1), 5, date(2031, 2, 28)),
        (date(2027, 3, 1), 5, date(2032, 2, 29)),  # the anniversary year is a leap year
        (date(2028, 2, 29), 5, date(2033, 2, 28)),  # anniversary of 29 Feb in a common year is 1 March
        (date(2028, 2, 29), 4, date(2032, 2, 28)),  # ... and 29 Feb itself in a leap year
        (date(2026, 12, 31), 1, date(2027, 12, 30)),
    ],
)
def test_validity_ends_the_day_before_the_anniversary(issued, years, end):
    assert validity_end(issued, years) == end
