"""Verifying an uploaded certificate PDF: find its QR code (or, failing that, the certificate the
signature names), check the token and the PAdES signature, and that both speak of one certificate."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from django.utils import timezone

from .constants import Verdict
from .core import keys as core_keys
from .core.pades import validate_pdf
from .models import SigningKey
from .verification import result_payload, verify_text


def _qr_texts(pdf: bytes) -> tuple[list[str], str]:
    try:
        from .core.qrdecode import decode_qr_from_pdf

        return decode_qr_from_pdf(pdf), ""
    except Exception as exc:  # no decoder or renderer here, or not a PDF
        return [], f"QR code not read: {type(exc).__name__}"


def verify_pdf(pdf: bytes) -> dict:
    texts, problem = _qr_texts(pdf)
    roots = [core_keys.certificate_from_pem(k.root_cert_pem)
             for k in SigningKey.objects.exclude(root_cert_pem="").only("root_cert_pem")]
    report = validate_pdf(pdf, root_certs={r.fingerprint(hashes.SHA256()): r for r in roots}.values())
    token_results = [verify_text(text) for text in texts]
    result = next((r for r in token_results if r.signature_valid), token_results[0] if token_results else None)
    payload = result_payload(result) if result else {
        "verdict": Verdict.FORGED, "certificate": None, "signature": {"kid": None, "valid": False},
        "checked_at": timezone.now()}
    agree = False
    if result and result.certificate_id and report.signer:
        key = SigningKey.objects.filter(certificates__pk=result.certificate_id).first()
        signing_cert = core_keys.certificate_from_pem(key.signing_cert_pem)
        agree = signing_cert.fingerprint(hashes.SHA256()).hex() == report.signer_sha256
    payload["pdf_signature"] = {"intact": report.intact, "valid": report.valid, "trusted": report.trusted,
                                "covers_whole_file": report.covers_whole_file, "signer": report.signer or None}
    payload["qr_found"] = bool(texts)
    payload["consistent"] = agree
    if problem:
        payload["note"] = problem
    if not (report.ok and agree) and payload["verdict"] not in (Verdict.FORGED,):
        payload["verdict"] = Verdict.FORGED
        payload["note"] = "the PDF signature is missing, broken, or does not match the QR code"
    return payload
