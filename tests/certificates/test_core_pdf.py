"""Certificate PDF (embedded CJK font, readable QR) and its PAdES signature (pyHanko, poppler's pdfsig)."""

import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from certificates.core.identifiers import certificate_identifier
from certificates.core.keys import create_authority_chain, generate_signing_key
from certificates.core.pades import sign_pdf, validate_pdf
from certificates.core.pdf import (
    DEFAULT_FONT_PATH,
    CertificatePdfData,
    CertificateTooLongError,
    FontMissingError,
    render_certificate_pdf,
)
from certificates.core.qrdecode import decode_qr_from_pdf
from certificates.core.tokens import (
    TokenClaims,
    digits_from_url_or_digits,
    digits_to_token,
    encode_token,
    qr_url,
    verify_token,
)

pytest.importorskip("zxingcpp")
if not shutil.which("pdftoppm"):
    pytest.skip("poppler-utils is needed (Debian package)", allow_module_level=True)

AUTHORITY = "云南省科学技术厅"


def _data(url: str, **changes) -> CertificatePdfData:
    fields = {
        "authority_name": AUTHORITY,
        "authority_name_en": "Department of Science and Technology of Yunnan Province",
        "title_zh": "实验动物使用许可证",
        "title_en": "Laboratory Animal Use Licence",
        "number": "SYXK(滇)2026-0001",
        "identifier": certificate_identifier(
            type_code="11100000000013338W011", issuer_code="11530000015094431X", serial="20260000001", version=1
        ),
        "holder_rows": [
            ("单位名称", "Holder", "昆明某某生物技术有限公司"),
            ("统一社会信用代码", "Credit code", "91530100MA6K123456"),
            (
                "设施地址",
                "Facility address",
                "云南省昆明市呈贡区大学城雨花路1号（云南某某大学实验动物中心）A栋三层至五层",
            ),
            ("适用范围", "Scope", "屏障环境：小鼠、大鼠（SPF级）；普通环境：新西兰兔、比格犬；" * 3),
        ],
        "issue_date": date(2026, 1, 6),
        "valid_from": date(2026, 1, 6),
        "valid_to": date(2031, 1, 5),
        "qr_url": url,
        "seal_text": AUTHORITY,
        "seal_label": "行政许可专用章",
        "footer_note": "本证照加盖电子签章，与纸质证照具有同等法律效力。扫描二维码核验真伪及状态。",
    }
    fields.update(changes)
    return CertificatePdfData(**fields)


@pytest.fixture(scope="module")
def chain():
    return create_authority_chain(
        authority_name=AUTHORITY,
        authority_code="YNKJT",
        credit_code="11530000015094431X",
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        years=10,
    )


@pytest.fixture(scope="module")
def url(chain):
    claims = TokenClaims(
        iss="YNKJT",
        iat=1_767_657_600,
        nbf=1_767_657_600,
        exp=1_925_337_600,
        cti=bytes(16),
        kind="SYXK",
        number="SYXK(滇)2026-0001",
        holder_name="昆明某某生物技术有限公司",
        holder_code="91530100MA6K123456",
        valid_from=date(2026, 1, 6),
        valid_to=date(2031, 1, 5),
        revision=1,
        status_index=7,
    )
    token = encode_token(claims=claims, private_key=chain.signing_key, kid=chain.kid)
    return qr_url(host="v.tongban.yn.gov.cn", cose=token)


@pytest.fixture(scope="module")
def pdf(url):
    return render_certificate_pdf(_data(url), font_path=DEFAULT_FONT_PATH)


@pytest.fixture(scope="module")
def signed(pdf, chain):
    return sign_pdf(
        pdf,
        signing_key=chain.signing_key,
        signing_cert=chain.signing_cert,
        root_cert=chain.root_cert,
        reason="电子证照签发",
        location="昆明",
    )


def test_pdf_is_one_a4_page_with_the_font_embedded_as_a_subset(pdf, tmp_path):
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # TrueType program embedded
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(" yes yes yes " in row for row in rows), fonts
        assert "WenQuanYiMicroHei" in fonts
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M) and "595.276 x 841.89" in info


def test_chinese_text_is_extractable(pdf, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext missing")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("实验动物使用许可证", "SYXK(滇)2026-0001", "昆明某某生物技术有限公司", "2031年1月5日", AUTHORITY):
        assert expected in text.replace(" ", "")


def test_qr_on_the_page_decodes_to_exactly_the_url_and_verifies(pdf, url, chain):
    (scanned,) = decode_qr_from_pdf(pdf, dpi=150)
    assert scanned == url
    token = digits_to_token(digits_from_url_or_digits(scanned))
    verified = verify_token(token, keys_by_kid={chain.kid: [chain.signing_cert.public_key()]})
    assert verified.claims.number == "SYXK(滇)2026-0001"


def test_long_values_wrap_and_the_page_still_renders(url):
    long_scope = "屏障环境：小鼠、大鼠（SPF级）、豚鼠、地鼠；普通环境：新西兰兔、比格犬、小型猪、猕猴；" * 8
    pdf = render_certificate_pdf(
        _data(url, holder_rows=[("适用范围", None, long_scope)], title_en=None, authority_name_en=None)
    )
    assert decode_qr_from_pdf(pdf) == [url]


def test_fields_that_cannot_fit_are_refused_rather_than_drawn_over_the_qr_code(url):
    with pytest.raises(CertificateTooLongError):
        render_certificate_pdf(_data(url, holder_rows=[("适用范围", None, "屏障环境：小鼠、大鼠；" * 400)]))


def test_missing_font_names_the_path_and_the_debian_package(url, tmp_path):
    missing = str(tmp_path / "no-such-font.ttc")
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei") as info:
        render_certificate_pdf(_data(url), font_path=missing)
    assert missing in str(info.value)


def test_signed_pdf_validates_against_the_root(signed, chain):
    report = validate_pdf(signed, root_certs=[chain.root_cert])
    assert report.ok
    assert (report.intact, report.valid, report.trusted, report.covers_whole_file) == (True, True, True, True)
    assert AUTHORITY in report.signer


def test_one_changed_byte_breaks_the_signature(signed, chain):
    at = signed.index(b"/Creator")  # inside the signed first revision
    tampered = signed[:at] + b"/Creatos" + signed[at + 8 :]
    report = validate_pdf(tampered, root_certs=[chain.root_cert])
    assert not report.intact and not report.valid and not report.ok


def test_appended_bytes_and_foreign_roots_are_reported(signed, chain):
    appended = validate_pdf(signed + b"\n%extra\n", root_certs=[chain.root_cert])
    assert appended.intact and not appended.covers_whole_file
    other_root = create_authority_chain(
        authority_name="其他", authority_code="X", credit_code="X", not_before=datetime(2025, 1, 1, tzinfo=UTC), years=1
    ).root_cert
    foreign = validate_pdf(signed, root_certs=[other_root])
    assert foreign.intact and not foreign.trusted


def test_unsigned_or_garbage_input_reports_not_valid(pdf, chain):
    assert not validate_pdf(pdf, root_certs=[chain.root_cert]).ok
    assert validate_pdf(b"not a pdf", root_certs=[chain.root_cert]).error


def test_signing_refuses_a_key_that_does_not_match_the_certificate(pdf, chain):
    # pyHanko itself would write a signature that can never verify.
    with pytest.raises(ValueError, match="does not match"):
        sign_pdf(
            pdf,
            signing_key=generate_signing_key(),
            signing_cert=chain.signing_cert,
            root_cert=chain.root_cert,
            reason="x",
            location="y",
        )


def test_poppler_pdfsig_sees_the_original_valid_and_the_tampered_copy_invalid(signed, tmp_path):
    if not shutil.which("pdfsig"):
        pytest.skip("pdfsig missing (Debian poppler-utils)")
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(signed)
    at = signed.index(b"/Creator")
    bad.write_bytes(signed[:at] + b"/Creatos" + signed[at + 8 :])
    good_out = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, check=False).stdout
    bad_out = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid." in good_out
    assert "Signature is Valid." not in bad_out
    assert "Digest Mismatch" in bad_out or "Invalid" in bad_out
