"""Separation of duties for revocation: the officer who proposed it does not confirm it."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.test import Client
from django.urls import reverse

from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.services import CertificateActionError, certificate_propose_revocation, certificate_revoke
from tests.factories import make_officer

D = dt.date
REASON = "以欺骗手段取得许可"
BASIS = "《中华人民共和国行政许可法》第六十九条"


@pytest.fixture
def certificate(issued):
    return Certificate.objects.get(application=issued(on=D(2026, 3, 2)))


@pytest.fixture
def dual(catalog):
    """An officer who holds both the approver's and the legal reviewer's role."""
    return make_officer("t-approver-legal", "yn-kjt", "approver", "legal_reviewer")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def propose(client: APIClient, certificate):
    return client.post(f"/api/v1/certificates/{certificate.pk}/propose-revocation/",
                       {"reason": REASON, "legal_basis": BASIS}, format="json")


def test_the_proposer_cannot_confirm_the_revocation_on_the_api(certificate, dual):
    client = api(dual.user)
    assert propose(client, certificate).status_code == 200
    response = client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"opinion": "同意"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "same_officer"
    assert "另一名法制审核人员" in response.json()["detail"]
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert not certificate.events.filter(action="revoke").exists()


def test_the_refusal_is_explained_in_english(certificate, dual):
    client = api(dual.user)
    propose(client, certificate)
    response = client.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["detail"] == ("The officer who proposed the revocation cannot confirm it; "
                                         "another legal reviewer must confirm it.")


def test_the_service_refuses_the_proposer_whatever_the_caller(certificate, dual):
    certificate_propose_revocation(certificate=certificate, actor=dual.user, reason=REASON, legal_basis=BASIS)
    with pytest.raises(CertificateActionError) as caught:
        certificate_revoke(certificate=certificate, actor=dual.user)
    assert caught.value.status == 403 and caught.value.code == "same_officer"


def test_another_legal_reviewer_confirms_the_revocation(certificate, dual, officers):
    assert propose(api(dual.user), certificate).status_code == 200
    response = api(officers["legal"].user).post(f"/api/v1/certificates/{certificate.pk}/revoke/",
                                                {"opinion": "同意撤销"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    proposal, revocation = (certificate.events.get(action=a) for a in ("propose_revocation", "revoke"))
    assert proposal.actor == dual.user and revocation.actor == officers["legal"].user


def test_a_proposer_with_both_roles_may_confirm_someone_elses_proposal(certificate, dual, officers):
    certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason=REASON,
                                   legal_basis=BASIS)
    response = api(dual.user).post(f"/api/v1/certificates/{certificate.pk}/revoke/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"


def test_the_page_explains_to_the_proposer_and_offers_no_confirm_button(certificate, dual, officers):
    certificate_propose_revocation(certificate=certificate, actor=dual.user, reason=REASON, legal_basis=BASIS)
    page_url = reverse("certificate-page", args=[certificate.pk])
    revoke_url = reverse("certificate-action", args=[certificate.pk, "revoke"])
    proposer = Client()
    proposer.force_login(dual.user)
    html = proposer.get(page_url).content.decode()
    assert "您提请了撤销此证照，须由另一名法制审核人员确认。" in html
    assert REASON in html and revoke_url not in html
    english = proposer.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You proposed revoking this certificate; another legal reviewer must confirm it." in english

    reviewer = Client()
    reviewer.force_login(officers["legal"].user)
    html = reviewer.get(page_url).content.decode()
    assert revoke_url in html and "您提请了撤销此证照" not in html


def test_posting_the_confirm_form_as_the_proposer_shows_the_reason_and_changes_nothing(certificate, dual):
    certificate_propose_revocation(certificate=certificate, actor=dual.user, reason=REASON, legal_basis=BASIS)
    client = Client()
    client.force_login(dual.user)
    response = client.post(reverse("certificate-action", args=[certificate.pk, "revoke"]), {"opinion": ""},
                           follow=True)
    assert "提请撤销的人员不能确认该撤销" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
