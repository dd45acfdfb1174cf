"""Validators for identifiers used across the catalog."""

from stdnum.cn import uscc

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this 31-character alphabet (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the first 17; ValueError unless they are 17 characters of the alphabet."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in first17):
        raise ValueError("a credit code's first 17 characters come from the GB 32100 alphabet")
    return uscc.calc_check_digit(first17)


def is_valid_credit_code(value: str) -> bool:
    # The shape check is ours, not uscc.validate's: that one wants digits in the first 8 places,
    # but GB 32100 registration-authority codes include A, N and Y (e.g. N for rural collectives).
    value = (value or "").strip().upper()
    if len(value) != 18 or any(c not in CREDIT_CODE_ALPHABET for c in value):
        return False
    return credit_code_check_char(value[:17]) == value[17]


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(
            _("统一社会信用代码无效：应为18位，且第18位校验码须符合GB 32100。"), code="invalid_credit_code"
        )
