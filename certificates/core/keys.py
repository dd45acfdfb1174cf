"""Authority signing keys: P-256 generation, JWK and kid, the X.509 root/document-signing chain,
and AES-256-GCM encryption of private keys at rest under a key-encryption key (KEK).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

KID_LENGTH = 8
_KEY_BLOB_VERSION = 1
_NONCE_LENGTH = 12
# Binds the ciphertext to its purpose, so a blob encrypted for something else under the same KEK fails.
_KEY_BLOB_AAD = b"tongban:signing-key:v1"


class KeyDecryptionError(Exception):
    """A stored private key could not be decrypted (wrong KEK or damaged blob)."""


class KekError(ValueError):
    """The configured key-encryption key is not usable."""


def generate_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_der(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def kid_for(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Key id: the first 8 bytes of SHA-256 over the public key's DER SubjectPublicKeyInfo.

    Taken over the key rather than the certificate so that re-issuing a certificate for the same key
    (new validity, new name) does not change the kid printed in existing QR codes.
    """
    return hashlib.sha256(public_key_der(public_key)).digest()[:KID_LENGTH]


def public_key_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """RFC 7517/7518 JWK for a P-256 public key (x and y as 32-byte base64url, no padding)."""
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise ValueError("only P-256 keys are published")
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }


def public_key_from_jwk(jwk: dict[str, str]) -> ec.EllipticCurvePublicKey:
    """Inverse of public_key_jwk; ValueError for anything but a valid P-256 point."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("JWK must be an EC P-256 key")
    try:
        x, y = _b64url_decode(jwk["x"]), _b64url_decode(jwk["y"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("JWK x and y must be base64url") from exc
    if len(x) != 32 or len(y) != 32:
        raise ValueError("JWK coordinates must be 32 bytes")
    # from_encoded_point checks that the point is on the curve.
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)


# --- X.509 ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorityChain:
    """A self-signed root and the document-signing certificate it issued (the key that signs PDFs and QR
    tokens). The root key is only needed to issue the next signing certificate at rotation."""

    root_key: ec.EllipticCurvePrivateKey
    root_cert: x509.Certificate
    signing_key: ec.EllipticCurvePrivateKey
    signing_cert: x509.Certificate

    @property
    def kid(self) -> bytes:
        return kid_for(self.signing_key.public_key())


def _name(*, common_name: str, authority_name: str, authority_code: str, credit_code: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, authority_code),
            # ETSI EN 319 412-1 semantics: NTR + country + '-' + national registration number.
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{credit_code}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, credit_code),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, month=3, day=1)


def create_root_certificate(
    *, authority_name: str, authority_code: str, credit_code: str, not_before: datetime, years: int
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Self-signed CA for one authority: CA:true (path length 0), keyCertSign and cRLSign."""
    key = generate_signing_key()
    name = _name(
        common_name=f"{authority_name} 电子证照根证书",
        authority_name=authority_name,
        authority_code=authority_code,
        credit_code=credit_code,
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(_add_years(not_before, years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_signing_certificate(
    *,
    root_key: ec.EllipticCurvePrivateKey,
    root_cert: x509.Certificate,
    authority_name: str,
    authority_code: str,
    credit_code: str,
    not_before: datetime,
    years: int,
    signing_key: ec.EllipticCurvePrivateKey | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Document-signing certificate under `root_cert` (also used at key rotation).

    Key usage digitalSignature + contentCommitment (non-repudiation): pyHanko refuses a PDF signer
    certificate without non-repudiation by default. No extended key usage: with id-kp-documentSigning
    (RFC 9336) poppler/NSS reports "Unknown issue with Certificate" instead of checking the chain.
    """
    key = signing_key or generate_signing_key()
    not_after = min(_add_years(not_before, years), root_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            _name(
                common_name=authority_name,
                authority_name=authority_name,
                authority_code=authority_code,
                credit_code=credit_code,
            )
        )
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def create_authority_chain(
    *,
    authority_name: str,
    authority_code: str,
    credit_code: str,
    not_before: datetime,
    years: int,
    root_years: int = 20,
) -> AuthorityChain:
    """A new root CA (`root_years`) and a document-signing certificate (`years`, capped by the root)."""
    if not_before.tzinfo is None:
        raise ValueError("not_before must be timezone-aware")
    not_before = not_before.astimezone(UTC)
    names = {"authority_name": authority_name, "authority_code": authority_code, "credit_code": credit_code}
    # Back-date the root a little so a signing certificate starting at `not_before` is inside it.
    root_key, root_cert = create_root_certificate(
        **names, not_before=not_before - timedelta(minutes=5), years=root_years
    )
    signing_key, signing_cert = issue_signing_certificate(
        root_key=root_key, root_cert=root_cert, **names, not_before=not_before, years=years
    )
    return AuthorityChain(root_key=root_key, root_cert=root_cert, signing_key=signing_key, signing_cert=signing_cert)


def certificate_to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_from_pem(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)


def public_key_to_pem(public_key: ec.EllipticCurvePublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


# --- encryption at rest -----------------------------------------------------------------------------


def generate_kek() -> str:
    """A new KEK in the form load_kek expects (for TONGBAN_KEK)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def load_kek(value: str) -> bytes:
    """Decode the KEK setting: base64 (URL-safe or standard alphabet, padding optional) of 32 bytes."""
    hint = "set TONGBAN_KEK to the URL-safe base64 of 32 random bytes (certificates.core.keys.generate_kek())"
    text = (value or "").strip().replace("+", "-").replace("/", "_")
    if not text:
        raise KekError(f"the key-encryption key is empty; {hint}")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError as exc:
        raise KekError(f"the key-encryption key is not valid base64; {hint}") from exc
    if len(raw) != 32:
        raise KekError(f"the key-encryption key decodes to {len(raw)} bytes, not 32; {hint}")
    return raw


def encrypt_private_key(private_key: ec.EllipticCurvePrivateKey, *, kek: bytes) -> bytes:
    """version byte (1) || 12-byte random nonce || AES-256-GCM(PKCS#8 DER) with its 16-byte tag."""
    if len(kek) != 32:
        raise KekError("the key-encryption key must be 32 bytes")
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(_NONCE_LENGTH)
    header = bytes([_KEY_BLOB_VERSION])
    return header + nonce + AESGCM(kek).encrypt(nonce, der, header + _KEY_BLOB_AAD)


def decrypt_private_key(blob: bytes, *, kek: bytes) -> ec.EllipticCurvePrivateKey:
    if len(kek) != 32:
        raise KekError("the key-encryption key must be 32 bytes")
    if len(blob) < 1 + _NONCE_LENGTH + 16 or blob[0] != _KEY_BLOB_VERSION:
        raise KeyDecryptionError("stored signing key is damaged or in an unknown format")
    header, nonce, ciphertext = blob[:1], blob[1 : 1 + _NONCE_LENGTH], blob[1 + _NONCE_LENGTH :]
    try:
        der = AESGCM(kek).decrypt(nonce, ciphertext, header + _KEY_BLOB_AAD)
    except InvalidTag as exc:
        raise KeyDecryptionError(
            "cannot decrypt the stored signing key: the key-encryption key (TONGBAN_KEK) is not the one "
            "it was encrypted with, or the stored blob was altered"
        ) from exc
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyDecryptionError("stored key is not an EC private key")
    return key
