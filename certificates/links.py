"""Where a certificate's verification link points: the host printed in its QR code and on its pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from .core.tokens import qr_url, token_to_digits


def verify_host() -> str:
    """TONGBAN_VERIFY_HOST when set (`make run` sets it to the address it serves), else the host of
    TONGBAN_SITE_URL: what a phone that scans the code must reach."""
    configured = (getattr(settings, "TONGBAN_VERIFY_HOST", "") or "").strip()
    if configured:
        return configured
    return urlsplit(settings.TONGBAN_SITE_URL).netloc or "127.0.0.1:8000"


def verify_url(*, cose: bytes) -> str:
    """The absolute URL the QR code holds: `HTTPS://<HOST>/C/<digits>`."""
    return qr_url(host=verify_host(), cose=cose)


def verify_path(*, cose: bytes) -> str:
    """The same verification on the server the page came from (a link on a page, not in a QR code)."""
    return reverse("verify-token", kwargs={"digits": token_to_digits(cose)})
