"""The signed QR token: CWT claims in an ES256 COSE_Sign1, carried in the QR code as the decimal digits
of a URL `HTTPS://<HOST>/C/<digits>`; encoding, parsing and verification for server and offline use.

Claims (CBOR map, CWT labels): 1 iss, 6 iat, 5 nbf, 4 exp (epoch seconds), 7 cti (16 random bytes, the
certificate id) and the private claim -70000 (CWT "Private Use" range is below -65536) holding
{"v": 1, "t": kind, "no": number, "h": holder name, "id": holder code, "f": valid from, "u": valid to,
"rv": revision, "st": status-list index}. Dates `f`/`u` are days since 1970-01-01: a 3-byte CBOR
integer instead of an 11-byte ISO string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from .cose import (
    CoseBadSignature,
    CoseFormatError,
    CoseHighS,
    CoseUnknownKey,
    Sign1,
    cbor_decode_exact,
    parse_sign1,
    sign1,
    verify_sign1,
)

CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_NBF = 5
CLAIM_IAT = 6
CLAIM_CTI = 7
CLAIM_TONGBAN = -70000
FORMAT_VERSION = 1
CTI_LENGTH = 16

URL_PATH = "/C/"  # a future incompatible format gets a new path (/C2/) as well as a new "v"
LEAD_BYTE = b"\x01"  # keeps leading zero bytes of the COSE message through the integer conversion
# ~1245 bytes of COSE: far above any real token, and below Python's 4300-digit int() limit.
MAX_DIGITS = 3000

_EPOCH = date(1970, 1, 1)
_MAX_DAY = (date(9999, 12, 31) - _EPOCH).days
_EPOCH_ORDINAL = _EPOCH.toordinal()
_from_ordinal = date.fromordinal  # a day number to a date without a timedelta
_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
_DIGITS = re.compile(r"[1-9][0-9]*")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
_URL = re.compile(r"(?:HTTPS?://)?(?P<host>[^/\s]+)/C/(?P<digits>[0-9]+)/?", re.IGNORECASE)


class TokenError(Exception):
    """The token is not a genuine Tongban token (the verification page shows it as forged)."""


class MalformedToken(TokenError):
    """Not decodable: wrong digits, broken CBOR/COSE structure or claims."""


class UnknownKey(TokenError):
    """The kid is not in the trust list (never existed, or the key was withdrawn as compromised)."""


class BadSignature(TokenError):
    """The kid is known but the signature does not verify: the token was altered or forged."""


class HighS(BadSignature):
    """The signature verifies only in its high-S form, which Tongban never produces: a malleated copy
    of a genuine token (or a token signed before signatures were normalised, if its exact bytes are on
    record)."""


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise MalformedToken(message)


def _is_int(value: Any, low: int, high: int) -> bool:
    # bool is an int subclass; a CBOR true must not pass as 1.
    return type(value) is int and low <= value <= high


class TokenClaims(NamedTuple):
    """The claims of a token: immutable, and a tuple so that building one on every verification costs
    a fifth of a frozen dataclass's field-by-field initialisation."""

    iss: str  # issuing authority code
    iat: int
    nbf: int
    exp: int
    cti: bytes  # the certificate's random id
    kind: str  # "t": SCXK, SYXK, WP...
    number: str  # "no": licence or permit number
    holder_name: str  # "h"
    holder_code: str  # "id": unified social credit code, or a masked passport number
    valid_from: date  # "f"
    valid_to: date  # "u"
    revision: int  # "rv"
    status_index: int  # "st": index in the signing key's status list

    def to_cbor_map(self) -> dict[int, Any]:
        return {
            CLAIM_ISS: self.iss,
            CLAIM_IAT: self.iat,
            CLAIM_NBF: self.nbf,
            CLAIM_EXP: self.exp,
            CLAIM_CTI: self.cti,
            CLAIM_TONGBAN: {
                "v": FORMAT_VERSION,
                "t": self.kind,
                "no": self.number,
                "h": self.holder_name,
                "id": self.holder_code,
                "f": _day(self.valid_from),
                "u": _day(self.valid_to),
                "rv": self.revision,
                "st": self.status_index,
            },
        }

    @classmethod
    def from_cbor_map(cls, claims: Any) -> TokenClaims:
        """Strictly typed inverse of to_cbor_map; MalformedToken for anything else. The values only: a
        token's claim set and its encoding are held to the exact layout by _parse_exact."""
        # Messages are built only on failure: this runs on every verification.
        if not isinstance(claims, dict):
            raise MalformedToken("claims must be a map")
        for label in (CLAIM_IAT, CLAIM_NBF, CLAIM_EXP):
            if not _is_int(claims.get(label), 0, _MAX_SECONDS):
                raise MalformedToken(f"claim {label} must be epoch seconds")
        if not isinstance(claims.get(CLAIM_ISS), str):
            raise MalformedToken("iss must be text")
        cti = claims.get(CLAIM_CTI)
        if not (isinstance(cti, bytes) and len(cti) == CTI_LENGTH):
            raise MalformedToken("cti must be 16 bytes")
        private = claims.get(CLAIM_TONGBAN)
        if not isinstance(private, dict):
            raise MalformedToken("Tongban claim map missing")
        if not _is_int(private.get("v"), FORMAT_VERSION, FORMAT_VERSION):
            raise MalformedToken("unsupported token version")
        for key in ("t", "no", "h", "id"):
            if not isinstance(private.get(key), str):
                raise MalformedToken(f"{key} must be text")
        for key in ("f", "u"):
            if not _is_int(private.get(key), 0, _MAX_DAY):
                raise MalformedToken(f"{key} must be a day number")
        for key in ("rv", "st"):
            if not _is_int(private.get(key), 0, 2**32):
                raise MalformedToken(f"{key} must be a small non-negative integer")
        return cls(
            iss=claims[CLAIM_ISS],
            iat=claims[CLAIM_IAT],
            nbf=claims[CLAIM_NBF],
            exp=claims[CLAIM_EXP],
            cti=cti,
            kind=private["t"],
            number=private["no"],
            holder_name=private["h"],
            holder_code=private["id"],
            valid_from=_EPOCH + timedelta(days=private["f"]),
            valid_to=_EPOCH + timedelta(days=private["u"]),
            revision=private["rv"],
            status_index=private["st"],
        )


class VerifiedToken(NamedTuple):
    """A token whose signature checked out. Dates (exp, nbf) and live status are the caller's to judge."""

    kid: bytes
    claims: TokenClaims
    public_key: ec.EllipticCurvePublicKey


def encode_token(*, claims: TokenClaims, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """COSE_Sign1 bytes of the claims, signed with ES256."""
    claims_map = claims.to_cbor_map()
    # Never sign what every verifier would reject (a 15-byte cti, a negative index...).
    try:
        TokenClaims.from_cbor_map(claims_map)
    except MalformedToken as exc:
        raise ValueError(f"claims cannot be encoded: {exc}") from exc
    return sign1(payload=cbor2.dumps(claims_map), private_key=private_key, kid=kid)


def _parse_generic(data: bytes) -> tuple[Sign1, TokenClaims]:
    """The general decoder (cbor2): gives the precise reason when the exact layout does not match."""
    try:
        msg = parse_sign1(data)
        payload = cbor_decode_exact(msg.payload)
    except CoseFormatError as exc:
        raise MalformedToken(str(exc)) from exc
    return msg, TokenClaims.from_cbor_map(payload)


# --- The exact layout encode_token writes ------------------------------------------------------------
#
# Every genuine token is cbor2.dumps of the same structures in the same order, with every length and
# integer in its shortest form, so that one layout is accepted, on every verification, and anything
# else (other claims, other order, a longer form of a head, indefinite lengths, a tag in its
# two-byte form) is malformed. The envelope then has exactly one encoding: the signature covers only
# the protected header and the payload, so without this a re-encoded envelope would be a second,
# different byte string that verifies.

_ENVELOPE_HEAD = b"\xd2\x84"  # tag 18, array(4)
_PROTECTED_HEAD = b"\xa2\x01\x26\x04"  # map(2) {1: -7, 4: ...}
_SIGNATURE_HEAD = b"\x58\x40"  # bstr(64)
_CLAIM_LABELS = [CLAIM_ISS, CLAIM_IAT, CLAIM_NBF, CLAIM_EXP, CLAIM_CTI, CLAIM_TONGBAN]
_LABEL_TYPES = [int] * len(_CLAIM_LABELS)
_PRIVATE_KEYS = ["v", "t", "no", "h", "id", "f", "u", "rv", "st"]
_SHORTEST = (24, 0x100, 0x10000, 0x100000000)  # an argument of 1, 2, 4, 8 bytes is at least this


class _Layout(Exception):
    """The bytes differ from the exact layout (internal: turned into MalformedToken)."""


def _arg(buf: bytes, pos: int, major: int) -> tuple[int, int]:
    """(argument, next position) of the CBOR head at `pos`, which must be of `major` type, definite and
    in its shortest form."""
    initial = buf[pos]
    if initial >> 5 != major:
        raise _Layout
    info = initial & 0x1F
    if info < 24:
        return info, pos + 1
    if info > 27:
        raise _Layout  # reserved, or an indefinite length
    size = 1 << (info - 24)
    end = pos + 1 + size
    if end > len(buf):
        raise _Layout
    value = int.from_bytes(buf[pos + 1:end], "big")
    if value < _SHORTEST[info - 24]:
        raise _Layout
    return value, end


_kids: dict[bytes, bytes] = {}  # protected header bytes -> kid, for headers that matched the layout


def _protected_kid(protected: bytes) -> bytes:
    kid = _kids.get(protected)
    if kid is None:
        if protected[:4] != _PROTECTED_HEAD:
            raise _Layout
        length, pos = _arg(protected, 4, 2)
        if not 1 <= length <= 32 or pos + length != len(protected):
            raise _Layout
        kid = protected[pos:]
        if len(_kids) < 256:
            _kids[protected] = kid
    return kid


def _parse_exact(data: bytes) -> tuple[Sign1, TokenClaims]:
    """Sign1 and claims of a token in exactly the layout encode_token writes; _Layout otherwise."""
    end = len(data)
    if data[:2] != _ENVELOPE_HEAD or end < 70 or data[end - 66:end - 64] != _SIGNATURE_HEAD:
        raise _Layout
    length, pos = _arg(data, 2, 2)
    protected = data[pos:pos + length]
    pos += length
    if len(protected) != length or data[pos:pos + 1] != b"\xa0":  # empty unprotected header
        raise _Layout
    length, pos = _arg(data, pos + 1, 2)
    if pos + length != end - 66:
        raise _Layout
    kid = _protected_kid(protected)
    payload = data[pos:end - 66]
    # The payload: decoded by cbor2's C decoder, then required to be exactly the claims in the order
    # encode_token writes them and to encode back to the same bytes (so every head was in its
    # shortest, definite form and nothing trails).
    claims = cbor2.loads(payload)
    # The types as well as the values of the labels: true == 1 and 6.0 == 6 in Python, and they encode
    # back to the same bytes.
    if type(claims) is not dict or list(claims) != _CLAIM_LABELS or list(map(type, claims)) != _LABEL_TYPES:
        raise _Layout
    private = claims[CLAIM_TONGBAN]
    if type(private) is not dict or list(private) != _PRIVATE_KEYS or cbor2.dumps(claims) != payload:
        raise _Layout
    # The checks of from_cbor_map, on the labels known to be there; any failure goes to _parse_generic,
    # which names it.
    iss, iat, nbf, exp, cti = (claims[CLAIM_ISS], claims[CLAIM_IAT], claims[CLAIM_NBF], claims[CLAIM_EXP],
                               claims[CLAIM_CTI])
    kind, number, name, code = private["t"], private["no"], private["h"], private["id"]
    day_from, day_to, revision, index = private["f"], private["u"], private["rv"], private["st"]
    if not (
        type(iss) is str and type(kind) is str and type(number) is str and type(name) is str and type(code) is str
        and type(cti) is bytes and len(cti) == CTI_LENGTH
        and type(iat) is int and type(nbf) is int and type(exp) is int
        and 0 <= iat <= _MAX_SECONDS and 0 <= nbf <= _MAX_SECONDS and 0 <= exp <= _MAX_SECONDS
        and type(private["v"]) is int and private["v"] == FORMAT_VERSION
        and type(day_from) is int and type(day_to) is int and 0 <= day_from <= _MAX_DAY and 0 <= day_to <= _MAX_DAY
        and type(revision) is int and type(index) is int and 0 <= revision <= 2**32 and 0 <= index <= 2**32
    ):
        raise _Layout
    msg = Sign1(protected, kid, payload, data[end - 64:])
    return msg, TokenClaims(  # positional, in the order of the fields (the fastest way to build it)
        iss, iat, nbf, exp, cti, kind, number, name, code, _from_ordinal(_EPOCH_ORDINAL + day_from),
        _from_ordinal(_EPOCH_ORDINAL + day_to), revision, index,
    )


def _parse(data: bytes) -> tuple[Sign1, TokenClaims]:
    """Structure and claims of a token, accepted only in the exact layout encode_token writes."""
    if not isinstance(data, bytes):
        if not isinstance(data, bytearray | memoryview):
            raise MalformedToken("COSE message must be bytes")
        data = bytes(data)
    try:
        return _parse_exact(data)
    except MalformedToken:
        raise
    except Exception:  # noqa: BLE001 - _Layout, or whatever cbor2's decoder raises on hostile input
        pass
    # Not the layout: the general decoder names what is wrong; if it finds nothing, the bytes are
    # still another encoding than the one Tongban writes.
    _parse_generic(data)
    raise MalformedToken("not in the exact layout of a Tongban token (non-canonical CBOR, or other claims)")


def decode_unverified(cose_bytes: bytes) -> tuple[bytes, TokenClaims]:
    """(kid, claims) without checking the signature: for diagnostics only, never to trust the content."""
    msg, claims = _parse(cose_bytes)
    return msg.kid, claims


def verify_token(
    cose_bytes: bytes, *, keys_by_kid: Mapping[bytes, Sequence[ec.EllipticCurvePublicKey]],
    allow_high_s: bool = False,
) -> VerifiedToken:
    """Check structure, claims and signature (low-S only, unless `allow_high_s`). Raises only TokenError
    subclasses, whatever the input."""
    msg, claims = _parse(cose_bytes)
    try:
        index = verify_sign1(msg, keys_by_kid=keys_by_kid, allow_high_s=allow_high_s)
    except CoseUnknownKey as exc:
        raise UnknownKey(str(exc)) from exc
    except CoseHighS as exc:
        raise HighS(str(exc)) from exc
    except CoseBadSignature as exc:
        raise BadSignature(str(exc)) from exc
    return VerifiedToken(msg.kid, claims, keys_by_kid[msg.kid][index])


# --- QR text ----------------------------------------------------------------------------------------


def token_to_digits(cose_bytes: bytes) -> str:
    """Decimal form of the integer whose big-endian bytes are 0x01 || COSE (QR numeric mode)."""
    return str(int.from_bytes(LEAD_BYTE + cose_bytes, "big"))


def digits_to_token(digits: str) -> bytes:
    """Inverse of token_to_digits; MalformedToken for empty, non-ASCII-digit, over-long or non-canonical
    input (leading zeros would give several URLs for one token)."""
    if not isinstance(digits, str) or not digits:
        raise MalformedToken("no digits")
    if len(digits) > MAX_DIGITS:
        raise MalformedToken("too many digits")
    if not _DIGITS.fullmatch(digits):
        raise MalformedToken("token must be ASCII digits without leading zeros")
    number = int(digits)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    if raw[:1] != LEAD_BYTE or len(raw) < 2:
        raise MalformedToken("missing lead byte")
    return raw[1:]


def qr_url(*, host: str, cose: bytes) -> str:
    """`HTTPS://<HOST>/C/<digits>`, all upper case so the prefix fits QR alphanumeric mode."""
    if not _HOST.fullmatch(host):
        raise ValueError(f"not a plain host name: {host!r}")
    return f"HTTPS://{host.upper()}{URL_PATH}{token_to_digits(cose)}"


def digits_from_url_or_digits(text: str, *, host: str | None = None) -> str:
    """The digits from a scanned URL (any case, scheme optional, trailing slash allowed) or bare digits.

    With `host`, a URL for another host is refused (MalformedToken). The digits are returned unchecked:
    pass them to digits_to_token.
    """
    if not isinstance(text, str) or len(text) > MAX_DIGITS + 300:
        raise MalformedToken("not a verification URL")
    text = text.strip()
    if text.isascii() and text.isdigit():
        return text
    match = _URL.fullmatch(text)
    if match is None:
        raise MalformedToken("not a verification URL")
    if host is not None and match["host"].lower() != host.lower():
        raise MalformedToken("verification URL is for another host")
    return match["digits"]
