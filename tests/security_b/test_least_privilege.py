"""Least privilege and privacy: a joint filing's officers read only their own track's materials and
data (shared ones besides); the applicant reads the acts and dates of the case log, not the internal
opinions, proposed-refusal reasons or officers' names."""

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from django.test import Client

from licensing import workflow
from licensing.constants import State
from tests.licensing.conftest import at, recommend

D = dt.date
WORK_ONLY_MATERIALS = {"employment-contract", "degree", "criminal-record"}
SHARED_MATERIALS = {"application-form", "passport", "photo", "health-certificate"}
WORK_ONLY_FIELDS = {"annual_salary_cny", "highest_degree", "experience_years", "chinese_level", "months_per_year"}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def joint(file_application):
    filing = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    return filing, {t.service_type.code: t for t in filing.tracks.all()}


def submissions_by_code(filing):
    return {s.material.code: s for s in filing.submissions.filter(superseded=False).select_related("material")}


def test_exit_entry_officers_read_the_shared_materials_and_their_track_only(joint, officers):
    filing, tracks = joint
    residence = tracks["foreign-residence-permit"]
    crj = api(officers["crj"].user)
    for case in (filing, residence):
        body = crj.get(f"/api/v1/applications/{case.pk}/").json()
        uploaded = {m["code"] for m in body["materials"] if m["submitted"]}
        listed = {m["code"] for m in body["materials"]}
        assert uploaded >= SHARED_MATERIALS, case
        assert not listed & WORK_ONLY_MATERIALS, case
        assert not set(body["data"]) & WORK_ONLY_FIELDS and body["data"]["passport_number"], case
        assert body["points"] is None
        assert "480000" not in json.dumps(body)  # the salary, under any key
    files = submissions_by_code(filing)
    browser = page(officers["crj"].user)
    for code in WORK_ONLY_MATERIALS:
        assert browser.get(f"/applications/{filing.pk}/materials/{files[code].pk}/").status_code == 404, code
    for code in SHARED_MATERIALS:
        assert browser.get(f"/applications/{filing.pk}/materials/{files[code].pk}/").status_code == 200, code
    workbench = browser.get(f"/workbench/cases/{residence.pk}/").content.decode()
    assert "480000" not in workbench and "480,000" not in workbench
    assert not any(f"/materials/{files[code].pk}/" in workbench for code in WORK_ONLY_MATERIALS)
    assert f"/materials/{files['passport'].pk}/" in workbench


def test_work_permit_officers_and_the_applicant_read_the_work_permit_materials(joint, officers):
    filing, tracks = joint
    permit = tracks["foreign-work-permit"]
    files = submissions_by_code(filing)
    st = api(officers["reviewer"].user)
    body = st.get(f"/api/v1/applications/{permit.pk}/").json()
    assert {m["code"] for m in body["materials"] if m["submitted"]} >= WORK_ONLY_MATERIALS
    assert body["data"]["annual_salary_cny"] == 480000 and body["points"]["total"] == 95
    assert page(officers["reviewer"].user).get(
        f"/applications/{filing.pk}/materials/{files['degree'].pk}/").status_code == 200
    owner = filing.applicant.user
    mine = api(owner).get(f"/api/v1/applications/{filing.pk}/").json()
    assert {m["code"] for m in mine["materials"] if m["submitted"]} >= WORK_ONLY_MATERIALS | SHARED_MATERIALS
    assert mine["data"]["annual_salary_cny"] == 480000
    assert page(owner).get(f"/applications/{filing.pk}/materials/{files['degree'].pk}/").status_code == 200


# --- the applicant's view of the case log ------------------------------------------------------------

HANDLING = "内部承办意见：申请人场地存在隐患"
PROPOSAL = "拟不予许可理由：屏障环境检测不合格"
LEGAL = "法制审核意见：同意拟不予许可"


@pytest.fixture
def refused_later(file_application, officers):
    """A case in legal review after a proposed refusal (and the function to confirm it)."""
    app = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user, opinion="受理意见：材料齐全")
        workflow.application_claim(application=app, actor=officers["reviewer"].user)
        recommend(app, officers["reviewer"], opinion=HANDLING)
        workflow.application_propose_refusal(application=app, actor=officers["approver"].user, reasons=PROPOSAL,
                                             legal_basis="《实验动物管理条例》第九条")
    app.refresh_from_db()
    assert app.state == State.LEGAL_REVIEW

    def confirm():
        with at(D(2025, 9, 30)):
            workflow.application_confirm_refusal(application=app, actor=officers["legal"].user, opinion=LEGAL)

    return app, confirm


def officer_names(officers):
    names = set()
    for key in ("intake", "reviewer", "approver", "legal"):
        user = officers[key].user
        names |= {user.username, user.get_full_name()} - {""}
    return names


def test_before_the_decision_the_applicant_sees_acts_and_dates_but_no_opinion_reason_or_name(
        refused_later, officers):
    app, _confirm = refused_later
    owner = app.applicant.user
    body = api(owner).get(f"/api/v1/applications/{app.pk}/").json()
    text = json.dumps(body, ensure_ascii=False)
    for secret in (HANDLING, PROPOSAL, "受理意见", *officer_names(officers)):
        assert secret not in text, secret
    verbs = [row["verb"] for row in body["log"]]
    assert verbs == ["create", "submit", "accept", "claim", "recommend", "propose_refusal"]
    assert all(row["at"] for row in body["log"])
    assert {row["actor"] for row in body["log"]} == {"applicant", "authority"}
    assert body["handling_opinion"] is None and body["claimed_by"] is None
    portal = page(owner).get(f"/applications/{app.pk}/").content.decode()
    for secret in (HANDLING, PROPOSAL, "受理意见", *officer_names(officers)):
        assert secret not in portal, secret
    assert "办理机关" in portal
    listed = api(owner).get("/api/v1/applications/").json()["results"]
    assert listed[0]["claimed_by"] is None
    # The officers keep the whole record.
    internal = json.dumps(api(officers["legal"].user).get(f"/api/v1/applications/{app.pk}/").json(),
                          ensure_ascii=False)
    assert HANDLING in internal and PROPOSAL in internal and officers["reviewer"].user.username in internal


def test_once_the_refusal_is_notified_the_applicant_reads_its_reasons_but_not_the_legal_opinion(
        refused_later, officers):
    app, confirm = refused_later
    confirm()
    body = api(app.applicant.user).get(f"/api/v1/applications/{app.pk}/").json()
    reasons = {row["verb"]: row["reason"] for row in body["log"]}
    assert reasons["propose_refusal"] == PROPOSAL  # what the refusal decision itself states
    assert reasons["confirm_refusal"] == "" and reasons["recommend"] == ""
    text = json.dumps(body, ensure_ascii=False)
    assert LEGAL not in text and HANDLING not in text
    assert not officer_names(officers) & {row["actor"] for row in body["log"]}


def test_reasons_the_law_notifies_are_shown_to_the_applicant(file_application, officers):
    app = file_application(on=D(2025, 9, 26))
    material = next(m for m in app.service_type.materials.all() if m.mode == "upload" and m.required)
    with at(D(2025, 9, 29)):
        workflow.application_request_correction(
            application=app, actor=officers["intake"].user,
            items=[{"material": material.code, "reason": "扫描件不清晰，请重新上传"}])
    body = api(app.applicant.user).get(f"/api/v1/applications/{app.pk}/").json()
    row = next(r for r in body["log"] if r["verb"] == "request_correction")
    # The correction notice's items reach the applicant (Art. 32); who wrote them does not.
    assert row["actor"] == "authority"
    assert row["data"]["items"] == [{"material": material.code, "reason": "扫描件不清晰，请重新上传"}]
    assert officers["intake"].user.username not in json.dumps(body, ensure_ascii=False)
