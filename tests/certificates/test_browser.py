"""The verification page of a freshly issued certificate, opened in Debian Chromium from the URL its
QR code holds (the upper-case form a phone camera opens), before and after revocation."""

import datetime as dt
from pathlib import Path

import pytest

from certificates.core.qrdecode import decode_qr_from_pdf
from certificates.models import Certificate
from certificates.services import certificate_propose_revocation, certificate_revoke

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/tongban-shots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_scanned_qr_opens_a_page_that_says_valid_then_revoked(issued, officers, live_server, settings, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    host = live_server.url.removeprefix("http://")
    settings.TONGBAN_VERIFY_HOST = host
    app = issued(on=dt.date(2026, 3, 2))
    certificate = Certificate.objects.get(application=app)
    scanned = decode_qr_from_pdf(certificate.pdf.read(), dpi=150)[0]
    # The code says HTTPS://<HOST>/C/<digits>; the live test server speaks plain HTTP on that host.
    path = scanned.split(host.upper(), 1)[1]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1100, "height": 1000})
        page.goto(live_server.url + path)
        verdict = page.locator(".verdict")
        assert verdict.get_attribute("data-verdict") == "valid"
        assert "证照真实有效" in verdict.inner_text()
        assert "SCXK(滇)2026-0001" in page.content()
        page.screenshot(path=str(SHOTS / "verify-valid.png"), full_page=True)
        certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user,
                                       reason="以欺骗手段取得许可",
                                       legal_basis="《中华人民共和国行政许可法》第六十九条")
        certificate_revoke(certificate=certificate, actor=officers["legal"].user)
        page.goto(live_server.url + path)
        assert page.locator(".verdict").get_attribute("data-verdict") == "revoked"
        page.screenshot(path=str(SHOTS / "verify-revoked.png"), full_page=True)
        browser.close()
