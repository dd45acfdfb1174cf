"""The published trust list: every authority signing key (active, retired or compromised) as JSON,
its signed form (COSE_Sign1 over the canonical JSON bytes), and parsing into verification keys.

Retired keys stay listed so certificates they signed keep verifying; compromised keys stay listed with
that status so clients learn of the withdrawal, and are never used for verification.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from .cose import CoseError, parse_sign1, sign1, verify_sign1
from .keys import kid_for, public_key_from_jwk, public_key_jwk

TRUST_LIST_VERSION = 1
ACTIVE, RETIRED, COMPROMISED = "active", "retired", "compromised"
STATUSES = (ACTIVE, RETIRED, COMPROMISED)


class TrustListError(Exception):
    """The trust list (or its signed form) is malformed or not genuine."""


@dataclass(frozen=True, slots=True)
class TrustListKey:
    public_key: ec.EllipticCurvePublicKey
    authority: str  # authority code
    not_before: datetime
    not_after: datetime  # when the last certificate it signed expires, not when it stops signing
    status: str = ACTIVE


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("trust list times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_trust_list(*, keys: Iterable[TrustListKey], issued_at: datetime, version: int) -> dict[str, Any]:
    """The JSON document; `version` is a counter the publisher increases on every change."""
    entries = []
    for key in keys:
        if key.status not in STATUSES:
            raise ValueError(f"unknown key status {key.status!r}")
        entries.append(
            {
                "kid": b64url(kid_for(key.public_key)),
                "alg": "ES256",
                "jwk": public_key_jwk(key.public_key),
                "authority": key.authority,
                "not_before": _iso(key.not_before),
                "not_after": _iso(key.not_after),
                "status": key.status,
            }
        )
    entries.sort(key=lambda e: (e["authority"], e["not_before"], e["kid"]))
    return {"format": TRUST_LIST_VERSION, "version": version, "issued_at": _iso(issued_at), "keys": entries}


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the exact bytes signed, served and hashed for the ETag."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_trust_list(document: Mapping[str, Any], *, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """COSE_Sign1 whose payload is canonical_json(document), signed by the trust-list key."""
    return sign1(payload=canonical_json(document), private_key=private_key, kid=kid)


def verify_signed_trust_list(
    data: bytes, *, trusted_keys_by_kid: Mapping[bytes, Sequence[ec.EllipticCurvePublicKey]]
) -> dict[str, Any]:
    """The JSON document inside a signed trust list, after checking it against the pinned keys."""
    try:
        msg = parse_sign1(data)
        verify_sign1(msg, keys_by_kid=trusted_keys_by_kid)
    except CoseError as exc:
        raise TrustListError(f"signed trust list rejected: {exc}") from exc
    try:
        document = json.loads(msg.payload.decode("utf-8"))
    except ValueError as exc:
        raise TrustListError("signed trust list payload is not JSON") from exc
    if not isinstance(document, dict):
        raise TrustListError("trust list must be a JSON object")
    return document


def parse_trust_list(document: Mapping[str, Any]) -> dict[bytes, list[ec.EllipticCurvePublicKey]]:
    """keys_by_kid for verify_token: active and retired ES256 keys; compromised ones are left out, so what
    they signed fails as UnknownKey. Each kid is recomputed from its key and must match."""
    entries = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise TrustListError("trust list has no key array")
    keys_by_kid: dict[bytes, list[ec.EllipticCurvePublicKey]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
            raise TrustListError("trust list entry is malformed")
        if entry["status"] == COMPROMISED or entry.get("alg") != "ES256":
            continue
        try:
            key = public_key_from_jwk(entry.get("jwk"))  # type: ignore[arg-type]
            kid = b64url_decode(entry["kid"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TrustListError("trust list entry has a bad key or kid") from exc
        if kid != kid_for(key):
            raise TrustListError(f"kid {entry['kid']} does not match its key")
        keys_by_kid.setdefault(kid, []).append(key)
    return keys_by_kid
