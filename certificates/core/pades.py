"""PAdES signatures on certificate PDFs with pyHanko: sign (B-B, ECDSA P-256) so that PDF readers report
tampering, and validate against the authority root certificates.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore


@dataclass(frozen=True, slots=True)
class PdfSignatureReport:
    intact: bool  # the signed bytes hash to the digest in the signature
    valid: bool  # intact, and the signature verifies with the signer's key
    trusted: bool  # the signer's certificate chains to one of the given roots
    covers_whole_file: bool  # nothing was appended after signing
    signer: str  # signer certificate subject (human-friendly), or "" when there is no readable signature
    error: str = ""  # why validation could not run, when it could not
    signer_sha256: str = ""  # SHA-256 of the signer certificate's DER, to match it with a known certificate

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(
    pdf: bytes,
    *,
    signing_key: ec.EllipticCurvePrivateKey,
    signing_cert: x509.Certificate,
    root_cert: x509.Certificate,
    reason: str,
    location: str,
    field_name: str = "Signature1",
) -> bytes:
    """Add an invisible PAdES B-B signature as an incremental update; returns the signed PDF.

    The root goes into the CMS certificate set so validators can build the chain without fetching.
    """
    # pyHanko does not check this and would write a signature that can never verify.
    if signing_key.public_key() != signing_cert.public_key():
        raise ValueError("the signing key does not match the signing certificate")
    key_info = asn1_keys.PrivateKeyInfo.load(
        signing_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(signing_cert),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(root_cert)]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


def validate_pdf(pdf: bytes, *, root_certs: Iterable[x509.Certificate]) -> PdfSignatureReport:
    """Validate the first signature; never raises for a damaged file (everything is then False)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
        if not embedded:
            return PdfSignatureReport(False, False, False, False, "", error="no signature in the PDF")
        context = ValidationContext(trust_roots=[_asn1_cert(c) for c in root_certs])
        status = validate_pdf_signature(embedded[0], context)
    except Exception as exc:  # noqa: BLE001 - a tampered file can break pyHanko's parser in many ways
        return PdfSignatureReport(False, False, False, False, "", error=f"{type(exc).__name__}: {exc}")
    return PdfSignatureReport(
        intact=bool(status.intact),
        # pyHanko's `valid` only covers the signed attributes; a changed document must not read as valid.
        valid=bool(status.valid and status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signer_sha256=status.signing_cert.sha256.hex() if status.signing_cert else "",
    )
