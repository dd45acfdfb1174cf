"""Certificate numbers and identifiers: GB/T 36904-style identifier with its ISO 7064 MOD 37,36
check character, licence and work-permit numbers, and validity end dates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from stdnum.iso7064 import mod_37_36

# ISO 7064 hybrid MOD 37,36: the 36 alphanumerics, check character included (no '*', which belongs
# to the pure MOD 37-2). stdnum's default alphabet is exactly this one.
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

IDENTIFIER_ROOT = "1.2.156.3005.2"
# Type code: the 18-character USCC of the ministry that defines the licence type, then 3 digits.
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_USCC = re.compile(r"[0-9A-Z]{18}")
_SERIAL = re.compile(r"[0-9A-Z]{1,40}")
_IDENTIFIER = re.compile(
    re.escape(IDENTIFIER_ROOT) + r"\.(?P<type_code>[0-9A-Z]{18}[0-9]{3})\.(?P<issuer_code>[0-9A-Z]{18})"
    r"\.(?P<serial>[0-9A-Z]{1,40})\.(?P<version>[0-9]{3})\.(?P<check>[0-9A-Z])"
)

LICENCE_KINDS = ("SCXK", "SYXK")  # 实验动物生产许可证 / 使用许可证


def _alphanumerics(s: str) -> str:
    # Characters outside the alphabet (the '.' separators) take no part in the check.
    return "".join(ch for ch in s.upper() if ch in _ALPHABET)


def mod37_36_check_char(s: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid) check character over the alphanumerics of `s`."""
    return mod_37_36.calc_check_digit(_alphanumerics(s), _ALPHABET)


def mod37_36_is_valid(s: str) -> bool:
    """True when the last alphanumeric of `s` is the correct check character for the ones before it."""
    chars = _alphanumerics(s)
    return len(chars) >= 2 and mod_37_36.is_valid(chars, _ALPHABET)


def certificate_identifier(*, type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """`1.2.156.3005.2.<type>.<issuer>.<serial>.<version 3 digits>.<check>`; check over type..version."""
    type_code, issuer_code, serial = type_code.upper(), issuer_code.upper(), serial.upper()
    if not _TYPE_CODE.fullmatch(type_code):
        raise ValueError("type code must be an 18-character USCC followed by 3 digits")
    if not _USCC.fullmatch(issuer_code):
        raise ValueError("issuer code must be an 18-character unified social credit code")
    if not _SERIAL.fullmatch(serial):
        raise ValueError("serial must be 1-40 characters 0-9/A-Z")
    if not 0 <= version <= 999:
        raise ValueError("version must be 0-999")
    body = f"{type_code}.{issuer_code}.{serial}.{version:03d}"
    return f"{IDENTIFIER_ROOT}.{body}.{mod37_36_check_char(body)}"


def parse_identifier(s: str) -> dict[str, str | int]:
    """Split an identifier into type_code, issuer_code, serial, version (int) and check; ValueError if
    the shape is wrong. The check character is returned, not verified (see identifier_is_valid)."""
    match = _IDENTIFIER.fullmatch(s.strip().upper())
    if match is None:
        raise ValueError("not a certificate identifier")
    parts: dict[str, str | int] = dict(match.groupdict())
    parts["version"] = int(match["version"])
    return parts


def identifier_is_valid(s: str) -> bool:
    """Shape and check character are both right."""
    try:
        parse_identifier(s)
    except ValueError:
        return False
    # The prefix 1.2.156.3005.2 is outside the check, so validate from the type code on.
    return mod37_36_is_valid(s.strip().upper()[len(IDENTIFIER_ROOT) + 1 :])


def licence_number(*, kind: str, province: str, year: int, serial: int) -> str:
    """`SCXK(滇)2026-0001`: kind, province abbreviation, year of issue, serial (4 digits, more past 9999)."""
    if kind not in LICENCE_KINDS:
        raise ValueError(f"kind must be one of {LICENCE_KINDS}")
    if len(province) != 1:
        raise ValueError("province must be the one-character abbreviation, e.g. 滇")
    if not 1000 <= year <= 9999 or serial < 1:
        raise ValueError("year must have 4 digits and serial be positive")
    return f"{kind}({province}){year}-{serial:04d}"


def work_permit_number(*, authority_region: str, year: int, serial: int) -> str:
    """Tongban's own 18-digit work-permit number: 6-digit region code (GB/T 2260) of the issuing authority,
    4-digit year, 8-digit serial; e.g. 530000202600000001. The national format is not published, so this
    is deliberately plain digits that fit any later mapping."""
    if not re.fullmatch(r"[0-9]{6}", authority_region):
        raise ValueError("authority region must be a 6-digit administrative division code")
    if not 1000 <= year <= 9999 or not 1 <= serial <= 99_999_999:
        raise ValueError("year must have 4 digits and serial be 1-99999999")
    return f"{authority_region}{year}{serial:08d}"


def validity_end(issued: date, years: int) -> date:
    """Last valid day: the day before the `years`-th anniversary of `issued`.

    The anniversary of 29 February in a common year is taken as 1 March, so a licence issued on
    29 February ends on 28 February; every other date ends the day before its own anniversary.
    """
    if years < 1:
        raise ValueError("years must be positive")
    try:
        anniversary = issued.replace(year=issued.year + years)
    except ValueError:
        anniversary = date(issued.year + years, 3, 1)
    return anniversary - timedelta(days=1)
