"""The pages: the public draw record in zh and en, the supervisor's plans and reviews, an
inspector's record form."""

import datetime as dt
import re

import pytest

from supervision.models import CaseReview, Inspection, InspectionPlan
from supervision.sealing import secret_seed
from tests.supervision.conftest import DRAW_DAY, at

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def drawn_plan(client, officers, inspectors, manual_targets):
    _login(client, officers["supervisor"].user)
    with at(DRAW_DAY):
        response = client.post("/supervision/", {
            "kind": "plan", "plan-year": 2026, "plan-title": "2026年抽查", "plan-item": "lab-animal-licence-conditions",
            "plan-targets_count": 4, "plan-groups": 2, "plan-group_size": 3})
        assert response.status_code == 302
        plan = InspectionPlan.objects.get()
        assert client.post(f"/supervision/plans/{plan.pk}/draw/").status_code == 302
    plan.refresh_from_db()
    assert plan.drawn_at is not None
    client.logout()
    return plan


def test_the_public_page_publishes_the_algorithm_and_the_result_in_zh_and_en(client, drawn_plan):
    page = client.get(f"/inspection-draws/{drawn_plan.pk}/").content.decode()
    assert "tongban-draw-v1" in page and drawn_plan.seed in page and drawn_plan.seed_commitment in page
    assert "rank(" in page and "SHA-256" in page
    group = drawn_plan.draw["groups"][0]
    surname = drawn_plan.draw["inspector_surnames"][group[0]]
    assert f"{group[0]} {surname}" in page
    english = client.get(f"/inspection-draws/{drawn_plan.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and 'lang="en"' in english.content.decode()
    assert client.get("/inspection-draws/").status_code == 200


def test_before_the_draw_the_page_shows_only_the_commitment(client, officers, items):
    _login(client, officers["supervisor"].user)
    client.post("/supervision/", {"kind": "plan", "plan-year": 2026, "plan-title": "待抽取",
                                  "plan-item": "lab-animal-licence-conditions", "plan-targets_count": 2,
                                  "plan-groups": 1, "plan-group_size": 2})
    plan = InspectionPlan.objects.get()
    client.logout()
    page = client.get(f"/inspection-draws/{plan.pk}/").content.decode()
    assert plan.seed_commitment in page and secret_seed(plan) not in page


def test_a_bad_plan_form_is_a_400_with_the_error_summary(client, officers, items):
    _login(client, officers["supervisor"].user)
    response = client.post("/supervision/", {"kind": "plan", "plan-year": 2026, "plan-title": "x",
                                             "plan-item": "lab-animal-licence-conditions", "plan-targets_count": 2,
                                             "plan-groups": 1, "plan-group_size": 1})
    assert response.status_code == 400 and "error-summary" in response.content.decode()


def test_supervisor_pages_are_for_supervisors_only(client, officers, applicant, drawn_plan):
    for who in (officers["reviewer"].user, applicant.user):
        _login(client, who)
        assert client.get("/supervision/").status_code == 403
        assert client.get(f"/supervision/plans/{drawn_plan.pk}/").status_code == 403
    _login(client, officers["supervisor"].user)
    page = client.get(f"/supervision/plans/{drawn_plan.pk}/").content.decode()
    assert all(i.target_name in page for i in drawn_plan.inspections.all())
    assert client.get("/supervision/").status_code == 200


def test_an_inspector_records_through_the_form_and_the_supervisor_sees_the_deadline(client, officers, drawn_plan):
    inspection = drawn_plan.inspections.first()
    leader = inspection.leader.officer.user
    _login(client, leader)
    points = list(inspection.plan.item.check_points.values_list("code", flat=True))
    assert inspection.target_name in client.get("/supervision/inspections/").content.decode()
    data = {"act": "record", "inspected_on": "2026-03-12", "conclusion": "compliant",
            **{f"result_{p}": "pass" for p in points}}
    with at(dt.date(2026, 3, 12)):
        form = client.get(f"/supervision/inspections/{inspection.pk}/")
        assert form.status_code == 200
        # Each check point's radio group is a fieldset named by the point (its legend).
        groups = re.findall(r"<fieldset[^>]*>\s*<legend[^>]*>(.*?)</legend>(.*?)</fieldset>", form.content.decode(),
                            re.S)
        named = {legend.strip(): body for legend, body in groups}
        for point in inspection.plan.item.check_points.all():
            assert f'name="result_{point.code}"' in named[point.name_zh], named.keys()
        response = client.post(f"/supervision/inspections/{inspection.pk}/", data)
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "published" and inspection.publish_due is not None
    _login(client, officers["supervisor"].user)
    page = client.get(f"/supervision/plans/{drawn_plan.pk}/").content.decode()
    assert inspection.publish_due.strftime("%Y-%m-%d") in page


def test_the_case_review_sheet_shows_the_checks_and_takes_scores(client, officers, file_application):
    from licensing import workflow
    from tests.licensing.conftest import recommend

    app = file_application(on=dt.date(2025, 3, 3))
    with at(dt.date(2025, 3, 4)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    _login(client, officers["supervisor"].user)
    with at(dt.date(2026, 1, 10)):
        response = client.post("/supervision/", {"kind": "review", "review-start": "2025-01-01",
                                                 "review-end": "2025-12-31", "review-sample_size": 15})
        assert response.status_code == 302
        review = CaseReview.objects.get()
        client.post(f"/supervision/reviews/{review.pk}/", {"act": "draw"})
        client.post(f"/supervision/reviews/{review.pk}/", {"act": "score", "case_number": app.case_number,
                                                            "reasons_adequate": 25, "materials_consistent": 20,
                                                            "documents_standard": 15})
    page = client.get(f"/supervision/reviews/{review.pk}/").content.decode()
    assert app.case_number in page and "100 · 优秀" in page
    report = client.get(f"/supervision/reviews/{review.pk}/report.xlsx?lang=zh")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert Inspection.objects.count() == 0


def test_the_script_on_the_public_page_recomputes_the_published_draw(client, drawn_plan, tmp_path):
    """A citizen copies the script from the page and runs it on the page's JSON."""
    import html
    import json
    import re
    import subprocess
    import sys

    page = client.get(f"/inspection-draws/{drawn_plan.pk}/").content.decode()
    script = html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", page, re.S).group(1))
    published = client.get(f"/api/v1/public/inspection-draws/{drawn_plan.pk}/").json()
    (tmp_path / "draw.json").write_text(json.dumps(published), encoding="utf-8")
    (tmp_path / "recompute.py").write_text(script, encoding="utf-8")
    run = subprocess.run([sys.executable, "recompute.py", "draw.json"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.splitlines()
    assert len(printed) == len(published["assignments"])
    for line, assignment in zip(printed, published["assignments"], strict=True):
        assert line == f"{assignment['target']} {assignment['group']} {assignment['substitutions']}"
    published["groups"][0].reverse()
    (tmp_path / "draw.json").write_text(json.dumps(published), encoding="utf-8")
    assert subprocess.run([sys.executable, "recompute.py", "draw.json"], cwd=tmp_path,
                          capture_output=True).returncode != 0


def test_the_public_review_page_lists_the_sample_without_personal_data(client, officers, file_application):
    from licensing import workflow
    from tests.licensing.conftest import recommend

    app = file_application(on=dt.date(2025, 3, 3))
    with at(dt.date(2025, 3, 4)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    _login(client, officers["supervisor"].user)
    with at(dt.date(2026, 1, 10)):
        client.post("/supervision/", {"kind": "review", "review-start": "2025-01-01", "review-end": "2025-12-31",
                                      "review-sample_size": 5})
        review = CaseReview.objects.get()
        client.post(f"/supervision/reviews/{review.pk}/", {"act": "draw"})
    client.logout()
    page = client.get(f"/case-reviews/{review.pk}/").content.decode()
    assert app.case_number in page and review.seed_commitment in page
    assert app.applicant.name not in page and app.data["credit_code"] not in page
    assert f"/case-reviews/{review.pk}/" in client.get("/inspection-draws/").content.decode()
