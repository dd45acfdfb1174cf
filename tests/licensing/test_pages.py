"""The licensing web pages through the Django test client: filing from the task list to the
confirmation, the officer's queue and case page actions, supervision, the public status query."""

import datetime as dt
import re

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from licensing import workflow
from licensing.constants import State
from licensing.models import Application
from services.constants import MaterialMode
from tests.factories import ApplicantFactory

from .conftest import PDF_BYTES, PNG_BYTES, at, lab_data

DAY = dt.date(2025, 9, 26)  # a Friday; the acceptance limit (5 WD) ends on 2025-10-10 after the holiday


def details_post(data: dict, *, next_: str = "tasks") -> dict:
    """The details form's POST body for application data (scope as its repeatable rows)."""
    body = {"next": next_}
    for key, value in data.items():
        if key == "scope":
            for index, row in enumerate(value):
                body[f"scope_{index}_environment"] = row["environment"]
                body[f"scope_{index}_species"] = row["species"]
        else:
            body[key] = value
    return body


def upload_body(material) -> dict:
    # One file per material: the same file for two materials asks for a confirmation first.
    content = (PNG_BYTES if "pdf" not in material.file_types else PDF_BYTES) + f"\n% {material.code}\n".encode()
    body = {"action": "upload", "file": SimpleUploadedFile(f"{material.code}.pdf", content)}
    if material.max_age_days:
        body["document_date"] = DAY.isoformat()
    return body


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant.user)
    return client


# --- applicant portal ----------------------------------------------------------------------------

def test_applicant_files_a_lab_application_through_the_pages(applicant_client, applicant):
    c = applicant_client
    with at(DAY):
        assert c.get(reverse("applications")).status_code == 200
        chooser = c.get(reverse("application-new"))
        assert "实验动物生产许可证核发（新办）" in chooser.content.decode()
        response = c.post(reverse("application-new"), {"service": "lab-animal-production"})
        app = Application.objects.get(applicant=applicant)
        assert response.status_code == 302 and response["Location"] == reverse("application-detail", args=[app.pk])
        # the draft starts from the applicant's profile
        assert app.data["unit_name"] == applicant.name
        assert app.data["credit_code"] == applicant.credit_code
        assert app.data["facility_address"] == applicant.address
        assert app.data["city"] == "玉溪市"

        tasks = c.get(reverse("application-detail", args=[app.pk])).content.decode()
        assert "申请信息" in tasks and "未完成" in tasks and "检查、声明并提交" in tasks
        assert "纸质申请材料一式三份及电子光盘" in tasks  # abolished: shown as needing nothing
        assert "无需提交" in tasks

        data = lab_data(unit_name=applicant.name, credit_code=applicant.credit_code)
        response = c.post(reverse("application-details", args=[app.pk]), details_post(data))
        assert response.status_code == 302
        app.refresh_from_db()
        assert app.data["scope"] == [{"environment": "barrier", "species": ["mouse", "rat"]}]
        assert app.data["contact_phone"] == data["contact_phone"]
        assert "已完成" in c.get(reverse("application-detail", args=[app.pk])).content.decode()

        for material in app.service_type.materials.all():
            url = reverse("application-material", args=[app.pk, material.code])
            if material.mode == MaterialMode.COMMITMENT:
                page = c.get(url).content.decode()
                assert "签署" in page and material.commitment_texts.first().text_zh[:10] in page
                assert c.post(url, {"action": "sign"}).status_code == 302
            elif material.mode == MaterialMode.UPLOAD:
                page = c.get(url).content.decode()
                assert f"{material.max_size_mb} MB" in page
                assert c.post(url, upload_body(material)).status_code == 302
        page = c.get(reverse("application-material", args=[app.pk, "floor-plan"])).content.decode()
        assert "floor-plan.pdf" in page and "SHA-256" in page

        check = c.get(reverse("application-check", args=[app.pk]))
        assert check.status_code == 200 and "error-summary" not in check.content.decode()
        assert "屏障环境：小鼠、大鼠" in check.content.decode()
        no_declaration = c.post(reverse("application-check", args=[app.pk]), {})
        assert no_declaration.status_code == 400 and "请勾选声明后再提交" in no_declaration.content.decode()
        assert Application.objects.get(pk=app.pk).state == State.DRAFT

        response = c.post(reverse("application-check", args=[app.pk]), {"declaration": "on"})
        assert response["Location"] == reverse("application-submitted", args=[app.pk])
        confirmation = c.get(response["Location"]).content.decode()
        app.refresh_from_db()
        assert app.state == State.SUBMITTED
        assert app.case_number in confirmation
        password = re.search(r'id="status-password">(\d{8})<', confirmation).group(1)
        assert workflow.status_password_check(app, password)
        assert "5 个工作日内受理" in confirmation
        # shown once only
        again = c.get(reverse("application-submitted", args=[app.pk])).content.decode()
        assert password not in again and app.case_number in again

        case = c.get(reverse("application-detail", args=[app.pk])).content.decode()
        assert "已接件" in case and "收件回执" in case and "2025-10-10" in case and "撤回申请" in case

    status = c.post(reverse("status-query"), {"case_number": app.case_number, "password": password})
    assert status.status_code == 200
    body = status.content.decode()
    assert "已接件" in body and applicant.name not in body


def test_bad_details_show_the_error_summary_and_keep_what_was_saved(applicant_client, applicant, file_application):
    app = file_application(submit=False)
    saved = dict(app.data)
    c = applicant_client
    with at(DAY):
        body = details_post(lab_data(contact_phone="call me", credit_code="12345"))
        body["scope_0_species"] = []  # an environment without species
        response = c.post(reverse("application-details", args=[app.pk]), body)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_contact_phone"' in page and 'href="#id_credit_code"' in page
    assert 'href="#id_scope_0_species_0"' in page
    assert 'value="call me"' in page  # what was typed is shown again
    assert page.count("格式不正确") >= 2  # in the summary and next to the field
    app.refresh_from_db()
    assert app.data == saved


def test_a_draft_can_be_saved_incomplete(applicant_client, applicant):
    with at(DAY):
        applicant_client.post(reverse("application-new"), {"service": "lab-animal-use"})
        app = Application.objects.get(applicant=applicant)
        response = applicant_client.post(reverse("application-details", args=[app.pk]),
                                         details_post({**app.data, "unit_name": "新名称"}, next_="stay"))
        assert response["Location"] == reverse("application-details", args=[app.pk])
        app.refresh_from_db()
        assert app.data["unit_name"] == "新名称" and app.data["credit_code"] == applicant.credit_code
        check = applicant_client.get(reverse("application-check", args=[app.pk])).content.decode()
    assert "申请尚不完整" in check
    assert reverse("application-details", args=[app.pk]) + "#scope" in check
    assert reverse("application-material", args=[app.pk, "application-form"]) in check


def test_upload_of_the_wrong_type_is_refused_next_to_the_field(applicant_client, file_application):
    app = file_application(submit=False)
    url = reverse("application-material", args=[app.pk, "application-form"])
    with at(DAY):
        response = applicant_client.post(url, {"action": "upload",
                                               "file": SimpleUploadedFile("form.pdf", PNG_BYTES)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_file"' in page and "系统按文件实际内容判断" in page


def test_stale_document_date_is_refused(applicant_client, file_application):
    app = file_application(submit=False)
    url = reverse("application-material", args=[app.pk, "environment-report"])
    with at(DAY):
        response = applicant_client.post(url, {"action": "upload", "document_date": "2024-01-01",
                                               "file": SimpleUploadedFile("r.pdf", PDF_BYTES + b"% new report\n")})
    assert response.status_code == 400
    assert 'href="#id_document_date"' in response.content.decode()


def test_foreign_details_show_the_work_permit_category(applicant_client, file_application):
    app = file_application(service="foreign-work-permit", submit=False)
    with at(DAY):
        page = applicant_client.get(reverse("application-details", args=[app.pk])).content.decode()
    assert "工作许可类别" in page and "A 类" in page and "年薪" in page


def test_someone_elses_application_is_404(client, file_application):
    app = file_application()
    client.force_login(ApplicantFactory().user)
    for name in ("application-detail", "application-details", "application-check", "application-submitted"):
        assert client.get(reverse(name, args=[app.pk])).status_code == 404
    assert client.get(reverse("application-material", args=[app.pk, "floor-plan"])).status_code == 404


def test_pages_need_login(client, file_application):
    app = file_application()
    for url in (reverse("applications"), reverse("application-detail", args=[app.pk]), reverse("workbench"),
                reverse("workbench-case", args=[app.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_applicant_withdraws_with_confirmation(applicant_client, file_application):
    app = file_application()
    url = reverse("application-withdraw", args=[app.pk])
    with at(DAY):
        assert "确定要撤回申请吗" in applicant_client.get(url).content.decode()
        unconfirmed = applicant_client.post(url, {"reason": "不再需要"})
        assert unconfirmed.status_code == 400 and "请勾选确认后再撤回" in unconfirmed.content.decode()
        assert applicant_client.post(url, {"reason": "不再需要", "confirm": "on"}).status_code == 302
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN


# --- officers ------------------------------------------------------------------------------------

def test_officer_queue_shows_the_case_and_filters(client, officers, file_application):
    app = file_application()
    client.force_login(officers["intake"].user)
    with at(dt.date(2025, 9, 29)):
        page = client.get(reverse("workbench")).content.decode()
        assert app.case_number in page and "已接件" in page and app.applicant.name in page
        assert app.case_number not in client.get(reverse("workbench"), {"stage": "review"}).content.decode()
        assert app.case_number in client.get(reverse("workbench"), {"service": "lab-animal-production",
                                                                    "warning": "green"}).content.decode()
        assert app.case_number not in client.get(reverse("workbench"), {"warning": "red"}).content.decode()


def test_intake_accepts_through_the_case_page(client, officers, file_application):
    app = file_application()
    client.force_login(officers["intake"].user)
    with at(dt.date(2025, 9, 29)):
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert f'action="/workbench/cases/{app.pk}/accept/"' in page
        assert "/request-correction/" in page and "/refuse-acceptance/" in page
        assert "/approve/" not in page
        assert "在浏览器中查看" in page and "告知承诺" in page  # materials and commitments
        response = client.post(reverse("workbench-action", args=[app.pk, "accept"]), {"accept-opinion": ""},
                               follow=True)
    app.refresh_from_db()
    assert app.state == State.IN_REVIEW
    assert "已受理" in " ".join(messages_of(response))
    assert "受理通知书" in response.content.decode()


def test_intake_requests_correction_and_the_applicant_answers_it(client, officers, file_application, applicant):
    app = file_application()
    client.force_login(officers["intake"].user)
    url = reverse("workbench-action", args=[app.pk, "request-correction"])
    with at(dt.date(2025, 9, 29)):
        nothing_ticked = client.post(url, {})
        assert nothing_ticked.status_code == 400 and "请勾选至少一项" in nothing_ticked.content.decode()
        no_reason = client.post(url, {"request-correction-item_floor-plan": "on"})
        assert no_reason.status_code == 400 and 'href="#id_request-correction-reason_floor-plan"' in \
            no_reason.content.decode()
        response = client.post(url, {
            "request-correction-item_floor-plan": "on", "request-correction-reason_floor-plan": "未标明动物流向",
            "request-correction-item_staff-qualifications": "on",
            "request-correction-reason_staff-qualifications": "缺少培训证明",
        })
        assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == State.CORRECTION_REQUESTED
    assert [i["material"] for i in app.corrections.get().items] == ["floor-plan", "staff-qualifications"]

    client.force_login(applicant.user)
    with at(dt.date(2025, 9, 30)):
        case = client.get(reverse("application-detail", args=[app.pk])).content.decode()
        assert "请补正以下全部事项" in case and "未标明动物流向" in case and "缺少培训证明" in case
        material = app.service_type.materials.get(code="floor-plan")
        response = client.post(reverse("application-material", args=[app.pk, "floor-plan"]), upload_body(material))
        assert response.status_code == 302
        early = client.post(reverse("application-resubmit", args=[app.pk]))
        assert early.status_code == 400
        assert reverse("application-material", args=[app.pk, "staff-qualifications"]) in early.content.decode()
        material = app.service_type.materials.get(code="staff-qualifications")
        response = client.post(reverse("application-material", args=[app.pk, "staff-qualifications"]),
                               upload_body(material))
        assert response.status_code == 302
        response = client.post(reverse("application-resubmit", args=[app.pk]))
        assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == State.SUBMITTED and app.acceptance_clock_from == dt.date(2025, 9, 30)


def test_acting_on_a_stale_state_shows_the_current_state(client, officers, file_application):
    app = file_application()
    client.force_login(officers["intake"].user)
    with at(dt.date(2025, 9, 29)):
        client.get(reverse("workbench-case", args=[app.pk]))  # the page is open ...
        intake2 = officers["intake"].user
        workflow.application_accept(application=app, actor=intake2)  # ... when the case moves on
        response = client.post(reverse("workbench-action", args=[app.pk, "request-correction"]), {
            "request-correction-item_floor-plan": "on", "request-correction-reason_floor-plan": "x"}, follow=True)
    text = " ".join(messages_of(response))
    assert "操作未执行" in text and "审查中" in text
    app.refresh_from_db()
    assert app.state == State.IN_REVIEW and not app.corrections.exists()


def test_reviewer_claims_and_approver_approves(client, officers, file_application):
    app = file_application()
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        client.force_login(officers["reviewer"].user)
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert "/claim/" in page and "/pause/" in page and "/approve/" not in page
        client.post(reverse("workbench-action", args=[app.pk, "claim"]))
        app.refresh_from_db()
        assert app.claimed_by == officers["reviewer"].user
        assert "t-reviewer" in client.get(reverse("workbench")).content.decode()

        client.force_login(officers["approver"].user)
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert "/claim/" not in page  # someone holds it
        assert "/approve/" not in page and 'id="unavailable-approve"' in page  # waits for the handling opinion

        client.force_login(officers["reviewer"].user)
        empty = client.post(reverse("workbench-action", args=[app.pk, "recommend"]), {"recommend-opinion": ""})
        assert empty.status_code == 400 and 'href="#id_recommend-opinion"' in empty.content.decode()
        client.post(reverse("workbench-action", args=[app.pk, "recommend"]),
                    {"recommend-opinion": "现场与材料一致，建议准予许可"})
        app.refresh_from_db()
        assert app.stage == "decision" and app.recommended_by == officers["reviewer"].user

        client.force_login(officers["approver"].user)
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert "现场与材料一致，建议准予许可" in page and "/approve/" in page and "/send-back/" in page
        empty = client.post(reverse("workbench-action", args=[app.pk, "approve"]), {"approve-opinion": ""})
        assert empty.status_code == 400 and 'href="#id_approve-opinion"' in empty.content.decode()
        client.post(reverse("workbench-action", args=[app.pk, "approve"]), {"approve-opinion": "符合条件，准予许可"})
    app.refresh_from_db()
    assert app.state in (State.APPROVED, State.ISSUED)


def test_pause_and_resume_through_the_page(client, officers, file_application):
    app = file_application()
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        client.force_login(officers["reviewer"].user)
        client.post(reverse("workbench-action", args=[app.pk, "pause"]), {
            "pause-kind": "site_inspection", "pause-expected_days": "5", "pause-reason": "现场核查设施"})
    app.refresh_from_db()
    assert app.state == State.PAUSED
    with at(dt.date(2025, 10, 9)):
        page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
        assert "现场核查" in page and "/resume/" in page
        client.post(reverse("workbench-action", args=[app.pk, "resume"]), {"resume-result": "核查合格"})
    app.refresh_from_db()
    assert app.state == State.IN_REVIEW


def test_another_authoritys_officer_gets_404(client, officers, file_application):
    app = file_application()
    client.force_login(officers["km_intake"].user)
    assert client.get(reverse("workbench-case", args=[app.pk])).status_code == 404
    assert client.post(reverse("workbench-action", args=[app.pk, "accept"]), {}).status_code == 404
    assert app.case_number not in client.get(reverse("workbench")).content.decode()
    app.refresh_from_db()
    assert app.state == State.SUBMITTED


def test_applicants_have_no_workbench(applicant_client):
    assert applicant_client.get(reverse("workbench")).status_code == 403
    assert applicant_client.get(reverse("board")).status_code == 403


def test_supervisor_board_shows_red_cases(client, officers, file_application):
    app = file_application()
    client.force_login(officers["intake"].user)
    assert client.get(reverse("board")).status_code == 403
    client.force_login(officers["supervisor"].user)
    with at(dt.date(2025, 10, 14)):  # past the acceptance limit (2025-10-10)
        page = client.get(reverse("board")).content.decode()
    assert app.case_number in page and "红牌超期" in page and "已超期" in page


def test_one_stop_filing_shows_both_tracks(client, officers, file_application, applicant):
    parent = file_application(service="foreign-talent-one-stop")
    tracks = {t.service_type.code: t for t in parent.tracks.all()}
    client.force_login(applicant.user)
    with at(DAY):
        page = client.get(reverse("application-detail", args=[parent.pk])).content.decode()
        assert tracks["foreign-work-permit"].case_number in page
        assert tracks["foreign-residence-permit"].case_number in page
        # a track opens inside the joint filing
        response = client.get(reverse("application-detail", args=[tracks["foreign-work-permit"].pk]))
        assert response["Location"] == reverse("application-detail", args=[parent.pk])

        client.force_login(officers["crj"].user)
        client.post(reverse("workbench-action", args=[tracks["foreign-residence-permit"].pk, "accept"]),
                    {"accept-opinion": ""})
        client.force_login(applicant.user)
        page = client.get(reverse("application-detail", args=[parent.pk])).content.decode()
        assert f"{tracks['foreign-residence-permit'].case_number}-ACCEPTANCE-1" in page  # a track's notice

        client.force_login(officers["crj"].user)
        queue = client.get(reverse("workbench"), {"stage": "review"}).content.decode()
        assert tracks["foreign-residence-permit"].case_number in queue
        assert tracks["foreign-work-permit"].case_number not in queue
        case = client.get(reverse("workbench-case", args=[tracks["foreign-residence-permit"].pk])).content.decode()
        assert "联办共用" in case and tracks["foreign-work-permit"].case_number in case
        assert client.get(reverse("workbench-case", args=[tracks["foreign-work-permit"].pk])).status_code == 404

        client.force_login(officers["intake"].user)
        assert tracks["foreign-work-permit"].case_number in client.get(reverse("workbench")).content.decode()


# --- public and language -------------------------------------------------------------------------

def test_status_query_refuses_a_wrong_password(client, file_application):
    app = file_application()
    response = client.post(reverse("status-query"), {"case_number": app.case_number, "password": "00000000"})
    assert response.status_code == 400 and "办件编号或查询密码不正确" in response.content.decode()
    empty = client.post(reverse("status-query"), {})
    assert empty.status_code == 400 and 'href="#id_case_number"' in empty.content.decode()


def test_status_query_limits_failed_attempts(client, file_application):
    app = file_application()
    body = {"case_number": app.case_number, "password": "1"}
    for _ in range(10):
        client.post(reverse("status-query"), body, REMOTE_ADDR="192.0.2.7")
    assert client.post(reverse("status-query"), body, REMOTE_ADDR="192.0.2.7").status_code == 429
    assert client.post(reverse("status-query"), body, REMOTE_ADDR="192.0.2.8").status_code == 400


def test_english_pages(client, applicant, file_application, officers):
    app = file_application()
    client.force_login(applicant.user)
    page = client.get(reverse("applications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "Laboratory animal production licence (SCXK), new" in page
    assert "My applications" in page and "Start a new application" in page and "Received" in page
    assert "我的办件" not in page
    client.cookies["django_language"] = "en"
    details = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert '<html lang="en">' in details
    draft = file_application(submit=False)
    form = client.get(reverse("application-details", args=[draft.pk])).content.decode()
    assert "Facility address" in form and "Barrier environment" in form and "mouse" in form
    assert "Save and return to the task list" in form
    client.force_login(officers["intake"].user)
    case = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
    assert "Facility address" in case and "Request corrections" in case and "Case log" in case


def test_header_links_by_role(client, applicant, officers):
    client.force_login(applicant.user)
    page = client.get(reverse("applications")).content.decode()
    assert f'href="{reverse("applications")}"' in page and f'href="{reverse("workbench")}"' not in page
    client.force_login(officers["supervisor"].user)
    page = client.get(reverse("workbench")).content.decode()
    assert f'href="{reverse("workbench")}"' in page and f'href="{reverse("board")}"' in page


def test_notifications_page_lists_the_notices_and_marks_them_read(file_application, client):
    import datetime as dt

    from licensing.models import Notification

    app = file_application(on=dt.date(2025, 9, 26))
    client.force_login(app.applicant.user)
    home = client.get("/guide/")
    assert "(1)" in home.content.decode()  # the receipt is unread
    page = client.get("/notifications/")
    body = page.content.decode()
    assert page.status_code == 200 and app.case_number in body and "收件回执" in body
    assert not Notification.objects.filter(user=app.applicant.user, read_at__isnull=True).exists()
