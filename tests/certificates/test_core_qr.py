"""QR encoding of the verification URL (segments, version) and the run merging used for drawing."""

import os

import pytest
import segno
from PIL import Image

from certificates.core.qr import QUIET_ZONE, horizontal_runs, qr_matrix
from certificates.core.tokens import qr_url

zxingcpp = pytest.importorskip("zxingcpp")


def _url(cose_length: int, *, fill: bytes | None = None) -> str:
    cose = fill * cose_length if fill else os.urandom(cose_length)
    return qr_url(host="v.tongban.yn.gov.cn", cose=cose)


def _image(code, scale=4) -> Image.Image:
    n = code.size + 2 * QUIET_ZONE
    img = Image.new("L", (n, n), 255)
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + QUIET_ZONE, y + QUIET_ZONE), 0)
    return img.resize((n * scale, n * scale), Image.NEAREST)


@pytest.mark.parametrize("error", ["m", "q"])
def test_matrix_decodes_to_exactly_the_url(error):
    # Random payloads: only QR symbols are asked for (a linear-code reader can see a DataBar in noise).
    url = _url(270)
    code = qr_matrix(url, error=error)
    results = zxingcpp.read_barcodes(_image(code), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == [url]


def test_mixed_segments_beat_a_single_byte_segment():
    url = _url(400)
    ours = qr_matrix(url, error="m")
    byte_mode = segno.make(url, error="m", mode="byte", boost_error=False, micro=False)
    assert ours.version < byte_mode.version
    assert ours.error == "M"


@pytest.mark.parametrize(
    ("length", "error", "version"), [(265, "m", 13), (265, "q", 15), (400, "m", 16), (400, "q", 19)]
)
def test_versions_for_typical_tokens(length, error, version):
    # Host V.TONGBAN.YN.GOV.CN; ~265-270 bytes is Tongban's claim set with a typical company name,
    # 400 bytes one that also carried address and scope.
    assert qr_matrix(_url(length, fill=b"\xa5"), error=error).version == version


def test_lower_case_or_non_numeric_urls_are_refused():
    with pytest.raises(ValueError):
        qr_matrix("https://v.example.cn/C/123")
    with pytest.raises(ValueError):
        qr_matrix("HTTPS://V.EXAMPLE.CN/C/12A")


def test_runs_cover_exactly_the_dark_modules():
    code = qr_matrix(_url(100))
    covered = {(y, x) for y, start, length in horizontal_runs(code.matrix) for x in range(start, start + length)}
    dark = {(y, x) for y, row in enumerate(code.matrix) for x, d in enumerate(row) if d}
    assert covered == dark
    assert len(horizontal_runs(code.matrix)) < len(dark) / 1.5
