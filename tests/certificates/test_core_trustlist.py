"""Trust list: JSON form, signed form, parsing into verification keys."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from certificates.core.keys import generate_signing_key, kid_for
from certificates.core.trustlist import (
    ACTIVE,
    COMPROMISED,
    RETIRED,
    TrustListError,
    TrustListKey,
    b64url,
    build_trust_list,
    canonical_json,
    parse_trust_list,
    sign_trust_list,
    verify_signed_trust_list,
)

NOW = datetime(2026, 1, 1, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys():
    return [generate_signing_key() for _ in range(3)]


@pytest.fixture(scope="module")
def document(keys):
    statuses = (ACTIVE, RETIRED, COMPROMISED)
    return build_trust_list(
        keys=[
            TrustListKey(
                public_key=k.public_key(),
                authority="YNKJT",
                not_before=NOW - timedelta(days=400 * i),
                not_after=NOW + timedelta(days=2000),
                status=s,
            )
            for i, (k, s) in enumerate(zip(keys, statuses, strict=True))
        ],
        issued_at=NOW,
        version=7,
    )


def test_document_lists_every_key_with_base64url_kid_and_jwk(document, keys):
    assert document["version"] == 7
    assert document["issued_at"] == "2026-01-01T08:00:00Z"
    assert {e["kid"] for e in document["keys"]} == {b64url(kid_for(k.public_key())) for k in keys}
    entry = document["keys"][0]
    assert set(entry) == {"kid", "alg", "jwk", "authority", "not_before", "not_after", "status"}
    assert entry["alg"] == "ES256" and entry["jwk"]["crv"] == "P-256"
    json.dumps(document)  # plain JSON types only


def test_parse_keeps_active_and_retired_and_drops_compromised(document, keys):
    keys_by_kid = parse_trust_list(document)
    assert set(keys_by_kid) == {kid_for(keys[0].public_key()), kid_for(keys[1].public_key())}


def test_parse_refuses_an_entry_whose_kid_does_not_match_its_key(document):
    broken = json.loads(json.dumps(document))
    active = next(e for e in broken["keys"] if e["status"] == ACTIVE)
    active["kid"] = next(e for e in broken["keys"] if e is not active)["kid"]
    with pytest.raises(TrustListError, match="does not match"):
        parse_trust_list(broken)


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"keys": "x"},
        {"keys": [1]},
        {"keys": [{"status": "gone"}]},
        {"keys": [{"status": "active", "alg": "ES256", "kid": "AA", "jwk": {}}]},
    ],
)
def test_parse_refuses_malformed_documents(broken):
    with pytest.raises(TrustListError):
        parse_trust_list(broken)


def test_canonical_json_is_stable_and_utf8(document):
    assert canonical_json(document) == canonical_json(json.loads(canonical_json(document)))
    assert "云南".encode() in canonical_json({"a": "云南"})


def test_signed_trust_list_verifies_with_the_pinned_key_only(document):
    root = generate_signing_key()
    pinned = {kid_for(root.public_key()): [root.public_key()]}
    signed = sign_trust_list(document, private_key=root, kid=kid_for(root.public_key()))
    assert verify_signed_trust_list(signed, trusted_keys_by_kid=pinned) == document
    with pytest.raises(TrustListError):
        verify_signed_trust_list(signed, trusted_keys_by_kid={})
    tampered = signed.replace(b'"retired"', b'"active!"')
    assert tampered != signed
    with pytest.raises(TrustListError):
        verify_signed_trust_list(tampered, trusted_keys_by_kid=pinned)
