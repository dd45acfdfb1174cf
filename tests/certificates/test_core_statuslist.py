"""Per-key status lists: bit layout, signing, tampering, index allocation."""

import random
import zlib

import cbor2
import pytest

from certificates.core import cose
from certificates.core.keys import generate_signing_key, kid_for
from certificates.core.statuslist import (
    MIN_SIZE,
    StatusListError,
    StatusListFull,
    bit_is_set,
    new_bits,
    random_free_index,
    set_bit,
    sign_status_list,
    verify_status_list,
)


@pytest.fixture(scope="module")
def signer():
    key = generate_signing_key()
    return key, kid_for(key.public_key())


def _signed(signer, revoked, size=MIN_SIZE):
    key, kid = signer
    bits = new_bits(size)
    for index in revoked:
        set_bit(bits, index, size=size)
    return sign_status_list(
        bits=bits, size=size, kid=kid, private_key=key, issued_at=1_767_657_600, key_kid_covered=b"covered!"
    )


def test_bits_are_least_significant_first_within_each_byte():
    bits = new_bits()
    set_bit(bits, 0, size=MIN_SIZE)
    set_bit(bits, 9, size=MIN_SIZE)
    assert bits[0] == 0b0000_0001 and bits[1] == 0b0000_0010
    set_bit(bits, 9, size=MIN_SIZE, value=False)
    assert bits[1] == 0
    assert bit_is_set(bits, 0, size=MIN_SIZE) and not bit_is_set(bits, 1, size=MIN_SIZE)
    with pytest.raises(IndexError):
        bit_is_set(bits, MIN_SIZE, size=MIN_SIZE)


def test_lists_smaller_than_the_privacy_minimum_are_refused():
    with pytest.raises(ValueError):
        new_bits(1024)


def test_signed_list_round_trips_and_stays_small(signer):
    rng = random.Random(3)
    revoked = set(rng.sample(range(MIN_SIZE), MIN_SIZE // 100))
    signed = _signed(signer, revoked)
    assert len(signed) < 2500  # ~1.9 KB at 1 % revoked
    key, kid = signer
    status = verify_status_list(signed, keys_by_kid={kid: [key.public_key()]})
    assert (status.size, status.issued_at, status.covered_kid, status.signer_kid) == (
        MIN_SIZE,
        1_767_657_600,
        b"covered!",
        kid,
    )
    assert {i for i in range(MIN_SIZE) if bit_is_set(status.bits, i, size=status.size)} == revoked


def test_tampered_list_is_rejected(signer):
    key, kid = signer
    signed = _signed(signer, {5, 77})
    protected, _, payload, signature = cbor2.loads(signed).value
    claims = cbor2.loads(payload)
    claims["bits"] = _signed_bits_without_revocations()
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cbor2.dumps(claims), signature]))
    with pytest.raises(StatusListError):
        verify_status_list(forged, keys_by_kid={kid: [key.public_key()]})
    for bit in range(0, len(signed) * 8, 7):
        flipped = bytearray(signed)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(StatusListError):
            verify_status_list(bytes(flipped), keys_by_kid={kid: [key.public_key()]})


def _signed_bits_without_revocations():
    return zlib.compress(bytes(MIN_SIZE // 8), 9)


def test_list_from_an_unknown_signer_is_rejected(signer):
    with pytest.raises(StatusListError):
        verify_status_list(_signed(signer, set()), keys_by_kid={})


def test_list_whose_bits_do_not_match_its_size_is_rejected(signer):
    key, kid = signer
    payload = cbor2.dumps({"bits": zlib.compress(bytes(10)), "size": MIN_SIZE, "iat": 1, "kid": b"x"})
    signed = cose.sign1(payload=payload, private_key=key, kid=kid)
    with pytest.raises(StatusListError, match="size"):
        verify_status_list(signed, keys_by_kid={kid: [key.public_key()]})


def test_random_free_index_avoids_used_indexes():
    rng = random.Random(11)
    used = set(range(0, MIN_SIZE, 2))
    for _ in range(200):
        assert random_free_index(used, MIN_SIZE, rng) % 2 == 1
    almost_full = set(range(MIN_SIZE)) - {4242}
    assert random_free_index(almost_full, MIN_SIZE, rng) == 4242
    with pytest.raises(StatusListFull):
        random_free_index(set(range(MIN_SIZE)), MIN_SIZE, rng)
