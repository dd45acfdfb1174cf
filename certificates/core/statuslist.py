"""Per-key revocation status list for offline verifiers: one bit per certificate (1 = not valid),
zlib-compressed and signed as a COSE_Sign1 over CBOR {"bits", "size", "iat", "kid"}.

Bit order follows the IETF Token Status List: index i is bit (i % 8), least significant first, of
byte i // 8. Indexes are drawn at random so that a list leaks nothing about issue order.
"""

from __future__ import annotations

import random
import secrets
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from .cose import CoseError, cbor_decode_exact, parse_sign1, sign1, verify_sign1

# 131,072 entries (16 KiB): the W3C Bitstring Status List minimum, for "group privacy".
MIN_SIZE = 131_072
# Bounds decompression: 16 Mi entries is 2 MiB of bits, far beyond one key's certificates.
MAX_SIZE = 16 * 1024 * 1024


class StatusListError(Exception):
    """The status list is malformed, signed by an unknown key, or its signature does not verify."""


class StatusListFull(Exception):
    """No free index is left: rotate the signing key or start a larger list."""


@dataclass(frozen=True, slots=True)
class StatusList:
    bits: bytes  # decompressed bitstring
    size: int
    issued_at: int
    covered_kid: bytes  # the key whose certificates the list describes
    signer_kid: bytes


def _check_size(size: int) -> None:
    if type(size) is not int or not MIN_SIZE <= size <= MAX_SIZE or size % 8:
        raise ValueError(f"size must be a multiple of 8 between {MIN_SIZE} and {MAX_SIZE}")


def new_bits(size: int = MIN_SIZE) -> bytearray:
    _check_size(size)
    return bytearray(size // 8)


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise IndexError(f"status index {index} outside 0..{size - 1}")


def set_bit(bits: bytearray, index: int, *, size: int, value: bool = True) -> None:
    _check_index(index, size)
    if value:
        bits[index // 8] |= 1 << (index % 8)
    else:
        bits[index // 8] &= ~(1 << (index % 8)) & 0xFF


def bit_is_set(bits: bytes | bytearray, index: int, *, size: int) -> bool:
    """True when certificate `index` is revoked (or suspended) in the list."""
    _check_index(index, size)
    return bool(bits[index // 8] >> (index % 8) & 1)


def random_free_index(used: set[int], size: int = MIN_SIZE, rng: random.Random | None = None) -> int:
    """An unused index chosen uniformly at random (the caller still guards uniqueness in the database)."""
    if len(used) >= size:
        raise StatusListFull(f"all {size} status indexes are used")
    rng = rng or secrets.SystemRandom()
    # Rejection sampling is fast while the list is sparse, which is the designed state; a dense list
    # falls back to picking from the explicit free set.
    for _ in range(64):
        index = rng.randrange(size)
        if index not in used:
            return index
    free = sorted(set(range(size)) - used)
    return free[rng.randrange(len(free))]


def sign_status_list(
    *,
    bits: bytes | bytearray,
    size: int,
    kid: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    issued_at: int,
    key_kid_covered: bytes,
) -> bytes:
    """COSE_Sign1 (signed by `kid`) of the compressed bits of key `key_kid_covered`."""
    _check_size(size)
    if len(bits) != size // 8:
        raise ValueError("bits must hold exactly size / 8 bytes")
    payload = {"bits": zlib.compress(bytes(bits), 9), "size": size, "iat": issued_at, "kid": key_kid_covered}
    return sign1(payload=cbor2.dumps(payload), private_key=private_key, kid=kid)


def verify_status_list(data: bytes, *, keys_by_kid: Mapping[bytes, Sequence[ec.EllipticCurvePublicKey]]) -> StatusList:
    """Verify the signature and decompress; raises only StatusListError."""
    try:
        msg = parse_sign1(data)
        verify_sign1(msg, keys_by_kid=keys_by_kid)
        payload = cbor_decode_exact(msg.payload)
    except CoseError as exc:
        raise StatusListError(str(exc)) from exc
    if not isinstance(payload, dict):
        raise StatusListError("status list payload must be a map")
    size, iat, covered, compressed = (payload.get(k) for k in ("size", "iat", "kid", "bits"))
    try:
        _check_size(size)  # type: ignore[arg-type]
    except ValueError as exc:
        raise StatusListError(str(exc)) from exc
    if type(iat) is not int or not isinstance(covered, bytes) or not isinstance(compressed, bytes):
        raise StatusListError("status list fields have the wrong types")
    # Never inflate more than the declared size: a signed list is ours, but keep the bound regardless.
    inflater = zlib.decompressobj()
    try:
        bits = inflater.decompress(compressed, size // 8)
    except zlib.error as exc:
        raise StatusListError("status list bits are not valid zlib data") from exc
    if len(bits) != size // 8 or not inflater.eof or inflater.unconsumed_tail:
        raise StatusListError("status list bits do not match the declared size")
    return StatusList(bits=bits, size=size, issued_at=iat, covered_kid=covered, signer_kid=msg.kid)
