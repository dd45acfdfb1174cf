"""Headers: a strict Content-Security-Policy (no inline script anywhere), a Permissions-Policy, and
`Cache-Control: no-store` on signed-in pages, the API and downloaded documents; public pages stay
cacheable."""

import datetime as dt
import re
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from licensing import workflow
from licensing.models import Notice
from tests.licensing.conftest import applicant, at, file_application, officers  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_strict_csp_and_a_permissions_policy(db, client):
    response = client.get("/guide/")
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in sorted(ROOT.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        offenders += [f"{template.relative_to(ROOT)}: {m.group()}" for m in INLINE_SCRIPT.finditer(text)]
        offenders += [f"{template.relative_to(ROOT)}: {m.group()}" for m in EVENT_HANDLER.finditer(text)]
    assert offenders == []


def test_the_api_docs_page_runs_without_inline_script(db, client):
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    assert "script_url" not in page and client.get("/api/docs/?script=").status_code == 200


def test_public_pages_stay_cacheable(db, client):
    assert "no-store" not in client.get("/guide/").get("Cache-Control", "")


def test_signed_in_pages_are_no_store(applicant, client):  # noqa: F811
    client.force_login(applicant.user)
    for url in ("/guide/", "/applications/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


def test_api_answers_are_no_store_even_anonymous(db):
    api = APIClient()
    assert api.get("/api/v1/services/")["Cache-Control"] == "no-store"
    assert api.post("/api/v1/auth/token/", {}, format="json")["Cache-Control"] == "no-store"


@pytest.fixture
def refusal(file_application, officers):  # noqa: F811
    application = file_application(on=dt.date(2025, 9, 26))
    with at(dt.date(2025, 9, 29)):
        workflow.application_refuse_acceptance(application=application, actor=officers["intake"].user,
                                               reason="申请事项不属于许可范围")
    return Notice.objects.get(application=application, kind="non_acceptance")


def test_the_owners_notice_pdf_is_no_store_on_the_api_and_the_page(refusal, client):
    owner = refusal.application.applicant.user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    response = api.get(f"/api/v1/notices/{refusal.pk}/pdf/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    client.force_login(owner)
    page = client.get(f"/notices/{refusal.pk}/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
