"""A token is accepted only in the exact bytes encode_token writes: other encodings of the same envelope
or claims, other claim sets or orders are malformed, even when the signature over them verifies."""

import random

import cbor2
import pytest

from certificates.core import cose
from certificates.core.tokens import MalformedToken, TokenClaims, decode_unverified, encode_token, verify_token

from .test_core_tokens import make_claims


@pytest.fixture(scope="module")
def parts(key, kid):
    token = encode_token(claims=make_claims(), private_key=key, kid=kid)
    protected, _, payload, signature = cbor2.loads(token).value
    return token, protected, payload, signature


def _bstr(data: bytes, *, width: int = 0) -> bytes:
    """A byte string head of `width` extra bytes (0: the short form, only valid below 24)."""
    if width == 0:
        return bytes([0x40 | len(data)]) + data
    return bytes([0x58 + {1: 0, 2: 1, 4: 2, 8: 3}[width]]) + len(data).to_bytes(width, "big") + data


def _envelope(protected, payload, signature, *, tag=b"\xd2", array=b"\x84", unprotected=b"\xa0",
              protected_width=None, payload_width=None, signature_width=1) -> bytes:
    protected_width = (0 if len(protected) < 24 else 1) if protected_width is None else protected_width
    payload_width = (1 if len(payload) < 256 else 2) if payload_width is None else payload_width
    return b"".join((tag, array, _bstr(protected, width=protected_width), unprotected,
                     _bstr(payload, width=payload_width), _bstr(signature, width=signature_width)))


def test_the_envelope_builder_writes_the_genuine_bytes(parts):
    token, protected, payload, signature = parts
    assert _envelope(protected, payload, signature) == token


ENVELOPE_VARIANTS = {
    "tag in two bytes": {"tag": b"\xd8\x12"},
    "array head in two bytes": {"array": b"\x98\x04"},
    "unprotected map head in two bytes": {"unprotected": b"\xb8\x00"},
    "protected header length in a longer head": {"protected_width": 1},
    "payload length in a longer head": {"payload_width": 2},
    "signature length in a longer head": {"signature_width": 2},
}


@pytest.mark.parametrize("name", list(ENVELOPE_VARIANTS))
def test_a_re_encoded_envelope_of_a_genuine_token_is_malformed(name, parts, keys_by_kid):
    token, protected, payload, signature = parts
    variant = _envelope(protected, payload, signature, **ENVELOPE_VARIANTS[name])
    assert variant != token
    # The general COSE layer finds the signature good: it covers the header and payload, not the envelope.
    assert cose.verify_sign1(cose.parse_sign1(variant), keys_by_kid=keys_by_kid) == 0
    with pytest.raises(MalformedToken):
        verify_token(variant, keys_by_kid=keys_by_kid)
    with pytest.raises(MalformedToken):
        decode_unverified(variant)


def test_a_kid_in_a_longer_head_is_malformed_even_when_signed(key, kid, keys_by_kid, parts):
    _token, _protected, payload, _signature = parts
    protected = b"\xa2\x01\x26\x04" + _bstr(kid, width=1)
    signature = cose.low_s(cose.der_to_raw(key.sign(cose.sig_structure(protected, payload), cose._ES256)))
    variant = _envelope(protected, payload, signature)
    assert cose.verify_sign1(cose.parse_sign1(variant), keys_by_kid=keys_by_kid) == 0
    with pytest.raises(MalformedToken):
        verify_token(variant, keys_by_kid=keys_by_kid)


def _claims(**changes):
    claims = make_claims().to_cbor_map()
    claims.update(changes)
    return claims


def _payload_variants() -> dict[str, bytes]:
    genuine = cbor2.dumps(make_claims().to_cbor_map())
    private = make_claims().to_cbor_map()[-70000]
    reordered = dict(reversed(list(_claims().items())))
    with_true_key = {True if label == 1 else label: value for label, value in _claims().items()}
    with_float_key = {6.0 if label == 6 else label: value for label, value in _claims().items()}
    iat = make_claims().iat.to_bytes(4, "big")
    assert genuine.count(b"\x06\x1a" + iat) == 1 and genuine.count(b"\x01\x65YNKJT") == 1
    return {
        "an extra claim": cbor2.dumps(_claims(**{"8": 1})),
        "an extra numeric claim": cbor2.dumps({**_claims(), 8: 1}),
        "an extra private key": cbor2.dumps({**_claims(), -70000: {**private, "x": 1}}),
        "claims in another order": cbor2.dumps(reordered),
        "private keys in another order": cbor2.dumps({**_claims(), -70000: dict(reversed(list(private.items())))}),
        "iss under the key true": cbor2.dumps(with_true_key),
        "iat under the key 6.0": cbor2.dumps(with_float_key),
        "iat in eight bytes": genuine.replace(b"\x06\x1a" + iat, b"\x06\x1b" + bytes(4) + iat),
        "iss with a longer text head": genuine.replace(b"\x01\x65YNKJT", b"\x01\x78\x05YNKJT"),
        "a trailing byte": genuine + b"\x00",
        "an indefinite private map": genuine.replace(b"\xa9\x61v", b"\xbf\x61v") + b"\xff",
    }


@pytest.mark.parametrize("name", list(_payload_variants()))
def test_signed_claims_in_another_layout_are_malformed(name, key, kid, keys_by_kid):
    payload = _payload_variants()[name]
    signed = cose.sign1(payload=payload, private_key=key, kid=kid)
    assert cose.verify_sign1(cose.parse_sign1(signed), keys_by_kid=keys_by_kid) == 0
    with pytest.raises(MalformedToken):
        verify_token(signed, keys_by_kid=keys_by_kid)


def test_a_signed_mutation_is_genuine_only_if_it_is_the_encoders_own_output(key, kid, keys_by_kid):
    """Random byte changes of the payload, each signed with the genuine key: whatever verifies is exactly
    the encoding encode_token would write for the claims read back."""
    rng = random.Random(14)
    genuine = bytearray(cbor2.dumps(make_claims().to_cbor_map()))
    accepted = rejected = 0
    for _ in range(400):
        payload = bytearray(genuine)
        position = rng.randrange(len(payload))
        action = rng.randrange(3)
        if action == 0:
            payload[position] = rng.randrange(256)
        elif action == 1:
            payload.insert(position, rng.randrange(256))
        else:
            del payload[position]
        signed = cose.sign1(payload=bytes(payload), private_key=key, kid=kid)
        try:
            verified = verify_token(signed, keys_by_kid=keys_by_kid)
        except MalformedToken:
            rejected += 1
            continue
        accepted += 1
        assert cbor2.dumps(verified.claims.to_cbor_map()) == bytes(payload)
        assert isinstance(verified.claims, TokenClaims)
    assert accepted > 10 and rejected > 100
