"""Notices through the API: the applicant (with a token) and the case's officers open a notice as
JSON and as its PDF; anyone else gets 404, so nobody learns that the notice exists."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from licensing import workflow
from licensing.models import Notice
from tests.factories import ApplicantFactory

from .conftest import at

D = dt.date
REASON = "申请事项不属于许可范围"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def refusal(file_application, officers):
    """The not-accepted decision (不予受理决定书) of a submitted lab animal case."""
    application = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_refuse_acceptance(application=application, actor=officers["intake"].user,
                                               reason=REASON)
    return Notice.objects.get(application=application, kind="non_acceptance")


def test_the_applicant_opens_the_refusal_decision_as_json_with_a_token(refusal):
    application = refusal.application
    response = token_client(application.applicant.user).get(f"/api/v1/notices/{refusal.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "kind", "number", "issued_at", "title", "lines", "pdf_url"} <= set(body)
    assert body["id"] == refusal.pk and body["kind"] == "non_acceptance" and body["number"] == refusal.number
    assert body["title"] == "不予受理决定书" and body["title_en"] == "Decision not to accept the application"
    assert body["application"] == application.case_number and body["authority"] == "yn-kjt"
    assert any(REASON in line for line in body["lines"]["zh"])
    assert any("We decided not to accept your application" in line for line in body["lines"]["en"])
    assert any("administrative reconsideration" in line for line in body["lines"]["en"])
    assert body["pdf_url"] == f"http://testserver/api/v1/notices/{refusal.pk}/pdf/"


def test_the_applicant_downloads_the_pdf_in_chinese_and_in_english(refusal):
    client = token_client(refusal.application.applicant.user)
    response = client.get(f"/api/v1/notices/{refusal.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{refusal.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"  # a personal document: no browser or proxy keeps it
    english = client.get(f"/api/v1/notices/{refusal.pk}/pdf/?lang=en")
    assert english.status_code == 200 and english.content.startswith(b"%PDF")
    assert english.content != response.content


def test_asking_for_application_pdf_is_not_refused_by_content_negotiation(refusal):
    client = token_client(refusal.application.applicant.user)
    response = client.get(f"/api/v1/notices/{refusal.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    missing = client.get(f"/api/v1/notices/{refusal.pk + 1000}/pdf/", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404


def test_another_applicant_gets_404_for_both(refusal, catalog):
    client = token_client(ApplicantFactory().user)
    assert client.get(f"/api/v1/notices/{refusal.pk}/").status_code == 404
    assert client.get(f"/api/v1/notices/{refusal.pk}/pdf/").status_code == 404


def test_a_missing_notice_is_404(refusal):
    client = token_client(refusal.application.applicant.user)
    assert client.get(f"/api/v1/notices/{refusal.pk + 1000}/").status_code == 404


def test_an_officer_of_the_authority_opens_it_and_one_of_another_authority_gets_404(refusal, officers):
    own = token_client(officers["reviewer"].user)
    assert own.get(f"/api/v1/notices/{refusal.pk}/").status_code == 200
    assert own.get(f"/api/v1/notices/{refusal.pk}/pdf/").content.startswith(b"%PDF")
    for other in ("km_intake", "crj"):
        client = token_client(officers[other].user)
        assert client.get(f"/api/v1/notices/{refusal.pk}/").status_code == 404
        assert client.get(f"/api/v1/notices/{refusal.pk}/pdf/").status_code == 404


def test_anonymous_is_refused(refusal):
    client = APIClient()
    assert client.get(f"/api/v1/notices/{refusal.pk}/").status_code in (401, 403)
    assert client.get(f"/api/v1/notices/{refusal.pk}/pdf/").status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(f"/api/v1/notices/{refusal.pk}/").status_code == 401


def test_a_browser_session_works_too(refusal):
    client = APIClient()
    client.force_login(refusal.application.applicant.user)
    assert client.get(f"/api/v1/notices/{refusal.pk}/").status_code == 200


def test_the_application_payload_links_the_api_and_the_page(refusal):
    application = refusal.application
    client = token_client(application.applicant.user)
    notices = client.get(f"/api/v1/applications/{application.pk}/").json()["notices"]
    assert [n["kind"] for n in notices] == ["receipt", "non_acceptance"]
    for entry in notices:
        assert entry["url"] == f"http://testserver/api/v1/notices/{entry['id']}/"
        assert entry["page_url"] == f"http://testserver/notices/{entry['id']}/"
        body = client.get(entry["url"]).json()
        assert body["number"] == entry["number"] and body["pdf_url"] == entry["pdf_url"]
        pdf = client.get(entry["pdf_url"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The page is the browser's: it opens with a session, as before.
    client.force_login(application.applicant.user)
    assert client.get(notices[-1]["page_url"]).status_code == 200


def test_the_employer_reaches_a_one_stop_tracks_notice(file_application, officers):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    permit = joint.tracks.get(service_type__code="foreign-work-permit")
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=permit, actor=officers["intake"].user)
    client = token_client(joint.applicant.user)
    track = next(t for t in client.get(f"/api/v1/applications/{joint.pk}/").json()["tracks"]
                 if t["service"] == "foreign-work-permit")
    notices = client.get(f"/api/v1/applications/{track['id']}/").json()["notices"]
    acceptance = next(n for n in notices if n["kind"] == "acceptance")
    body = client.get(acceptance["url"])
    assert body.status_code == 200 and body.json()["application"] == permit.case_number
    assert body.json()["authority"] == "yn-kjt"
    assert client.get(body.json()["pdf_url"]).content.startswith(b"%PDF")
    # The exit-entry bureau sees the filing through its own track, not the S&T track's notices.
    assert token_client(officers["crj"].user).get(acceptance["url"]).status_code == 404
