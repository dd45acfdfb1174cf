"""Offline verification: the signature against a trust list file and, where given, the key's
status list file — no database. Used by `manage.py verify_certificate` and usable by any verifier."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from .core import statuslist, tokens, trustlist


@dataclass
class OfflineResult:
    verdict: str  # valid, expired, not_yet_valid, revoked, forged
    claims: tokens.TokenClaims | None = None
    kid: bytes | None = None
    reason: str = ""
    status_list_date: dt.datetime | None = None
    unknowable: list[str] = field(default_factory=list)


def load_trust_list(path: Path, *, pinned: dict | None = None) -> dict[bytes, list]:
    """A trust list file: the JSON document, or its signed (COSE) form checked against the pinned
    publisher key (a JWK)."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        return trustlist.parse_trust_list(json.loads(data))
    if pinned is None:
        raise trustlist.TrustListError("a signed trust list needs the publisher's key (--publisher-key)")
    from .core.keys import kid_for, public_key_from_jwk

    key = public_key_from_jwk(pinned)
    document = trustlist.verify_signed_trust_list(data, trusted_keys_by_kid={kid_for(key): [key]})
    return trustlist.parse_trust_list(document)


def verify_offline(text: str, *, keys_by_kid: dict, status_lists: list[bytes] = (), today: dt.date) -> OfflineResult:
    try:
        cose = tokens.digits_to_token(tokens.digits_from_url_or_digits(text))
        verified = tokens.verify_token(cose, keys_by_kid=keys_by_kid)
    except tokens.UnknownKey:
        return OfflineResult("forged", reason="the key is not in the trust list (unknown or compromised)")
    except tokens.BadSignature:
        return OfflineResult("forged", reason="the signature does not verify: altered or forged")
    except tokens.TokenError as exc:
        return OfflineResult("forged", reason=f"not a Tongban token: {exc}")
    claims = verified.claims
    result = OfflineResult("valid", claims=claims, kid=verified.kid)
    for data in status_lists:
        try:
            status = statuslist.verify_status_list(data, keys_by_kid=keys_by_kid)
        except statuslist.StatusListError as exc:
            result.unknowable.append(f"a status list was ignored: {exc}")
            continue
        if status.covered_kid != verified.kid:
            continue
        result.status_list_date = dt.datetime.fromtimestamp(status.issued_at, dt.UTC)
        if statuslist.bit_is_set(status.bits, claims.status_index, size=status.size):
            result.verdict = "revoked"
            result.reason = "the status list marks it withdrawn (suspended, revoked, cancelled or replaced)"
            return result
    if today > claims.valid_to:
        result.verdict = "expired"
    elif today < claims.valid_from:
        result.verdict = "not_yet_valid"
    if result.status_list_date is None:
        result.unknowable.append("live status (suspension, revocation, cancellation) needs the online check "
                                 "or the key's status list")
    else:
        result.unknowable.append(f"changes after the status list of {result.status_list_date:%Y-%m-%d %H:%M} UTC "
                                 "need the online check")
    return result
