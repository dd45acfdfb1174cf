"""The draws' secret seeds at rest: AES-256-GCM under the key-encryption key that protects the signing
keys (TONGBAN_KEK, read by certificates.keys.kek), until the draw reveals the seed. Someone reading the
database before the draw learns only the published commitment."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certificates.keys import kek

_VERSION = 1
_NONCE_LENGTH = 12
_AAD = b"tongban:draw-seed"


class SealError(ValueError):
    """The sealed seed cannot be opened: another key-encryption key, or altered data."""


def seal(seed_hex: str, *, key: bytes | None = None) -> str:
    """base64(version byte || 12-byte nonce || AES-256-GCM(seed hex) with its tag), ASCII for a text column."""
    header = bytes([_VERSION])
    nonce = os.urandom(_NONCE_LENGTH)
    sealed = AESGCM(key or kek()).encrypt(nonce, seed_hex.encode("ascii"), header + _AAD)
    return base64.b64encode(header + nonce + sealed).decode("ascii")


def unseal(text: str, *, key: bytes | None = None) -> str:
    try:
        blob = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise SealError("the sealed seed is damaged") from exc
    if len(blob) < 1 + _NONCE_LENGTH + 16 or blob[0] != _VERSION:
        raise SealError("the sealed seed is damaged or in an unknown format")
    header, nonce, sealed = blob[:1], blob[1:1 + _NONCE_LENGTH], blob[1 + _NONCE_LENGTH:]
    try:
        return AESGCM(key or kek()).decrypt(nonce, sealed, header + _AAD).decode("ascii")
    except InvalidTag as exc:
        raise SealError("cannot open the sealed seed: the key-encryption key (TONGBAN_KEK) is not the one it "
                        "was sealed with, or the stored value was altered") from exc


def secret_seed(subject) -> str:
    """The seed of a plan or a case review: revealed after the draw, sealed before it (rows made
    before seeds were sealed keep theirs in `seed` until the migration seals them)."""
    return subject.seed or unseal(subject.sealed_seed)
