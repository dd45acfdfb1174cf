"""The notice PDF: the round seal pressed over the authority's name and the date, line breaking by
the punctuation rules in Chinese and English, and a PAdES signature with the authority's key that
pyHanko validates (intact, trusted, covering the whole file)."""

import datetime as dt

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from django.conf import settings

from certificates import keys
from certificates.core.pades import validate_pdf
from licensing import documents, workflow
from licensing.models import Notice
from services.fonts import register_cjk_font
from services.typesetting import SEAL_RADIUS
from tests.pdflines import drawn_lines, punctuation_faults

from .conftest import at

D = dt.date
LINES_ZH = ["你单位提交的《实验动物生产许可证申请表》（以下简称“申请表”）”所列设施地址与环境检测报告不一致，"
            "请于收到本通知之日起十五个工作日内补正（逾期视为撤回申请），如有疑问，请联系承办人员。" * 2,
            "如不服本决定，可以自收到本决定书之日起六十日内向云南省人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"]
LINES_EN = ["The facility address in your application form (the “form”) does not match the environment test report; "
            "please correct it within 15 working days of receiving this notice (otherwise the application is "
            "deemed withdrawn)."]


def _notice(**content) -> Notice:
    """An unsaved notice: enough to render (and not sign) its PDF without a database."""
    base = {"authority_zh": "云南省科学技术厅",
            "authority_en": "Department of Science and Technology of Yunnan Province",
            "title_zh": "补正材料通知书", "title_en": "Notice to correct the application",
            "applicant": "云南省测试研究所", "lines_zh": LINES_ZH, "lines_en": LINES_EN,
            "case_number": "YN-KJT-2025-000001",
            "complaint_phone": "0871-12345"}
    base.update(content)
    return Notice(number="YN-KJT-2025-000001-CORRECTION-1", kind="correction", content=base,
                  issued_at=dt.datetime(2025, 9, 29, 2, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize("english", [False, True])
def test_no_line_of_the_notice_starts_with_closing_punctuation(english):
    lines = [line.text for line in drawn_lines(documents.notice_pdf(_notice(), english=english, sign=False))]
    body = [line for line in lines if len(line) > 1]  # the seal's characters are drawn one by one
    assert len(body) > 8
    assert punctuation_faults(body) == []
    if not english:
        # The complaint's case: the ）” after 申请表 is on the line of what it closes.
        assert not any(line.startswith(("）", "”", "，")) for line in body)
        assert "".join(body).count("申请表”）”所列") == 2
    else:
        assert any(": " in line for line in body) and not any("：" in line for line in body)


@pytest.mark.parametrize("english", [False, True])
def test_the_seal_is_drawn_over_the_authority_name_and_the_date(monkeypatch, english):
    seals = []
    real = documents.draw_seal

    def spy(c, *, cx, cy, **kwargs):
        seals.append((c.absolutePosition(cx, cy), kwargs["text"]))
        real(c, cx=cx, cy=cy, **kwargs)

    monkeypatch.setattr(documents, "draw_seal", spy)
    notice = _notice()
    lines = drawn_lines(documents.notice_pdf(notice, english=english, sign=False))
    assert len(seals) == 1
    (cx, cy), text = seals[0]
    assert text == "云南省科学技术厅"  # a seal is cut in Chinese, in both languages
    date_text = "29 September 2025" if english else "2025年9月29日"
    name = notice.content["authority_en" if english else "authority_zh"]
    date_line = next(line for line in lines if line.text == date_text)
    name_line = next(line for line in lines if name.startswith(line.text) and date_line.y < line.y < date_line.y + 60)
    font = register_cjk_font(settings.TONGBAN_CJK_FONT)
    size = 10.5 if english else 12  # the English name wraps less in a smaller size
    for line in (date_line, name_line):
        width = stringWidth(line.text, font, size)
        assert line.x + width / 2 == pytest.approx(cx, abs=1)  # centred under the seal
        assert cy - SEAL_RADIUS < line.y < cy  # inside it, below its centre (GB/T 9704)
    assert date_line.y < name_line.y


@pytest.fixture
def correction_notice(file_application, officers):
    application = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_request_correction(application=application, actor=officers["intake"].user,
                                                items=[{"material": "application-form", "reason": "缺少盖章（公章）"}])
    return Notice.objects.filter(application=application).order_by("-pk").first()


def test_the_notice_is_signed_with_the_authoritys_key_and_validates(correction_notice):
    authority = correction_notice.application.authority
    pdf = documents.notice_pdf(correction_notice)
    root = keys.chain(keys.active_key(authority=authority))[2]
    report = validate_pdf(pdf, root_certs=[root])
    assert report.intact and report.valid and report.trusted and report.covers_whole_file
    assert report.ok
    tampered = pdf.replace(b"/Creator (Tongban)", b"/Creator (Tongbax)", 1)
    assert tampered != pdf and not validate_pdf(tampered, root_certs=[root]).intact


def test_the_api_download_is_signed_too(correction_notice):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(correction_notice.application.applicant.user)
    response = client.get(f"/api/v1/notices/{correction_notice.pk}/pdf/?lang=en")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{correction_notice.number}.pdf"'
    root = keys.chain(keys.active_key(authority=correction_notice.application.authority))[2]
    assert validate_pdf(response.content, root_certs=[root]).ok
