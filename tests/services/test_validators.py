"""Unified social credit codes (GB 32100-2015): the check character and the validator."""

import random

import pytest

from django.core.exceptions import ValidationError

from services.validators import credit_code_check_char, is_valid_credit_code, validate_credit_code

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 Table 1: digits and letters without I O S V Z


def reference_check_char(first17: str) -> str:
    """GB 32100-2015 §4.3 straight from the standard: weight of position i is 3^(i-1) mod 31,
    check value C18 = 31 - (Σ Ci·Wi mod 31), with 31 written as 0."""
    total = sum(ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    return ALPHABET[(31 - total % 31) % 31]


def test_the_check_character_matches_the_standard_for_random_codes():
    rng = random.Random(32100)
    for _ in range(2000):
        first17 = "".join(rng.choice(ALPHABET) for _ in range(17))
        assert credit_code_check_char(first17) == reference_check_char(first17), first17


def reference_is_valid(value) -> bool:
    """Shape from GB 32100 §4 (18 characters of Table 1, letters allowed anywhere, e.g. the N and Y
    registration-authority codes), check character from §4.3; lower case and surrounding spaces tolerated."""
    value = (value or "").strip().upper()
    return len(value) == 18 and all(c in ALPHABET for c in value) and reference_check_char(value[:17]) == value[17]


def test_validity_matches_the_standard_for_random_strings():
    rng = random.Random(2015)
    for _ in range(3000):
        first17 = "".join(rng.choice(ALPHABET) for _ in range(17))
        code = first17 + rng.choice([reference_check_char(first17), rng.choice(ALPHABET)])
        mutate = rng.randrange(5)
        if mutate == 1:  # a character outside the alphabet, or a separator
            i = rng.randrange(18)
            code = code[:i] + rng.choice("IOSVZ- ") + code[i + 1 :]
        elif mutate == 2:  # one character short or long
            code = code[:17] if rng.random() < 0.5 else code + rng.choice(ALPHABET)
        elif mutate == 3:
            code = f" {code.lower()} "
        assert is_valid_credit_code(code) == reference_is_valid(code), repr(code)


def test_codes_of_registration_authorities_with_a_letter_are_valid():
    for first17 in ["N2530102MA0000001", "Y1530100MB0000002", "A1100000MB0000003"]:
        assert is_valid_credit_code(first17 + reference_check_char(first17))


@pytest.mark.parametrize(
    "first17", ["91350100M000100Y", "91350100M000100Y43", "91350100m000100Y4", "91350100I000100Y4"]
)
def test_the_check_character_needs_seventeen_characters_of_the_alphabet(first17):
    with pytest.raises(ValueError):
        credit_code_check_char(first17)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example printed in GB 32100-2015
        "91110000600037341L",
        "91440300708461136T",
    ],
)
def test_real_format_codes_with_a_correct_check_character_are_valid(code):
    assert reference_check_char(code[:17]) == code[17]
    assert is_valid_credit_code(code)
    validate_credit_code(code)


def test_computed_check_characters_make_valid_codes():
    rng = random.Random(18)
    for _ in range(200):
        first17 = "".join(rng.choice(ALPHABET) for _ in range(17))
        assert is_valid_credit_code(first17 + credit_code_check_char(first17))


def test_lower_case_and_surrounding_spaces_are_accepted():
    assert is_valid_credit_code(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100M000100I43",  # I is not in the alphabet
        "91350100M000100O43",  # nor O
        "91350100S000100Y43",  # nor S
        "91350100M0001-0Y43",
        "",
        None,
    ],
)
def test_invalid_codes_are_rejected(code):
    assert not is_valid_credit_code(code)
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == "invalid_credit_code"


def test_every_wrong_check_character_is_rejected():
    first17 = "91350100M000100Y4"
    wrong = [char for char in ALPHABET if char != reference_check_char(first17)]
    assert len(wrong) == 30
    assert not any(is_valid_credit_code(first17 + char) for char in wrong)


@pytest.mark.django_db
def test_authorities_and_applicants_refuse_an_invalid_code(catalog):
    from licensing.models import Applicant
    from services.models import Authority

    authority = Authority.objects.get(code="yn-kjt")
    assert is_valid_credit_code(authority.credit_code)
    authority.credit_code = authority.credit_code[:17] + ("0" if authority.credit_code[17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        authority.full_clean()
    assert "credit_code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Applicant(credit_code="91350100M000100Y44").clean_fields(exclude=["user"])
    assert "credit_code" in error.value.message_dict
