"""案卷评查: the sample of decided cases, recomputable from the public record; the law's checks on
constructed cases (a deemed acceptance, a late decision, a refusal without legal review, an edited
log), the 100-point sheet and its grade, the XLSX report."""

import datetime as dt
import hashlib
import io
import json

import pytest
from openpyxl import load_workbook

from django.db import connection

from licensing import workflow
from licensing.caselog import log_append
from licensing.models import Application
from supervision.models import CaseReview, ReviewedFile
from supervision.review import case_checks, file_score
from tests.licensing.conftest import recommend
from tests.supervision.conftest import at, client_for

pytestmark = pytest.mark.django_db

FULL = {"reasons_adequate": 25, "materials_consistent": 20, "documents_standard": 15}


@pytest.fixture
def cases(file_application, officers):
    """Five decided cases of 2025 and one withdrawn."""
    made = {}
    # A grant in time: filed Monday 2025-03-03, accepted the next day, approved 2025-03-14.
    app = file_application(on=dt.date(2025, 3, 3))
    with at(dt.date(2025, 3, 4)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
    with at(dt.date(2025, 3, 14)):
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    made["good"] = app
    # A deemed acceptance: nobody answered within 5 WD (due 2025-03-10), the sweep of 03-11 accepts it.
    app = file_application(on=dt.date(2025, 3, 3))
    with at(dt.date(2025, 3, 11)):
        workflow.deadlines_sweep(on=dt.date(2025, 3, 11))
        app.refresh_from_db()
        assert app.deemed_accepted
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    made["deemed"] = app
    # A late decision: accepted 2025-04-02, approved 2025-05-20 (the May Day holiday in between).
    app = file_application(on=dt.date(2025, 4, 1))
    with at(dt.date(2025, 4, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
    with at(dt.date(2025, 5, 20)):
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    made["late"] = app
    # A refusal through legal review.
    app = file_application(on=dt.date(2025, 6, 3))
    with at(dt.date(2025, 6, 4)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_propose_refusal(application=app, actor=officers["reviewer"].user,
                                             reasons="屏障设施环境检测不合格", legal_basis="《实验动物管理条例》第六条")
    with at(dt.date(2025, 6, 6)):
        workflow.application_confirm_refusal(application=app, actor=officers["legal"].user, opinion="同意")
    made["refused"] = app
    # A refusal without legal review (constructed: an approver's refusal entered straight from review,
    # as an imported legacy case might have it).
    app = file_application(on=dt.date(2025, 7, 1))
    with at(dt.date(2025, 7, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(dt.date(2025, 7, 10)):
        Application.objects.filter(pk=app.pk).update(state="refused", decided_on=dt.date(2025, 7, 10))
        app.refresh_from_db()
        log_append(application=app, actor=officers["approver"].user, verb="confirm_refusal", from_state="in_review",
                   to_state="refused", reason="不符合条件")
    made["unreviewed"] = app
    # Withdrawn: not a decision.
    app = file_application(on=dt.date(2025, 8, 1))
    with at(dt.date(2025, 8, 4)):
        workflow.application_withdraw(application=app, actor=app.applicant.user, reason="不再需要")
    made["withdrawn"] = app
    for app in made.values():
        app.refresh_from_db()
    return made


def test_a_grant_in_time_passes_every_check_that_applies(cases):
    checks = case_checks(cases["good"])
    assert checks["acceptance_in_time"]["passed"] is True
    assert checks["acceptance_in_time"]["evidence"]["steps"][0]["working_days"] == 1
    assert checks["decision_in_time"]["passed"] is True
    assert checks["decision_in_time"]["evidence"]["working_days"] == 8
    assert checks["extension_lawful"]["passed"] is None
    assert checks["notices_complete"]["passed"] is True, checks["notices_complete"]
    assert checks["remedies_stated"]["passed"] is None
    assert checks["legal_review_before_refusal"]["passed"] is None
    assert checks["duties_separated"]["passed"] is True
    assert checks["log_intact"]["passed"] is True


def test_a_deemed_acceptance_fails_the_acceptance_check(cases):
    check = case_checks(cases["deemed"])["acceptance_in_time"]
    assert check["passed"] is False
    assert check["evidence"]["deemed"] is True
    assert check["evidence"]["steps"][-1]["answer"]["verb"] == "deem_accepted"
    assert check["evidence"]["steps"][-1]["working_days"] == 6


def test_a_late_decision_fails_the_decision_check_with_its_working_days(cases):
    check = case_checks(cases["late"])["decision_in_time"]
    assert check["passed"] is False
    # 2025-04-02 → 05-20: 34 weekdays less Qingming (04-04) and May Day (05-01, 05-02, 05-05), plus the
    # make-up workday Sunday 04-27, on the official calendar.
    assert check["evidence"]["working_days"] == 31
    assert check["evidence"]["limit"] == 20


def test_a_refusal_through_legal_review_passes_and_states_the_remedies(cases):
    checks = case_checks(cases["refused"])
    assert checks["legal_review_before_refusal"]["passed"] is True
    assert checks["remedies_stated"]["passed"] is True
    assert checks["duties_separated"]["passed"] is True
    assert checks["notices_complete"]["passed"] is True


def test_a_refusal_without_legal_review_fails_and_lacks_its_notice(cases):
    checks = case_checks(cases["unreviewed"])
    assert checks["legal_review_before_refusal"]["passed"] is False
    assert checks["legal_review_before_refusal"]["evidence"]["proposals"] == []
    assert checks["notices_complete"]["passed"] is False
    assert checks["notices_complete"]["evidence"]["missing"] == ["refusal"]
    assert checks["remedies_stated"]["passed"] is False


def test_an_edited_log_row_fails_log_intact(cases):
    app = cases["good"]
    row = app.log.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE licensing_caselogentry SET reason = %s WHERE id = %s", ["改过的意见", row.pk])
    check = case_checks(app)["log_intact"]
    assert check["passed"] is False and check["evidence"]["first_bad_row"] == row.seq


def _rank(seed, ident):
    return int(hashlib.sha256(f"{seed}:case:{ident}".encode()).hexdigest(), 16)


def test_the_sample_is_drawn_from_the_decisions_of_the_period_and_recomputes(cases, officers):
    supervisor = client_for(officers["supervisor"].user)
    with at(dt.date(2026, 1, 15)):
        created = supervisor.post("/api/v1/case-reviews/", {"start": "2025-01-01", "end": "2025-12-31",
                                                            "sample_size": 3}, format="json")
        assert created.status_code == 201
        review_id = created.json()["id"]
        before = client_for(None).get(f"/api/v1/public/case-reviews/{review_id}/").json()
        assert before["seed"] is None and before["sample"] == []
        assert supervisor.post(f"/api/v1/case-reviews/{review_id}/draw/").status_code == 200
        assert supervisor.post(f"/api/v1/case-reviews/{review_id}/draw/").status_code == 409
    public = client_for(None).get(f"/api/v1/public/case-reviews/{review_id}/").json()
    decided = sorted(cases[k].case_number for k in ("good", "deemed", "late", "refused", "unreviewed"))
    assert public["cases_input"] == decided
    assert cases["withdrawn"].case_number not in public["cases_input"]
    assert hashlib.sha256(public["seed"].encode("ascii")).hexdigest() == created.json()["seed_commitment"]
    assert public["sample"] == sorted(public["cases_input"], key=lambda n: _rank(public["seed"], n))[:3]
    text = json.dumps(public, ensure_ascii=False)
    assert cases["good"].applicant.name not in text and "credit_code" not in text
    detail = supervisor.get(f"/api/v1/case-reviews/{review_id}/").json()
    assert [f["case_number"] for f in detail["files"]] == public["sample"]
    assert set(detail["files"][0]["checks"]) == {
        "acceptance_in_time", "decision_in_time", "extension_lawful", "notices_complete", "remedies_stated",
        "legal_review_before_refusal", "duties_separated", "log_intact"}


@pytest.fixture
def review(cases, officers):
    with at(dt.date(2026, 1, 15)):
        found = CaseReview.objects.create(authority=cases["good"].authority, start=dt.date(2025, 1, 1),
                                          end=dt.date(2025, 12, 31), sample_size=5, seed="ab" * 32,
                                          seed_commitment="", created_by=officers["supervisor"].user)
        from supervision.review import review_draw

        return review_draw(review=found, actor=officers["supervisor"].user)


def test_scores_make_the_grade_on_the_100_point_sheet(review, cases, officers):
    supervisor = client_for(officers["supervisor"].user)
    url = f"/api/v1/case-reviews/{review.pk}/files/{{}}/score/"
    good = supervisor.post(url.format(cases["good"].case_number), {"scores": FULL}, format="json")
    assert good.status_code == 200 and good.json()["score"] == 100 and good.json()["grade"] == "excellent"
    weak = supervisor.post(url.format(cases["unreviewed"].case_number),
                           {"scores": {"reasons_adequate": 15, "materials_consistent": 10, "documents_standard": 5}},
                           format="json")
    # 8 checks × 5 less three failed ones (legal review, notices, remedies) = 25, plus 30.
    assert weak.json()["score"] == 55 and weak.json()["grade"] == "fail"
    bad = supervisor.post(url.format(cases["good"].case_number), {"scores": {"reasons_adequate": 99}}, format="json")
    assert bad.status_code == 400 and "scores.reasons_adequate" in bad.json()
    assert file_score(case_checks(cases["late"]), {}) is None
    assert ReviewedFile.objects.get(review=review, application=cases["good"]).scores == FULL


def test_the_report_is_an_xlsx_with_one_row_per_file(review, officers):
    supervisor = client_for(officers["supervisor"].user)
    for lang in ("zh", "en"):
        response = supervisor.get(f"/api/v1/case-reviews/{review.pk}/report.xlsx?lang={lang}")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        numbers = [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)]
        assert numbers == review.sample


def test_the_report_is_also_a_pdf_in_zh_and_en(review, officers):
    import subprocess

    supervisor = client_for(officers["supervisor"].user)
    for lang in ("zh", "en"):
        response = supervisor.get(f"/api/v1/case-reviews/{review.pk}/report.pdf?lang={lang}")
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-", "-"], input=supervisor.get(
        f"/api/v1/case-reviews/{review.pk}/report.pdf?lang=zh").content, capture_output=True).stdout.decode()
    assert review.sample[0] in text and "案卷评查报告" in text


def test_only_supervisors_create_reviews(officers, applicant, catalog):
    body = {"start": "2025-01-01", "end": "2025-12-31", "sample_size": 15}
    assert client_for(officers["reviewer"].user).post("/api/v1/case-reviews/", body, format="json").status_code == 403
    assert client_for(applicant.user).post("/api/v1/case-reviews/", body, format="json").status_code == 403
    bad = client_for(officers["supervisor"].user).post("/api/v1/case-reviews/", {
        "start": "2025-12-31", "end": "2025-01-01", "sample_size": 0}, format="json")
    assert bad.status_code == 400 and "sample_size" in bad.json()
    bad = client_for(officers["supervisor"].user).post("/api/v1/case-reviews/", {
        "start": "2025-12-31", "end": "2025-01-01", "sample_size": 2}, format="json")
    assert bad.status_code == 400 and "end" in bad.json()


def test_a_lawful_extension_passes_and_a_second_one_fails(file_application, officers):
    app = file_application(on=dt.date(2025, 9, 1))
    with at(dt.date(2025, 9, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        workflow.application_extend(application=app, actor=officers["approver"].user, days=5,
                                    reason="需补充现场核查意见")
    with at(dt.date(2025, 9, 30)):
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    app.refresh_from_db()
    checks = case_checks(app)
    assert checks["extension_lawful"]["passed"] is True
    assert checks["extension_lawful"]["evidence"]["days"] == [5]
    assert checks["decision_in_time"]["evidence"]["limit"] == 25
    # A second extension entered into the log (constructed) is not lawful: once only.
    with at(dt.date(2025, 9, 30)):
        log_append(application=app, actor=officers["approver"].user, verb="extend", from_state="approved",
                   to_state="approved", reason="再次延长", data={"days": 5})
    assert case_checks(app)["extension_lawful"]["passed"] is False


def test_one_officer_recommending_and_approving_fails_the_separation_of_duties(file_application, officers):
    app = file_application(on=dt.date(2025, 9, 1))
    with at(dt.date(2025, 9, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        # Constructed: the approver's own recommendation, as an imported case might have it.
        log_append(application=app, actor=officers["approver"].user, verb="recommend", from_state="in_review",
                   to_state="in_review", reason="建议准予")
        Application.objects.filter(pk=app.pk).update(stage="decision")
        app.refresh_from_db()
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    app.refresh_from_db()
    check = case_checks(app)["duties_separated"]
    assert check["passed"] is False and check["evidence"]["pairs"][0]["same_person"] is True
