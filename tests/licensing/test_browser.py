"""The licensing pages in a real browser (Playwright + Debian Chromium against the live server):
an applicant files a lab animal licence from the start to the confirmation, intake accepts it and
the approver grants it; a one-stop filing lands in both agencies' queues, and one of its tracks goes
through the one-time correction. Screenshots of each main
page go to the screenshot folder (tests.conftest.SHOTS)."""

import re

import pytest

from django.utils import timezone

from licensing.constants import State
from licensing.models import Applicant, ApplicantKind, Application
from services.constants import MaterialMode
from services.selectors import service_type_current
from tests.conftest import SHOTS
from tests.factories import ApplicantFactory

from .conftest import JPEG_BYTES, PDF_BYTES, person_data

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory


def submit(page, locator) -> None:
    """Click a button or link and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str, *, next_url: str = "/") -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    submit(page, page.get_by_role("button", name="登录"))


def upload_or_sign(page, base: str, application: Application, *, shot_name: str = "") -> None:
    """Answer every material row of the task list: upload a file, or sign the commitment."""
    today = timezone.localdate().isoformat()
    for material in application.service_type.materials.all():
        if material.mode not in (MaterialMode.UPLOAD, MaterialMode.COMMITMENT):
            continue
        page.goto(f"{base}/applications/{application.pk}/materials/{material.code}/")
        if shot_name and material.mode == MaterialMode.COMMITMENT:
            shot(page, shot_name)
        if material.mode == MaterialMode.COMMITMENT:
            submit(page, page.get_by_role("button", name="我已阅读并签署承诺书"))
        else:
            pdf = "pdf" in material.file_types
            page.set_input_files("input[type=file]", files=[{
                "name": f"{material.code}.{'pdf' if pdf else 'jpg'}",
                "mimeType": "application/pdf" if pdf else "image/jpeg",
                # One file per material: the same file for two materials asks for a confirmation first.
                "buffer": (PDF_BYTES if pdf else JPEG_BYTES) + f"\n% {material.code}\n".encode()}])
            if material.max_age_days:
                page.fill("#id_document_date", today)
            submit(page, page.get_by_role("button", name="上传", exact=True))
        assert page.locator(".notice-success").count() == 1, page.content()


def test_lab_animal_licence_from_filing_to_approval(live_server, page, officers, applicant):
    base = live_server.url
    login(page, base, applicant.user.username, next_url="/applications/")
    shot(page, "01-my-applications-empty")
    submit(page, page.get_by_role("link", name="开始新的申请"))
    page.check("#service-lab-animal-production")
    shot(page, "02-new-application")
    submit(page, page.get_by_role("button", name="创建申请草稿"))
    application = Application.objects.get(applicant=applicant)
    assert page.url.endswith(f"/applications/{application.pk}/")
    shot(page, "03-task-list-start")

    submit(page, page.get_by_role("link", name="申请信息", exact=True))
    assert page.input_value("#id_unit_name") == applicant.name  # prefilled from the profile
    page.fill("#id_contact_phone", "not a phone")
    page.select_option("#id_scope_0_environment", "barrier")
    page.check("#id_scope_0_species_0")
    page.check("#id_scope_0_species_1")
    submit(page, page.get_by_role("button", name="保存并返回任务清单"))
    assert page.locator(".error-summary").is_visible()
    shot(page, "04-details-error-summary")
    page.locator(".error-summary a").first.click()
    page.fill("#id_contact_phone", "0877-2020202")
    submit(page, page.get_by_role("button", name="保存并返回任务清单"))
    assert page.locator(".notice-success").count() == 1

    upload_or_sign(page, base, application, shot_name="05-material-commitment")
    page.goto(f"{base}/applications/{application.pk}/materials/environment-report/")
    shot(page, "06-material-upload")
    page.goto(f"{base}/applications/{application.pk}/")
    shot(page, "07-task-list-complete")
    submit(page, page.get_by_role("link", name="检查、声明并提交"))
    shot(page, "08-check-answers")
    submit(page, page.get_by_role("button", name="确认并提交申请"))
    assert page.locator(".error-summary").is_visible()  # the declaration is required
    page.check("#id_declaration")
    submit(page, page.get_by_role("button", name="确认并提交申请"))
    page.wait_for_url(re.compile(r"/submitted/$"))
    shot(page, "09-confirmation")
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.case_number in page.content()
    password = page.inner_text("#status-password")
    assert re.fullmatch(r"\d{8}", password)

    page.goto(f"{base}/applications/{application.pk}/")
    shot(page, "10-applicant-case")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "10m-applicant-case-mobile")
    page.set_viewport_size({"width": 1280, "height": 900})

    login(page, base, officers["intake"].user.username, next_url="/workbench/")
    shot(page, "11-workbench-queue")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "11m-workbench-queue-mobile")
    page.set_viewport_size({"width": 1280, "height": 900})
    submit(page, page.get_by_role("link", name=application.case_number))
    shot(page, "12-workbench-case-intake")
    page.locator("#action-accept summary").click()
    submit(page, page.locator("#action-accept button"))
    assert page.locator(".notice-success").count() == 1
    application.refresh_from_db()
    assert application.state == State.IN_REVIEW

    login(page, base, officers["reviewer"].user.username, next_url=f"/workbench/cases/{application.pk}/")
    page.locator("#action-recommend summary").click()
    page.fill("#id_recommend-opinion", "材料与现场一致，设施符合国家标准，建议准予许可。")
    shot(page, "13a-workbench-case-handling")
    submit(page, page.locator("#action-recommend button"))
    assert page.locator(".notice-success").count() == 1
    application.refresh_from_db()
    assert application.stage == "decision"

    login(page, base, officers["approver"].user.username, next_url=f"/workbench/cases/{application.pk}/")
    assert "建议准予许可" in page.inner_text("#stages-title + p + table, .stages")
    page.locator("#action-approve summary").click()
    page.fill("#id_approve-opinion", "材料齐全，设施符合国家标准，准予许可。")
    shot(page, "13-workbench-case-approver")
    submit(page, page.locator("#action-approve button"))
    assert page.locator(".notice-success").count() == 1
    application.refresh_from_db()
    assert application.state in (State.APPROVED, State.ISSUED)
    shot(page, "14-workbench-case-decided")

    login(page, base, applicant.user.username, next_url=f"/applications/{application.pk}/")
    shot(page, "17-applicant-case-decided")

    login(page, base, officers["supervisor"].user.username, next_url="/workbench/board/")
    shot(page, "15-supervisor-board")

    page.context.clear_cookies()
    page.goto(f"{base}/status/")
    page.fill("#id_case_number", application.case_number)
    page.fill("#id_password", password)
    submit(page, page.get_by_role("button", name="查询"))
    assert "准予许可" in page.content() or "已发证" in page.content(), page.inner_text("main")
    shot(page, "16-public-status")


def test_one_stop_filing_reaches_both_agencies(live_server, page, officers, catalog):
    base = live_server.url
    employer = ApplicantFactory(kind=ApplicantKind.EMPLOYER, name="云南高原智造科技有限公司",
                                city="昆明市", address="昆明市高新区科技路1号")
    login(page, base, employer.user.username, next_url="/applications/new/")
    page.check("#service-foreign-talent-one-stop")
    submit(page, page.get_by_role("button", name="创建申请草稿"))
    application = Application.objects.get(applicant=employer)
    assert application.service_type == service_type_current(code="foreign-talent-one-stop")

    submit(page, page.get_by_role("link", name="申请信息", exact=True))
    data = person_data()
    for field in ("full_name", "passport_number", "position"):
        page.fill(f"#id_{field}", data[field])
    page.select_option("#id_nationality", data["nationality"])  # chosen by name, stored as DEU
    for field in ("passport_expiry", "birth_date"):
        page.fill(f"#id_{field}", data[field])
    for field in ("annual_salary_cny", "experience_years", "chinese_level", "months_per_year"):
        page.fill(f"#id_{field}", str(data[field]))
    page.select_option("#id_highest_degree", data["highest_degree"])
    submit(page, page.get_by_role("button", name="保存草稿"))
    assert page.locator(".notice-success").count() == 1
    shot(page, "20-one-stop-details-points")

    upload_or_sign(page, base, application)
    page.goto(f"{base}/applications/{application.pk}/check/")
    page.check("#id_declaration")
    submit(page, page.get_by_role("button", name="确认并提交申请"))
    page.wait_for_url(re.compile(r"/submitted/$"))
    shot(page, "21-one-stop-confirmation")
    tracks = {t.service_type.code: t for t in Application.objects.filter(parent=application)}
    assert set(tracks) == {"foreign-work-permit", "foreign-residence-permit"}
    page.goto(f"{base}/applications/{application.pk}/")
    shot(page, "22-one-stop-applicant-case")

    login(page, base, officers["intake"].user.username, next_url="/workbench/")
    assert tracks["foreign-work-permit"].case_number in page.content()
    assert tracks["foreign-residence-permit"].case_number not in page.content()

    login(page, base, officers["crj"].user.username, next_url="/workbench/")
    assert tracks["foreign-residence-permit"].case_number in page.content()
    assert tracks["foreign-work-permit"].case_number not in page.content()
    submit(page, page.get_by_role("link", name=tracks["foreign-residence-permit"].case_number))
    shot(page, "23-one-stop-exit-entry-case")
    assert Applicant.objects.count() == 1


def test_one_stop_case_through_correction_and_the_three_stage_review(live_server, page, officers,
                                                                      file_application):
    """The exit-entry officer asks once for a new photo and a corrected passport number on the residence
    track; the employer cannot resubmit before both have changed, corrects them in the browser (only the
    flagged field is editable), resubmits, and the track is accepted; both tracks then go through the
    handling officer's opinion to the approver's decision, the residence permit after the work permit."""
    base = live_server.url
    joint = file_application(on=timezone.localdate(), service="foreign-talent-one-stop")
    residence = joint.tracks.get(service_type__code="foreign-residence-permit")

    login(page, base, officers["crj"].user.username, next_url=f"/workbench/cases/{residence.pk}/")
    page.locator("#action-request-correction summary").click()
    page.check('[name="request-correction-item_photo"]')
    page.fill('[name="request-correction-reason_photo"]', "照片背景须为白色")
    page.check('[name="request-correction-item_data.passport_number"]')
    page.fill('[name="request-correction-reason_data.passport_number"]', "护照号码与护照资料页不一致")
    shot(page, "24-one-stop-correction-request")
    submit(page, page.locator("#action-request-correction button"))
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")
    residence.refresh_from_db()
    assert residence.state == State.CORRECTION_REQUESTED

    login(page, base, joint.applicant.user.username, next_url=f"/applications/{joint.pk}/")
    notice = page.locator("section.correction")
    assert "照片背景须为白色" in notice.inner_text() and "护照号码与护照资料页不一致" in notice.inner_text()
    shot(page, "25-one-stop-correction-notice")
    submit(page, notice.get_by_role("button", name="补正完毕，重新提交"))
    assert page.locator(".error-summary").is_visible()  # nothing has changed yet
    residence.refresh_from_db()
    assert residence.state == State.CORRECTION_REQUESTED

    submit(page, page.locator("section.correction").get_by_role("link", name=re.compile("修改申请信息")))
    assert page.locator("#id_passport_number").is_editable()
    assert page.locator("#id_full_name").count() == 0  # shown read-only, not as an input
    page.fill("#id_passport_number", "C01X00T48")
    shot(page, "26-one-stop-correction-details")
    submit(page, page.get_by_role("button", name="保存并返回办件"))
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")

    submit(page, page.locator("section.correction").get_by_role("link", name=re.compile("重新上传")))
    page.set_input_files("input[type=file]", files=[{
        "name": "photo-white.jpg", "mimeType": "image/jpeg", "buffer": JPEG_BYTES + b"white background"}])
    submit(page, page.get_by_role("button", name="上传", exact=True))
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")

    page.goto(f"{base}/applications/{joint.pk}/")
    assert page.locator("section.correction .tag-green").count() == 2  # both items show as changed
    submit(page, page.locator("section.correction").get_by_role("button", name="补正完毕，重新提交"))
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")
    shot(page, "27-one-stop-correction-resubmitted")
    residence.refresh_from_db()
    joint.refresh_from_db()
    assert residence.state == State.SUBMITTED and joint.data["passport_number"] == "C01X00T48"

    login(page, base, officers["crj"].user.username, next_url=f"/workbench/cases/{residence.pk}/")
    page.locator("#action-accept summary").click()
    submit(page, page.locator("#action-accept button"))
    assert page.locator(".notice-success").count() == 1
    residence.refresh_from_db()
    assert residence.state == State.IN_REVIEW

    # Three-stage review on both tracks: the residence permit's decision waits for the work permit.
    work = joint.tracks.get(service_type__code="foreign-work-permit")
    act(page, base, officers["intake"], work, "accept")
    act(page, base, officers["reviewer"], work, "recommend", opinion="材料真实有效，符合A类标准，建议准予许可。")
    act(page, base, officers["crj"], residence, "recommend", opinion="护照与照片已补正，建议准予居留许可。")
    login(page, base, officers["crj_approver"].user.username, next_url=f"/workbench/cases/{residence.pk}/")
    assert page.locator("#unavailable-approve").is_visible()  # says it waits for the work permit
    act(page, base, officers["approver"], work, "approve", opinion="准予工作许可。")
    act(page, base, officers["crj_approver"], residence, "approve", opinion="准予居留许可。")
    shot(page, "28-one-stop-residence-approved")
    work.refresh_from_db(), residence.refresh_from_db()
    assert work.state in (State.APPROVED, State.ISSUED) and residence.state in (State.APPROVED, State.ISSUED)


def act(page, base: str, officer, case: Application, verb: str, **fields) -> None:
    """Log in as `officer`, open `case` in the workbench and perform `verb` with its form `fields`."""
    login(page, base, officer.user.username, next_url=f"/workbench/cases/{case.pk}/")
    page.locator(f"#action-{verb} summary").click()
    for name, value in fields.items():
        page.fill(f"#id_{verb}-{name}", value)
    submit(page, page.locator(f"#action-{verb} button"))
    assert page.locator(".notice-success").count() == 1, page.inner_text("main")


def test_english_pages_render(live_server, page, applicant, file_application):
    application = file_application()
    base = live_server.url
    login(page, base, applicant.user.username, next_url="/applications/")
    submit(page, page.get_by_role("button", name="English"))
    page.wait_for_load_state()
    assert "Laboratory animal production licence" in page.content()
    page.goto(f"{base}/applications/{application.pk}/")
    shot(page, "30-english-case")
    draft = file_application(submit=False)
    page.goto(f"{base}/applications/{draft.pk}/details/")
    shot(page, "31-english-details")
    assert "Facility address" in page.content()
