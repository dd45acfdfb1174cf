"""Verifying an uploaded certificate PDF: find its QR code (or, failing that, the certificate the
signature names), check the token and the PAdES signature, and that both speak of one certificate.
Bounded work: a PDF of more than TONGBAN_VERIFY_PDF_MAX_PAGES pages is not examined; only the page
that carries the QR code is rasterised (the first, and the page of the signature's widget if another),
within TONGBAN_VERIFY_PDF_SECONDS."""

from __future__ import annotations

import io
import subprocess

from cryptography.hazmat.primitives import hashes

from django.conf import settings
from django.utils import timezone

from .constants import Verdict
from .core import keys as core_keys
from .core.pades import validate_pdf
from .models import SigningKey
from .verification import result_payload, verify_text


class NotExamined(Exception):
    """The upload is not examined further (not a PDF, or too many pages)."""


def qr_pages(pdf: bytes) -> list[int]:
    """1-based numbers of the pages to rasterise: the first, and the page the signature widget sits on.
    Raises NotExamined for a file pypdf cannot read or with more pages than the cap."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        # The page tree's own count: cheap, unlike walking every page; if it lies, only page 1 is rendered.
        count = int(reader.trailer["/Root"]["/Pages"]["/Count"])
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file breaks the parser in many ways
        raise NotExamined(f"not a readable PDF: {type(exc).__name__}") from exc
    if count == 0:
        raise NotExamined("the PDF has no pages")
    if count > settings.TONGBAN_VERIFY_PDF_MAX_PAGES:
        raise NotExamined(f"the PDF has {count} pages; a certificate has at most "
                          f"{settings.TONGBAN_VERIFY_PDF_MAX_PAGES}, so it was not examined")
    pages = [1]
    try:
        for number, page in enumerate(reader.pages, start=1):
            for annotation in page.get("/Annots") or []:
                widget = annotation.get_object()
                parent = widget.get("/Parent")
                kind = widget.get("/FT") or (parent.get_object().get("/FT") if parent is not None else None)
                if kind == "/Sig":
                    pages.append(number)
    except Exception:  # noqa: BLE001 - the signature's page is a hint only
        pass
    return sorted({p for p in pages if 1 <= p <= count})


def _qr_texts(pdf: bytes, pages: list[int]) -> tuple[list[str], str]:
    try:
        from .core.qrdecode import decode_qr_from_pdf

        return decode_qr_from_pdf(pdf, pages=pages, timeout=settings.TONGBAN_VERIFY_PDF_SECONDS), ""
    except subprocess.TimeoutExpired:
        return [], f"QR code not read: rendering took more than {settings.TONGBAN_VERIFY_PDF_SECONDS:g} s"
    except Exception as exc:  # no decoder or renderer here, or not a PDF
        return [], f"QR code not read: {type(exc).__name__}"


def _not_examined(reason: str) -> dict:
    return {"verdict": Verdict.FORGED, "certificate": None, "signature": {"kid": None, "valid": False},
            "checked_at": timezone.now(),
            "pdf_signature": {"intact": False, "valid": False, "trusted": False, "covers_whole_file": False,
                              "signer": None},
            "qr_found": False, "consistent": False, "note": reason}


def verify_pdf(pdf: bytes) -> dict:
    try:
        pages = qr_pages(pdf)
    except NotExamined as exc:
        return _not_examined(str(exc))
    texts, problem = _qr_texts(pdf, pages)
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
