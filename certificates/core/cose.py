"""COSE_Sign1 (RFC 9052) with ES256, built by hand on cbor2: shared by QR tokens, status and trust lists.

Only what Tongban signs is accepted: tag 18, protected header {alg: ES256, kid}, an empty unprotected
header and a raw 64-byte r||s signature. Anything else is rejected as malformed.

ECDSA signatures are malleable: (r, s) and (r, n − s) both verify. Tongban signs only the low-S form
(s ≤ n/2, as Bitcoin's BIP 62 and the EU DCC verifiers require) and refuses the high-S twin, so a
signature has exactly one encoding and a malleated copy of a genuine token is not genuine.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
_COORD = 32  # P-256 scalar size in bytes: r and s are each 32 bytes in the raw signature
_MAX_DEPTH = 16  # our structures nest at most 3 deep; a low limit stops deeply nested junk early

ES256_CURVE = ec.SECP256R1
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HALF_ORDER = P256_ORDER // 2
_ES256 = ec.ECDSA(hashes.SHA256())  # stateless; built once for every sign and verify


class CoseError(Exception):
    """Base for the verification failures below (callers map them to their own error types)."""


class CoseFormatError(CoseError):
    """The bytes are not a COSE_Sign1 message in the shape Tongban produces."""


class CoseUnknownKey(CoseError):
    """No key is known for the message's kid."""


class CoseBadSignature(CoseError):
    """A key exists for the kid but none of the keys verifies the signature."""


class CoseHighS(CoseBadSignature):
    """The signature verifies, but only in its high-S form: not one Tongban makes (a malleated copy, or
    one signed before signatures were normalised; the caller may look the exact bytes up on record)."""


class Sign1(NamedTuple):
    """A structurally valid, not yet verified COSE_Sign1 message."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes


def cbor_decode_exact(data: bytes) -> Any:
    """Decode one CBOR item that must span all of `data` (trailing bytes are an error).

    Raises CoseFormatError for every failure: the C decoder and its semantic-tag decoders raise
    assorted exception types on hostile input, and callers must only ever see ours.
    """
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp, max_depth=_MAX_DEPTH, allow_indefinite=False, allow_duplicate_keys=False).decode()
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise CoseFormatError(f"not valid CBOR: {exc}") from exc
    if fp.tell() != len(data):
        raise CoseFormatError("trailing bytes after the CBOR item")
    return value


def _bstr_head(length: int) -> bytes:
    # CBOR major type 2 (byte string) header in its shortest form, as cbor2.dumps writes it.
    if length < 24:
        return bytes([0x40 | length])
    if length < 0x100:
        return bytes([0x58, length])
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    return b"\x5a" + length.to_bytes(4, "big")


# array(4), text(10) "Signature1"
_SIG_STRUCTURE_PREFIX = b"\x84\x6aSignature1"


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes actually signed: Sig_structure = ["Signature1", protected, external_aad, payload],
    written directly (it is on every verification's path; equal to cbor2.dumps of the list)."""
    return b"".join((_SIG_STRUCTURE_PREFIX, _bstr_head(len(protected)), protected, b"\x40",
                     _bstr_head(len(payload)), payload))


def der_to_raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(_COORD, "big") + s.to_bytes(_COORD, "big")


def raw_to_der(raw: bytes) -> bytes:
    return encode_dss_signature(int.from_bytes(raw[:_COORD], "big"), int.from_bytes(raw[_COORD:], "big"))


def low_s(raw: bytes) -> bytes:
    """The low-S form of a raw r||s signature (s replaced by n − s when s > n/2)."""
    s = int.from_bytes(raw[_COORD:], "big")
    if s <= _HALF_ORDER:
        return bytes(raw)
    return raw[:_COORD] + (P256_ORDER - s).to_bytes(_COORD, "big")


def is_low_s(raw: bytes) -> bool:
    return int.from_bytes(raw[_COORD:], "big") <= _HALF_ORDER


def sign1(*, payload: bytes, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """Sign `payload` with ES256 and return the tagged COSE_Sign1 bytes."""
    if not isinstance(private_key.curve, ES256_CURVE):
        raise ValueError("ES256 needs a P-256 key")
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: bytes(kid)})
    der = private_key.sign(sig_structure(protected, payload), _ES256)
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, low_s(der_to_raw(der))]))


def parse_sign1(data: bytes) -> Sign1:
    """Check the structure of a COSE_Sign1 message without verifying it."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CoseFormatError("COSE message must be bytes")
    msg = cbor_decode_exact(bytes(data))
    if not isinstance(msg, cbor2.CBORTag) or msg.tag != COSE_SIGN1_TAG:
        raise CoseFormatError("not a tagged COSE_Sign1 message")
    body = msg.value
    # cbor2 decodes the contents of a tag as immutable containers (tuple, frozendict).
    if not isinstance(body, list | tuple) or len(body) != 4:
        raise CoseFormatError("COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = body
    if not isinstance(protected, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise CoseFormatError("protected header, payload and signature must be byte strings")
    # We never put anything in the unprotected header; refusing it removes an unsigned, malleable field.
    if not isinstance(unprotected, Mapping) or unprotected:
        raise CoseFormatError("unprotected header must be an empty map")
    if len(signature) != 2 * _COORD:
        raise CoseFormatError("ES256 signature must be 64 bytes")
    return Sign1(protected=protected, kid=_protected_kid(protected), payload=payload, signature=signature)


@functools.lru_cache(maxsize=256)
def _protected_kid(protected: bytes) -> bytes:
    """The kid of a protected header. Every token of one key has the same header bytes, so the
    (pure) decoding is cached; a bad header raises and is not cached."""
    header = cbor_decode_exact(protected)
    if not isinstance(header, dict) or set(header) != {HEADER_ALG, HEADER_KID}:
        raise CoseFormatError("protected header must hold exactly alg and kid")
    if type(header[HEADER_ALG]) is not int or header[HEADER_ALG] != ALG_ES256:
        raise CoseFormatError("unsupported algorithm (only ES256)")
    kid = header[HEADER_KID]
    if not isinstance(kid, bytes) or not 1 <= len(kid) <= 32:
        raise CoseFormatError("kid must be a short byte string")
    return kid


def verify_sign1(msg: Sign1, *, keys_by_kid: Mapping[bytes, Sequence[ec.EllipticCurvePublicKey]],
                 allow_high_s: bool = False) -> int:
    """Verify a parsed message against every key published under its kid; return the matching key's index.

    A short kid can collide, so all keys listed for it are tried (as the EU DCC verifiers do). A high-S
    signature that verifies raises CoseHighS unless `allow_high_s` (for bytes known to be on record).
    """
    keys = keys_by_kid.get(msg.kid) or ()
    if not keys:
        raise CoseUnknownKey(f"no key for kid {msg.kid.hex()}")
    to_verify = sig_structure(msg.protected, msg.payload)
    der = raw_to_der(msg.signature)
    for index, key in enumerate(keys):
        try:
            key.verify(der, to_verify, _ES256)
        except InvalidSignature:
            continue
        if not allow_high_s and not is_low_s(msg.signature):
            raise CoseHighS("high-S signature: the malleable twin of the one Tongban signs")
        return index
    raise CoseBadSignature("signature does not verify with any key for this kid")
