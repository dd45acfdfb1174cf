"""Annual reports: filed by the holder in the window (15–30 November of year N, covering 1 October N−1
to 30 September N), one per licence and year, correctable until the window closes, reviewed by the
authority, listed as missing afterwards with a reminder to the holder; the form's JSON Schema is
public and in the OpenAPI schema."""

import datetime as dt

from rest_framework.test import APIClient

from aftercare.models import AnnualReport, ServicePolicy
from licensing.models import Notification
from licensing.workflow import deadlines_sweep
from tests.factories import ApplicantFactory
from tests.licensing.conftest import at

D = dt.date
YEAR = 2026


def report_data(**overrides) -> dict:
    data = {
        "animals": [{"species": "mouse", "grade": "spf", "produced": 12000, "used": 0},
                    {"species": "rat", "grade": "clean", "produced": 3000, "used": 150}],
        "staff": {"total": 18, "trained": 18, "certified": 15, "training_sessions": 4},
        "facility_changes": "无",
        "equipment_changes": "新增独立通风笼具（IVC）2套",
        "quality_tests": [{"date": "2026-06-12", "item": "微生物学检测", "result": "pass",
                           "laboratory": "省实验动物质检中心"}],
        "incidents": [],
    }
    data.update(overrides)
    return data


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def file(api, number, *, year=YEAR, data=None):
    return api.post("/api/v1/annual-reports/", {"certificate": number, "year": year, "data": data or report_data()},
                    format="json")


def test_filing_inside_the_window_once_and_correcting_until_it_closes(licence, holder_api):
    certificate = licence()
    with at(D(YEAR, 11, 14)):
        early = file(holder_api, certificate.number)
    with at(D(YEAR, 11, 15)):
        created = file(holder_api, certificate.number)
        second = file(holder_api, certificate.number)
    assert early.status_code == 400 and "2026-11-15" in early.json()["year"][0]
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["id"] and body["certificate"] == certificate.number and body["state"] == "filed"
    assert (body["period_start"], body["period_end"]) == ("2025-10-01", "2026-09-30")
    assert second.status_code == 409 and second.json()["code"] == "duplicate"
    url = f"/api/v1/annual-reports/{body['id']}/"
    with at(D(YEAR, 11, 30)):
        corrected = holder_api.put(url, {"data": report_data(facility_changes="屏障设施改造完成")}, format="json")
    with at(D(YEAR, 12, 1)):
        late = holder_api.put(url, {"data": report_data()}, format="json")
        closed = file(holder_api, certificate.number, year=YEAR)
    assert corrected.status_code == 200 and corrected.json()["data"]["facility_changes"] == "屏障设施改造完成"
    assert late.status_code == 409 and closed.status_code == 400
    assert AnnualReport.objects.get().data["facility_changes"] == "屏障设施改造完成"


def test_a_licence_not_the_callers_and_bad_data_are_400(licence, holder_api):
    other = ApplicantFactory()
    theirs = licence(who=other)
    mine = licence()
    with at(D(YEAR, 11, 20)):
        foreign = file(holder_api, theirs.number)
        bad = file(holder_api, mine.number, data=report_data(
            animals=[{"species": "unicorn", "grade": "spf", "produced": -1, "used": 0}],
            staff={"total": 3, "trained": 5}, extra="x"))
    assert foreign.status_code == 400 and theirs.number in foreign.json()["certificate"][0]
    assert bad.status_code == 400
    errors = bad.json()
    assert {"data.animals.0.species", "data.animals.0.produced", "data.staff.trained", "data"} <= set(errors)
    assert not AnnualReport.objects.exists()


def test_the_window_is_configured_on_the_service_type(licence, holder_api):
    ServicePolicy.objects.create(service_code="lab-animal-production", report_opens_month=12, report_opens_day=1,
                                 report_closes_month=12, report_closes_day=15)
    certificate = licence()
    with at(D(YEAR, 11, 20)):
        assert file(holder_api, certificate.number).status_code == 400
    with at(D(YEAR, 12, 15)):
        assert file(holder_api, certificate.number).status_code == 201


def test_review_pass_rectify_fail_by_a_reviewer_of_the_authority(licence, holder_api, officers):
    certificate = licence()
    with at(D(YEAR, 11, 16)):
        report_id = file(holder_api, certificate.number).json()["id"]
    url = f"/api/v1/annual-reports/{report_id}/review/"
    with at(D(YEAR, 12, 2)):
        by_approver = api_for(officers["approver"].user).post(url, {"result": "pass", "opinion": "合格"},
                                                              format="json")
        no_deadline = api_for(officers["reviewer"].user).post(url, {"result": "rectify", "opinion": "质控记录不全"},
                                                              format="json")
        outsider = api_for(officers["km_intake"].user).post(url, {"result": "pass", "opinion": "x"}, format="json")
        rectify = api_for(officers["reviewer"].user).post(
            url, {"result": "rectify", "opinion": "质控记录不全", "rectify_by": "2026-12-31"}, format="json")
        passed = api_for(officers["reviewer"].user).post(url, {"result": "pass", "opinion": "已整改"}, format="json")
        again = api_for(officers["reviewer"].user).post(url, {"result": "fail", "opinion": "x"}, format="json")
    assert by_approver.status_code == 403
    assert no_deadline.status_code == 400 and "rectify_by" in no_deadline.json()
    assert outsider.status_code == 404
    assert rectify.status_code == 200 and rectify.json()["rectify_by"] == "2026-12-31"
    assert passed.status_code == 200 and passed.json()["state"] == "pass" and passed.json()["rectify_by"] is None
    assert again.status_code == 409
    with at(D(YEAR, 12, 2)):
        rates = api_for(officers["supervisor"].user).get("/api/v1/annual-reports/rates/", {"year": YEAR}).json()
    assert rates["due"] == 1 and rates["filing_rate"] == 1.0 and rates["pass_rate"] == 1.0


def test_after_the_window_the_missing_list_and_one_reminder_each(licence, applicant, holder_api, officers,
                                                               django_capture_on_commit_callbacks):
    filed, missing = licence(), licence()
    with at(D(YEAR, 11, 20)):
        file(holder_api, filed.number)
    with at(D(YEAR, 12, 1)):
        rows = api_for(officers["reviewer"].user).get("/api/v1/annual-reports/missing/", {"year": YEAR}).json()
        refused = holder_api.get("/api/v1/annual-reports/missing/", {"year": YEAR})
        no_year = api_for(officers["supervisor"].user).get("/api/v1/annual-reports/missing/")
    assert rows == [{"certificate_number": missing.number, "holder": missing.holder_name,
                     "credit_code": missing.holder_code}]
    assert refused.status_code == 403 and no_year.status_code == 400
    for day in (D(YEAR, 12, 1), D(YEAR, 12, 2)):
        with at(day, hour=1), django_capture_on_commit_callbacks(execute=True):
            deadlines_sweep(on=day)
    reminders = Notification.objects.filter(user=applicant.user, kind="annual_report_missing")
    assert [n.certificate_number for n in reminders] == [missing.number]


def test_the_window_opening_reminds_every_licence_that_owes_a_report_once(licence, applicant,
                                                                         django_capture_on_commit_callbacks):
    certificate = licence()
    for day in (D(YEAR, 11, 14), D(YEAR, 11, 15), D(YEAR, 11, 16)):
        with at(day, hour=1), django_capture_on_commit_callbacks(execute=True):
            deadlines_sweep(on=day)
    opened = Notification.objects.filter(user=applicant.user, kind="annual_report_window_open")
    assert [n.certificate_number for n in opened] == [certificate.number]
    assert "2026-11-15" in opened[0].body and "2025-10-01" in opened[0].body


def test_the_form_schema_is_public_and_in_the_openapi_schema(client):
    form = client.get("/api/v1/annual-reports/form/").json()
    assert form["required"] == ["animals", "staff", "facility_changes", "equipment_changes", "quality_tests",
                                "incidents"]
    schema = client.get("/api/schema/?format=json").json()
    body = schema["paths"]["/api/v1/annual-reports/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    data = schema["components"]["schemas"][ref]["properties"]["data"]
    assert data["required"] == form["required"] and "animals" in data["properties"]
