"""Keys: JWK, the X.509 authority chain, and encryption of private keys at rest."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certificates.core.keys import (
    KekError,
    KeyDecryptionError,
    certificate_from_pem,
    certificate_to_pem,
    create_authority_chain,
    decrypt_private_key,
    encrypt_private_key,
    generate_kek,
    generate_signing_key,
    issue_signing_certificate,
    kid_for,
    load_kek,
    public_key_from_jwk,
    public_key_jwk,
)

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def chain():
    return create_authority_chain(
        authority_name="云南省科学技术厅",
        authority_code="YNKJT",
        credit_code="11530000015094431X",
        not_before=NOT_BEFORE,
        years=6,
    )


def test_jwk_round_trip():
    public = generate_signing_key().public_key()
    jwk = public_key_jwk(public)
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    assert len(jwk["x"]) == len(jwk["y"]) == 43 and "=" not in jwk["x"] + jwk["y"]
    assert public_key_from_jwk(jwk).public_numbers() == public.public_numbers()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda j: j.update(crv="P-384"),
        lambda j: j.update(kty="RSA"),
        lambda j: j.pop("y"),
        lambda j: j.update(x=j["x"][:-2]),
        lambda j: j.update(y=j["x"]),  # not a point on the curve
    ],
)
def test_bad_jwk_is_refused(mutate):
    jwk = public_key_jwk(generate_signing_key().public_key())
    mutate(jwk)
    with pytest.raises(ValueError):
        public_key_from_jwk(jwk)


def test_root_is_a_self_signed_ca_for_certificate_signing_only(chain):
    root = chain.root_cert
    assert root.issuer == root.subject
    root.verify_directly_issued_by(root)
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert isinstance(root.public_key().curve, ec.SECP256R1)


def test_signing_certificate_is_issued_by_the_root_for_non_repudiation(chain):
    cert = chain.signing_cert
    cert.verify_directly_issued_by(chain.root_cert)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.public_key().public_numbers() == chain.signing_key.public_key().public_numbers()
    assert chain.kid == kid_for(cert.public_key())


def test_subject_names_the_authority_in_chinese_with_its_credit_code(chain):
    subject = chain.signing_cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "云南省科学技术厅"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "云南省科学技术厅"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "11530000015094431X"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "NTRCN-11530000015094431X"
    assert chain.root_cert.subject != subject


def test_validity_periods(chain):
    assert chain.signing_cert.not_valid_before_utc == NOT_BEFORE
    assert chain.signing_cert.not_valid_after_utc == datetime(2032, 1, 1, tzinfo=UTC)
    assert chain.root_cert.not_valid_before_utc <= NOT_BEFORE
    assert chain.root_cert.not_valid_after_utc >= datetime(2045, 12, 31, tzinfo=UTC)


def test_rotation_issues_a_new_signing_certificate_under_the_same_root(chain):
    key, cert = issue_signing_certificate(
        root_key=chain.root_key,
        root_cert=chain.root_cert,
        authority_name="云南省科学技术厅",
        authority_code="YNKJT",
        credit_code="11530000015094431X",
        not_before=NOT_BEFORE + timedelta(days=365),
        years=6,
    )
    cert.verify_directly_issued_by(chain.root_cert)
    assert kid_for(key.public_key()) != chain.kid


def test_pem_round_trip(chain):
    pem = certificate_to_pem(chain.signing_cert)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert certificate_from_pem(pem) == chain.signing_cert


def test_naive_not_before_is_refused():
    with pytest.raises(ValueError):
        create_authority_chain(
            authority_name="x", authority_code="x", credit_code="x", not_before=datetime(2026, 1, 1), years=1
        )


# --- encryption at rest ------------------------------------------------------------------------------


def test_private_key_encryption_round_trip():
    key, kek = generate_signing_key(), load_kek(generate_kek())
    blob = encrypt_private_key(key, kek=kek)
    assert blob[0] == 1
    assert encrypt_private_key(key, kek=kek)[1:13] != blob[1:13]  # fresh nonce each time
    assert decrypt_private_key(blob, kek=kek).private_numbers() == key.private_numbers()


def test_wrong_kek_gives_a_clear_error():
    blob = encrypt_private_key(generate_signing_key(), kek=load_kek(generate_kek()))
    with pytest.raises(KeyDecryptionError, match="TONGBAN_KEK"):
        decrypt_private_key(blob, kek=load_kek(generate_kek()))


@pytest.mark.parametrize(
    "damage",
    [lambda b: b[:-1], lambda b: b[:10], lambda b: b"\x02" + b[1:], lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:]],
)
def test_damaged_blob_gives_a_clear_error(damage):
    kek = load_kek(generate_kek())
    blob = encrypt_private_key(generate_signing_key(), kek=kek)
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(damage(blob), kek=kek)


def test_load_kek_accepts_both_base64_alphabets_with_or_without_padding():
    raw = bytes(range(224, 256))  # encodes with '+', '/', '-' or '_' characters
    for text in (
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b64encode(raw).decode(),
        "  " + base64.b64encode(raw).decode() + "\n",
    ):
        assert load_kek(text) == raw
    # The value config/settings/test.py sets.
    assert len(load_kek("dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=")) == 32


@pytest.mark.parametrize("value", ["", "   ", "not base64!!", base64.b64encode(b"short").decode()])
def test_load_kek_errors_say_how_to_make_one(value):
    with pytest.raises(KekError, match="32 random bytes"):
        load_kek(value)
