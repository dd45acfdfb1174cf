"""The verification page of a freshly issued certificate, opened in Debian Chromium from the URL its
QR code holds (the upper-case form a phone camera opens), before and after revocation."""

import datetime as dt

import pytest

from certificates.core.qrdecode import decode_qr_from_pdf
from certificates.models import Certificate
from certificates.services import certificate_propose_revocation, certificate_revoke
from tests.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_scanned_qr_opens_a_page_that_says_valid_then_revoked(issued, officers, live_server, settings, request):
    host = live_server.url.removeprefix("http://")
    settings.TONGBAN_VERIFY_HOST = host
    app = issued(on=dt.date(2026, 3, 2))
    certificate = Certificate.objects.get(application=app)
    scanned = decode_qr_from_pdf(certificate.pdf.read(), dpi=150)[0]
    # The code says HTTPS://<HOST>/C/<digits>; the live test server speaks plain HTTP on that host.
    path = scanned.split(host.upper(), 1)[1]
    # Only now start the browser: pyHanko (issuing) runs its own event loop, which cannot start inside
    # the one Playwright's sync API keeps running in this thread.
    page = request.getfixturevalue("page")
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
