"""Signed QR tokens: CWT claims in COSE_Sign1, digits and URL forms, and hostile input."""

import hashlib
import os
import random
from datetime import UTC, date, datetime, timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certificates.core import cose
from certificates.core.keys import generate_signing_key, kid_for, public_key_der
from certificates.core.tokens import (
    BadSignature,
    MalformedToken,
    TokenClaims,
    TokenError,
    UnknownKey,
    decode_unverified,
    digits_from_url_or_digits,
    digits_to_token,
    encode_token,
    qr_url,
    token_to_digits,
    verify_token,
)
from certificates.core.trustlist import COMPROMISED, RETIRED, TrustListKey, build_trust_list, parse_trust_list


def make_claims(**changes) -> TokenClaims:
    claims = TokenClaims(
        iss="YNKJT",
        iat=1_767_657_600,
        nbf=1_767_657_600,
        exp=1_925_337_600,
        cti=bytes(range(16)),
        kind="SYXK",
        number="SYXK(滇)2026-0001",
        holder_name="昆明某某生物技术有限公司",
        holder_code="91530100MA6K123456",
        valid_from=date(2026, 1, 6),
        valid_to=date(2031, 1, 5),
        revision=1,
        status_index=98_765,
    )
    return claims._replace(**changes)


@pytest.fixture(scope="module")
def token(key, kid):
    return encode_token(claims=make_claims(), private_key=key, kid=kid)


def test_token_round_trips_through_verification(token, keys_by_kid, kid, key):
    verified = verify_token(token, keys_by_kid=keys_by_kid)
    assert verified.claims == make_claims()
    assert verified.kid == kid
    assert verified.public_key.public_numbers() == key.public_key().public_numbers()


def test_token_is_compact(token):
    # Minimal claim set (no address or scope): about 270 bytes, QR version 13 at level M.
    assert 220 < len(token) < 320


def test_claims_use_cwt_labels_and_the_private_claim_map(token):
    body = cbor2.loads(token)
    assert body.tag == 18
    protected, unprotected, payload, signature = body.value
    claims = cbor2.loads(payload)
    assert set(claims) == {1, 4, 5, 6, 7, -70000}
    assert claims[7] == bytes(range(16))
    assert set(claims[-70000]) == {"v", "t", "no", "h", "id", "f", "u", "rv", "st"}
    assert claims[-70000]["v"] == 1
    assert claims[-70000]["f"] == (date(2026, 1, 6) - date(1970, 1, 1)).days
    assert dict(unprotected) == {}
    assert len(signature) == 64


def test_signature_is_plain_es256_over_the_rfc9052_sig_structure(token, key, kid):
    protected, _, payload, signature = cbor2.loads(token).value
    assert cbor2.loads(protected) == {1: -7, 4: kid}
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der = cose.raw_to_der(signature)
    key.public_key().verify(der, to_be_signed, ec.ECDSA(hashes.SHA256()))  # raises if wrong


def test_kid_is_sha256_of_the_public_key_info(key, kid):
    assert kid == hashlib.sha256(public_key_der(key.public_key())).digest()[:8]


def test_decode_unverified_reads_claims_without_a_key(token, kid):
    assert decode_unverified(token) == (kid, make_claims())


# --- digits and URL -----------------------------------------------------------------------------------


def test_digits_round_trip_keeps_leading_zero_bytes():
    for payload in (b"\x00\x00\x01", b"\x00", bytes(300), os.urandom(400)):
        digits = token_to_digits(payload)
        assert digits.isdigit() and digits[0] != "0"
        assert digits_to_token(digits) == payload


def test_qr_url_is_upper_case_and_parses_back(token):
    url = qr_url(host="v.tongban.yn.gov.cn", cose=token)
    assert url.startswith("HTTPS://V.TONGBAN.YN.GOV.CN/C/")
    assert url == url.upper()
    digits = url.rsplit("/", 1)[1]
    assert digits_to_token(digits_from_url_or_digits(url)) == token
    for variant in (url.lower(), url[len("HTTPS://") :], url + "/", "http://" + url[8:], f"  {url}\n", digits):
        assert digits_from_url_or_digits(variant) == digits
    assert digits_from_url_or_digits(url, host="V.tongban.yn.gov.cn") == digits
    with pytest.raises(MalformedToken):
        digits_from_url_or_digits(url, host="evil.example.com")


@pytest.mark.parametrize("host", ["", "a b", "host/path", "ex_ample.cn", "-x.cn"])
def test_qr_url_refuses_hosts_outside_the_alphanumeric_set(host, token):
    with pytest.raises(ValueError):
        qr_url(host=host, cose=token)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HTTPS://V.EXAMPLE.CN/X/123",
        "HTTPS://V.EXAMPLE.CN/C/",
        "HTTPS://V.EXAMPLE.CN/C/12a",
        "javascript:1",
        "x" * 1_000_000,
    ],
)
def test_unrecognised_scans_are_malformed(text):
    with pytest.raises(MalformedToken):
        digits_from_url_or_digits(text)


@pytest.mark.parametrize(
    "digits",
    [
        "",
        "12a4",
        "-123",
        "+123",
        " 123",
        "１２３",  # full-width digits: str.isdigit() says yes, int() would accept them
        "٣٤٥",
        "0" + "1" * 50,  # leading zero: not the canonical form
        "0",
        "1" * 3001,
        "9" * 1_000_000,  # a 1 MB string must be refused before int() sees it
    ],
)
def test_digits_that_are_not_a_canonical_token_are_malformed(digits):
    with pytest.raises(MalformedToken):
        digits_to_token(digits)


def test_wrong_lead_byte_is_malformed(token):
    for lead in (b"\x02", b"\xff", b""):
        digits = str(int.from_bytes(lead + token, "big"))
        with pytest.raises(MalformedToken):
            digits_to_token(digits)
    with pytest.raises(MalformedToken):
        digits_to_token("1")  # the lead byte alone


# --- hostile COSE ------------------------------------------------------------------------------------


def _verify_or_error(data, keys_by_kid):
    try:
        verify_token(data, keys_by_kid=keys_by_kid)
    except TokenError as exc:
        return exc
    return None


def test_every_truncation_is_malformed(token, keys_by_kid):
    for length in range(len(token)):
        with pytest.raises(MalformedToken):
            verify_token(token[:length], keys_by_kid=keys_by_kid)
    with pytest.raises(MalformedToken):
        verify_token(token + b"\x00", keys_by_kid=keys_by_kid)


def test_every_single_bit_flip_is_rejected(token, keys_by_kid):
    for bit in range(len(token) * 8):
        flipped = bytearray(token)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert _verify_or_error(bytes(flipped), keys_by_kid) is not None, f"bit {bit} accepted"


def test_ten_thousand_random_bit_flips_give_no_valid_token():
    # Many tokens and keys, so the flips meet different lengths, claims and signatures.
    rng = random.Random(18)
    kinds = {MalformedToken: 0, UnknownKey: 0, BadSignature: 0}
    for n in range(20):
        key = generate_signing_key()
        kid = kid_for(key.public_key())
        claims = make_claims(cti=rng.randbytes(16), holder_name="某" * rng.randrange(1, 40), status_index=n)
        token = encode_token(claims=claims, private_key=key, kid=kid)
        keys_by_kid = {kid: [key.public_key()]}
        for _ in range(500):
            flipped = bytearray(token)
            bit = rng.randrange(len(token) * 8)
            flipped[bit // 8] ^= 1 << (bit % 8)
            error = _verify_or_error(bytes(flipped), keys_by_kid)
            assert error is not None
            kinds[type(error)] += 1
    assert sum(kinds.values()) == 10_000
    assert all(kinds.values())  # each failure class is reached


def test_random_bytes_and_random_cbor_never_raise_anything_else(keys_by_kid):
    rng = random.Random(9052)
    samples = [rng.randbytes(rng.randrange(0, 600)) for _ in range(3000)]
    # Inputs that start like a COSE_Sign1 get further into the parser than pure noise.
    samples += [b"\xd2\x84" + rng.randbytes(rng.randrange(0, 300)) for _ in range(2000)]
    samples += [b"\xd2" + rng.randbytes(rng.randrange(0, 300)) for _ in range(1000)]
    for data in samples:
        assert _verify_or_error(data, keys_by_kid) is not None
    for data in ("not bytes", None, 12345, [b"x"]):
        assert isinstance(_verify_or_error(data, keys_by_kid), MalformedToken)


def _sign1(protected, unprotected, payload, signature, tag=18):
    body = [protected, unprotected, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(tag, body) if tag is not None else body)


def _structural_variants(key, kid):
    good_protected = cbor2.dumps({1: -7, 4: kid})
    payload = cbor2.dumps(make_claims().to_cbor_map())
    sig = bytes(64)

    def claims_with(mutate):
        claims = make_claims().to_cbor_map()
        mutate(claims)
        return cbor2.dumps(claims)

    return {
        "untagged": _sign1(good_protected, {}, payload, sig, tag=None),
        "other tag": _sign1(good_protected, {}, payload, sig, tag=98),
        "three items": cbor2.dumps(cbor2.CBORTag(18, [good_protected, {}, payload])),
        "unprotected kid": _sign1(good_protected, {4: kid}, payload, sig),
        "alg ES384": _sign1(cbor2.dumps({1: -35, 4: kid}), {}, payload, sig),
        "alg none": _sign1(cbor2.dumps({4: kid}), {}, payload, sig),
        "alg as text": _sign1(cbor2.dumps({1: "ES256", 4: kid}), {}, payload, sig),
        "kid as text": _sign1(cbor2.dumps({1: -7, 4: "kid"}), {}, payload, sig),
        "protected not a map": _sign1(cbor2.dumps([1, -7]), {}, payload, sig),
        "short signature": _sign1(good_protected, {}, payload, bytes(63)),
        "DER signature": _sign1(good_protected, {}, payload, bytes(70)),
        "payload not bytes": _sign1(good_protected, {}, make_claims().to_cbor_map(), sig),
        "payload trailing bytes": _sign1(good_protected, {}, payload + b"\x00", sig),
        "claims not a map": _sign1(good_protected, {}, cbor2.dumps([1, 2]), sig),
        "version 2": _sign1(good_protected, {}, claims_with(lambda c: c[-70000].update(v=2)), sig),
        "exp missing": _sign1(good_protected, {}, claims_with(lambda c: c.pop(4)), sig),
        "exp as bool": _sign1(good_protected, {}, claims_with(lambda c: c.update({4: True})), sig),
        "exp huge": _sign1(good_protected, {}, claims_with(lambda c: c.update({4: 2**70})), sig),
        "cti 8 bytes": _sign1(good_protected, {}, claims_with(lambda c: c.update({7: b"12345678"})), sig),
        "day as text": _sign1(good_protected, {}, claims_with(lambda c: c[-70000].update(f="2026-01-06")), sig),
        "day out of range": _sign1(good_protected, {}, claims_with(lambda c: c[-70000].update(u=10**9)), sig),
        "negative revision": _sign1(good_protected, {}, claims_with(lambda c: c[-70000].update(rv=-1)), sig),
        "indefinite map": b"\xd2\x84" + cbor2.dumps(good_protected) + b"\xbf\xff" + cbor2.dumps(payload),
        "deep nesting": b"\x81" * 5000,
    }


@pytest.mark.parametrize("name", list(_structural_variants(generate_signing_key(), b"12345678")))
def test_structurally_wrong_tokens_are_malformed(name, key, kid, keys_by_kid):
    data = _structural_variants(key, kid)[name]
    with pytest.raises(MalformedToken):
        verify_token(data, keys_by_kid=keys_by_kid)


def test_token_from_another_key_under_a_known_kid_is_a_bad_signature(kid, keys_by_kid):
    forger = generate_signing_key()
    forged = encode_token(claims=make_claims(), private_key=forger, kid=kid)
    with pytest.raises(BadSignature):
        verify_token(forged, keys_by_kid=keys_by_kid)


def test_changed_claims_with_the_original_signature_are_a_bad_signature(token, keys_by_kid):
    protected, _, _, signature = cbor2.loads(token).value
    altered = cbor2.dumps(make_claims(valid_to=date(2099, 1, 1)).to_cbor_map())
    with pytest.raises(BadSignature):
        verify_token(_sign1(protected, {}, altered, signature), keys_by_kid=keys_by_kid)


def test_unknown_kid_is_unknown_key(token):
    with pytest.raises(UnknownKey):
        verify_token(token, keys_by_kid={})
    with pytest.raises(UnknownKey):
        verify_token(token, keys_by_kid={b"\x00" * 8: [generate_signing_key().public_key()]})


def test_colliding_kid_tries_every_key(token, key, kid):
    other = generate_signing_key().public_key()
    assert verify_token(token, keys_by_kid={kid: [other, key.public_key()]}).claims == make_claims()


# --- rotation and the trust list ---------------------------------------------------------------------


def _trust_list(entries):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    keys = [
        TrustListKey(
            public_key=k.public_key(),
            authority="YNKJT",
            not_before=now,
            not_after=now + timedelta(days=2200),
            status=status,
        )
        for k, status in entries
    ]
    return build_trust_list(keys=keys, issued_at=now, version=3)


def test_rotated_key_keeps_verifying_old_tokens():
    old, new = generate_signing_key(), generate_signing_key()
    old_token = encode_token(claims=make_claims(), private_key=old, kid=kid_for(old.public_key()))
    new_token = encode_token(claims=make_claims(revision=2), private_key=new, kid=kid_for(new.public_key()))
    keys_by_kid = parse_trust_list(_trust_list([(old, RETIRED), (new, "active")]))
    assert verify_token(old_token, keys_by_kid=keys_by_kid).claims.revision == 1
    assert verify_token(new_token, keys_by_kid=keys_by_kid).claims.revision == 2


def test_compromised_key_is_left_out_so_its_tokens_are_unknown_key():
    bad, good = generate_signing_key(), generate_signing_key()
    bad_token = encode_token(claims=make_claims(), private_key=bad, kid=kid_for(bad.public_key()))
    keys_by_kid = parse_trust_list(_trust_list([(bad, COMPROMISED), (good, "active")]))
    assert kid_for(bad.public_key()) not in keys_by_kid
    with pytest.raises(UnknownKey):
        verify_token(bad_token, keys_by_kid=keys_by_kid)


@pytest.mark.parametrize("changes", [{"cti": b"short"}, {"status_index": -1}, {"exp": -5}])
def test_claims_no_verifier_would_accept_are_not_signed(key, kid, changes):
    with pytest.raises(ValueError, match="cannot be encoded"):
        encode_token(claims=make_claims(**changes), private_key=key, kid=kid)
