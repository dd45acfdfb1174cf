"""A change, renewal or cancellation names one of the applicant's own valid licences: checked at
create, on every change and at submission, chosen from a list on the pages, and the one the issuer
supersedes or cancels."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_set_status
from licensing.constants import State
from licensing.licences import check_original_licence, licences_held
from licensing.models import Application
from services.catalog.forms import FORMS
from tests.factories import ApplicantFactory
from tests.licensing.conftest import at, fill_materials, lab_data

D = dt.date
GRANTED_ON = D(2026, 3, 2)
LATER = D(2026, 4, 1)
# Inside the renewal window of a licence granted on GRANTED_ON (valid to 2031-03-01): 2030-09-01 to 2031-01-30.
IN_RENEWAL_WINDOW = D(2030, 10, 8)


def approve_directly(application: Application, on: dt.date) -> None:
    """Put a filed case into `approved` without the review steps (which are not under test here)."""
    Application.objects.filter(pk=application.pk).update(
        state=State.APPROVED, decided_on=on, decided_at=timezone.now(), accepted_on=application.received_on)


@pytest.fixture
def grant(file_application):
    """grant(who, service=...) → the certificate the real issuer gives `who` for an approved new case."""

    def make(who, *, service: str = "lab-animal-production", on: dt.date = GRANTED_ON) -> Certificate:
        app = file_application(on=on, service=service, who=who, data=lab_data(credit_code=who.credit_code))
        with at(on):
            approve_directly(app, on)
            certificate_issue(application=app, actor=None)
        return Certificate.objects.get(application=app)

    return make


@pytest.fixture
def api(applicant):
    client = APIClient()
    client.force_authenticate(applicant.user)
    return client


def change_data(who) -> dict:
    return lab_data(credit_code=who.credit_code, unit_name=who.name, change_description="增加屏障环境小鼠饲养范围")


def create(api, who, number, *, service="lab-animal-change"):
    body = {"service": service, "data": change_data(who) if service == "lab-animal-change" else {}}
    if number is not None:
        body["original_licence_number"] = number
    return api.post("/api/v1/applications/", body, format="json")


def test_the_form_schemas_no_longer_ask_for_a_free_text_licence_number():
    for code in ("lab-animal-change", "lab-animal-renewal", "lab-animal-cancel"):
        assert "licence_number" not in FORMS[code]["properties"]
        assert "licence_number" not in FORMS[code]["required"]


def test_a_number_the_applicant_does_not_hold_is_refused_at_create(api, applicant):
    with at(LATER):
        response = create(api, applicant, "SCXK(滇)2026-0999")
        missing = create(api, applicant, None)
    assert response.status_code == 400
    assert "SCXK(滇)2026-0999" in response.json()["original_licence_number"][0]
    assert missing.status_code == 400 and "original_licence_number" in missing.json()
    assert not Application.objects.exists()


def test_someone_elses_valid_licence_is_refused(api, applicant, grant):
    other = ApplicantFactory()
    theirs = grant(other)
    with at(LATER):
        response = create(api, applicant, theirs.number)
    assert response.status_code == 400
    assert response.json()["original_licence_number"] == [f"许可证 {theirs.number} 不是贵单位持有的有效许可证。"]


def test_a_revoked_or_expired_licence_is_refused(api, applicant, grant):
    revoked, expiring = grant(applicant), grant(applicant, service="lab-animal-use")
    certificate_set_status(certificate=revoked, actor=None, status=CertificateStatus.REVOKED, action="revoke",
                           reason="以欺骗手段取得许可")
    with at(LATER):
        assert create(api, applicant, revoked.number).status_code == 400
        assert create(api, applicant, expiring.number).status_code == 201
    with at(expiring.valid_to + dt.timedelta(days=1)):
        response = create(api, applicant, expiring.number)
    assert response.status_code == 400 and expiring.number in response.json()["original_licence_number"][0]


def test_the_applicants_valid_licence_is_accepted_and_carried_by_the_payload(api, applicant, grant):
    licence = grant(applicant)
    with at(LATER):
        response = create(api, applicant, licence.number)
    with at(IN_RENEWAL_WINDOW):
        renewal = create(api, applicant, licence.number, service="lab-animal-renewal")
    assert response.status_code == 201, response.json()
    assert response.json()["original_licence_number"] == licence.number
    assert Application.objects.get(pk=response.json()["id"]).original_licence_number == licence.number
    assert renewal.status_code == 201  # a renewal type without a kind of its own takes either licence


def test_a_new_licence_application_names_no_licence(api, applicant, grant):
    licence = grant(applicant)
    with at(LATER):
        response = create(api, applicant, licence.number, service="lab-animal-production")
        plain = create(api, applicant, None, service="lab-animal-production")
    assert response.status_code == 400 and "original_licence_number" in response.json()
    assert plain.status_code == 201 and plain.json()["original_licence_number"] is None


def test_patch_to_a_bad_licence_is_refused_and_to_a_good_one_saved(api, applicant, grant):
    first, second = grant(applicant), grant(applicant, service="lab-animal-use")
    with at(LATER):
        pk = create(api, applicant, first.number).json()["id"]
        bad = api.patch(f"/api/v1/applications/{pk}/", {"original_licence_number": "SYXK(滇)2020-0001"},
                        format="json")
        good = api.patch(f"/api/v1/applications/{pk}/", {"original_licence_number": second.number}, format="json")
        data_only = api.patch(f"/api/v1/applications/{pk}/", {"data": {"contact_name": "赵联络"}}, format="json")
    assert bad.status_code == 400 and "SYXK(滇)2020-0001" in bad.json()["original_licence_number"][0]
    assert good.status_code == 200 and good.json()["original_licence_number"] == second.number
    assert data_only.status_code == 200 and data_only.json()["original_licence_number"] == second.number


def test_submit_after_the_licence_was_revoked_lists_original_licence_number(api, applicant, grant):
    licence = grant(applicant)
    with at(LATER):
        pk = create(api, applicant, licence.number).json()["id"]
        fill_materials(Application.objects.get(pk=pk), on=LATER)
        certificate_set_status(certificate=licence, actor=None, status=CertificateStatus.REVOKED, action="revoke",
                               reason="违法生产")
        response = api.post(f"/api/v1/applications/{pk}/submit/", format="json")
    assert response.status_code == 400 and response.json()["code"] == "incomplete"
    items = [m["item"] for m in response.json()["missing"]]
    assert items == ["original_licence_number"]
    assert Application.objects.get(pk=pk).state == State.DRAFT


def test_the_held_licences_api_lists_the_applicants_valid_licences(api, applicant, grant):
    mine, other = grant(applicant), grant(ApplicantFactory())
    with at(LATER):
        rows = api.get("/api/v1/licences/held/").json()
        filtered = api.get("/api/v1/licences/held/", {"service": "lab-animal-cancel"}).json()
    assert [r["number"] for r in rows] == [mine.number] and other.number not in str(rows)
    assert rows[0]["kind"] == "SCXK" and rows[0]["valid_to"] == mine.valid_to.isoformat()
    assert filtered == rows


def page_client(applicant) -> Client:
    client = Client()
    client.force_login(applicant.user)
    return client


def test_the_new_application_page_offers_exactly_the_applicants_valid_licences(applicant, grant):
    mine, revoked, theirs = grant(applicant), grant(applicant, service="lab-animal-use"), grant(ApplicantFactory())
    certificate_set_status(certificate=revoked, actor=None, status=CertificateStatus.REVOKED, action="revoke",
                           reason="违法使用")
    client = page_client(applicant)
    with at(LATER):
        step = client.post(reverse("application-new"), {"service": "lab-animal-change"})
        page = client.get(step["Location"]).content.decode()
    assert step.status_code == 302 and "service=lab-animal-change" in step["Location"]
    options = [line for line in page.splitlines() if "<option value=\"S" in line]
    assert len(options) == 1 and mine.number in options[0] and "2031-03-01" in options[0]
    assert revoked.number not in page and theirs.number not in page
    assert 'name="original_licence_number"' in page and "required" in page


def test_the_page_creates_the_draft_for_the_chosen_licence_and_lets_the_draft_change_it(applicant, grant):
    first, second = grant(applicant), grant(applicant, service="lab-animal-use")
    with at(IN_RENEWAL_WINDOW):
        client = page_client(applicant)  # signed in on the day (a session from 2026 would have lapsed)
        empty = client.post(reverse("application-new"), {"service": "lab-animal-renewal", "step": "licence"})
        created = client.post(reverse("application-new"), {"service": "lab-animal-renewal", "step": "licence",
                                                           "original_licence_number": first.number})
        app = Application.objects.get(service_type__code="lab-animal-renewal")
        tasks = client.get(reverse("application-detail", args=[app.pk])).content.decode()
        changed = client.post(reverse("application-licence", args=[app.pk]),
                              {"original_licence_number": second.number})
        refused = client.post(reverse("application-licence", args=[app.pk]),
                              {"original_licence_number": "SCXK(滇)2019-0001"})
        check = client.get(reverse("application-check", args=[app.pk])).content.decode()
    assert empty.status_code == 400 and "请选择本次申请所针对的许可证" in empty.content.decode()
    assert created.status_code == 302 and app.service_type.code == "lab-animal-renewal"
    assert first.number in tasks and reverse("application-licence", args=[app.pk]) in tasks
    assert changed.status_code == 302 and refused.status_code == 302
    app.refresh_from_db()
    assert app.original_licence_number == second.number
    assert second.number in check and "原许可证" in check


def test_an_organisation_without_a_licence_is_told_so_and_cannot_proceed(applicant):
    client = page_client(applicant)
    with at(LATER):
        page = client.get(reverse("application-new"), {"service": "lab-animal-cancel"}).content.decode()
        forced = client.post(reverse("application-new"), {"service": "lab-animal-cancel", "step": "licence",
                                                          "original_licence_number": "SCXK(滇)2026-0001"})
    assert "贵单位没有可办理此事项的有效许可证" in page and "<select" not in page
    assert forced.status_code == 400 and not Application.objects.exists()
    assert "本次申请针对哪一张许可证" not in page


def test_a_change_issued_by_the_real_issuer_supersedes_the_chosen_licence(file_application, applicant, grant):
    first, other = grant(applicant), grant(applicant, service="lab-animal-use")
    app = file_application(on=LATER, service="lab-animal-change", data=change_data(applicant),
                           original_licence_number=first.number)
    assert app.state == State.SUBMITTED and app.original_licence_number == first.number
    with at(LATER):
        approve_directly(app, LATER)
        new = certificate_issue(application=app, actor=None)
    first.refresh_from_db()
    other.refresh_from_db()
    app.refresh_from_db()
    assert app.state == State.ISSUED and new.predecessor == first
    assert new.number == first.number and new.revision == 2 and new.valid_to == first.valid_to
    assert first.status == CertificateStatus.SUPERSEDED and other.status == CertificateStatus.VALID
    assert [licence.number for licence in licences_held(applicant=applicant, on=LATER)] == sorted(
        [first.number, other.number])


def test_a_cancellation_cancels_the_chosen_licence(file_application, applicant, grant):
    licence = grant(applicant)
    data = {key: lab_data(credit_code=applicant.credit_code)[key]
            for key in ("unit_name", "credit_code", "city", "contact_name", "contact_phone")} | {"reason": "机构合并"}
    app = file_application(on=LATER, service="lab-animal-cancel", data=data, original_licence_number=licence.number)
    with at(LATER):
        approve_directly(app, LATER)
        certificate_issue(application=app, actor=None)
        assert check_original_licence(application=app, on=LATER) != {}  # no longer held
    licence.refresh_from_db()
    assert licence.status == CertificateStatus.CANCELLED
    assert Application.objects.get(pk=app.pk).state == State.ISSUED
