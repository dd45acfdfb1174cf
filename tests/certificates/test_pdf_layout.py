"""The certificate page: labelled issuing authority and date of issue (the residence permit's long
English issuer whole), the holder's photo on permits for people, line breaking by the punctuation rules."""

import io
import re
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from django.conf import settings

from certificates.core.pdf import CertificatePdfData, render_certificate_pdf
from tests.pdflines import drawn_lines, punctuation_faults

CRJ_ZH = "云南省公安厅出入境管理局"
CRJ_EN = "Exit and Entry Administration Bureau, Yunnan Provincial Public Security Department"
PERSON = [("姓名", "Name", "Anna Schmidt"), ("国籍", "Nationality", "德国 DEU"),
          ("护照号码", "Passport No.", "C01X00T47"), ("出生日期", "Date of birth", "1986-03-14"),
          ("工作单位", "Employer", "云南高原智造科技有限公司（中外合资）"),
          ("职位", "Position", "Senior process engineer")]


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(out, format="JPEG")
    return out.getvalue()


def _residence(**changes) -> CertificatePdfData:
    fields = dict(
        authority_name=CRJ_ZH, authority_name_en=CRJ_EN, title_zh="外国人工作类居留许可",
        title_en="Work-type Residence Permit", number="R530000202600001",
        identifier="1.2.156.3005.2.11100000MB0C1749XT004.11530000015094431X.202600000001.1.X", holder_rows=PERSON,
        issue_date=date(2026, 3, 1), valid_from=date(2026, 3, 1), valid_to=date(2027, 2, 28),
        qr_url="HTTPS://127.0.0.1:8000/C/" + "1234567890" * 30, seal_text=CRJ_ZH, with_photo=True,
        photo=_jpeg(300, 400),
        footer_note=f"本证照由{CRJ_ZH}依法颁发，加盖电子签章，与纸质证照具有同等法律效力。扫描二维码核验真伪及有效状态。")
    fields.update(changes)
    return CertificatePdfData(**fields)


def _images(pdf: bytes) -> list[tuple[int, int]]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    found = []
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj["/Subtype"] == "/Image":
            found.append((obj["/Width"], obj["/Height"]))
    return found


MM = 72 / 25.4


def _drawn_image_size(pdf: bytes) -> tuple[float, float]:
    """Width and height of the image as placed on the page (its `cm` matrix before `Do`)."""
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    match = re.search(r"([\d.]+) 0 0 ([\d.]+) [\d.]+ [\d.]+ cm\s*/\S+ Do", content)
    assert match, "no image placed on the page"
    return float(match.group(1)), float(match.group(2))


@pytest.fixture(scope="module")
def residence_pdf() -> bytes:
    return render_certificate_pdf(_residence(), font_path=settings.TONGBAN_CJK_FONT)


def test_issuer_and_date_are_labelled_in_both_languages(residence_pdf):
    texts = [line.text for line in drawn_lines(residence_pdf)]
    for label in ("发证机关", "Issuing authority", "发证日期", "Date of issue"):
        assert label in texts
    assert CRJ_ZH in texts and "2026年3月1日" in texts and "1 March 2026" in texts
    # The label comes right before what it labels.
    assert texts[texts.index("发证机关") + 2] == CRJ_ZH
    assert texts[texts.index("发证日期") + 2] == "2026年3月1日"


def test_the_residence_permits_long_english_issuer_is_printed_whole(residence_pdf):
    lines = drawn_lines(residence_pdf)
    words = " ".join(line.text for line in lines if line.y < 95 * 72 / 25.4)  # the issuer block
    assert re.sub(r"\s+", " ", CRJ_EN) in re.sub(r"\s+", " ", words)
    assert "Date of issue: 1" not in words  # the old cut line
    # Every line of the block stays inside the page's frame.
    assert all(0 < line.x < 190 * 72 / 25.4 for line in lines)


def test_a_photo_is_embedded_at_a_fixed_size_with_its_aspect_ratio_kept(residence_pdf):
    images = _images(residence_pdf)
    assert images == [(300, 400)]
    # A large upload is scaled down (the certificate stays small), a wide one is not stretched.
    wide = render_certificate_pdf(_residence(photo=_jpeg(1600, 900)), font_path=settings.TONGBAN_CJK_FONT)
    assert _images(wide) == [(600, 338)]
    for pdf, ratio in ((residence_pdf, 300 / 400), (wide, 1600 / 900)):
        w, h = _drawn_image_size(pdf)
        assert w / h == pytest.approx(ratio, rel=0.01)
        assert max(w / (32 * MM), h / (42 * MM)) == pytest.approx(1.0, rel=0.01)  # fills the 32 x 42 mm box


def test_without_a_photo_the_permit_shows_a_labelled_placeholder_box():
    for photo in (None, b"not an image"):
        pdf = render_certificate_pdf(_residence(photo=photo), font_path=settings.TONGBAN_CJK_FONT)
        assert _images(pdf) == []
        texts = [line.text for line in drawn_lines(pdf)]
        assert "照片" in texts and "Photo" in texts


def test_a_licence_for_an_organisation_has_no_photo_box():
    pdf = render_certificate_pdf(_residence(with_photo=False, photo=None), font_path=settings.TONGBAN_CJK_FONT)
    texts = [line.text for line in drawn_lines(pdf)]
    assert _images(pdf) == [] and "照片" not in texts


def test_no_line_of_a_wrapped_value_starts_with_closing_punctuation():
    rows = [("单位名称", "Holder", "云南省测试研究所"),
            ("设施地址", "Facility address",
             "云南省玉溪市红塔区研发路8号动物实验楼（云南某某大学实验动物中心）”A栋三层，至五层"),
            ("适用范围", "Scope", "屏障环境：小鼠、大鼠（SPF级）；普通环境：新西兰兔、比格犬；" * 3)]
    pdf = render_certificate_pdf(_residence(holder_rows=rows, with_photo=False), font_path=settings.TONGBAN_CJK_FONT)
    texts = [line.text for line in drawn_lines(pdf) if len(line.text) > 1]  # the seal's characters aside
    assert punctuation_faults(texts) == []
    assert any(text.startswith("实验动物中心）”") or text.endswith("）”") for text in texts)
