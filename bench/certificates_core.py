"""Benchmark of the certificate core: QR token encode/verify against raw ES256, PDF render, PAdES sign.

Run from the repository root: `.venv/bin/python bench/certificates_core.py [--runs N] [--tokens-only]`.
Prints medians of one run; with --runs N the token figures are measured N times and the verify/raw ratio's
min / median / max printed at the end (--tokens-only leaves out the PDF figures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

# Replace the script's own directory on the path by the repository root: bench/calendar.py would otherwise
# shadow the standard library's calendar (which aiohttp, under pyHanko, imports).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import cbor2  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from bench._timing import paired  # noqa: E402
from certificates.core.cose import raw_to_der  # noqa: E402
from certificates.core.identifiers import certificate_identifier  # noqa: E402
from certificates.core.keys import create_authority_chain  # noqa: E402
from certificates.core.pades import sign_pdf, validate_pdf  # noqa: E402
from certificates.core.pdf import DEFAULT_FONT_PATH, CertificatePdfData, render_certificate_pdf  # noqa: E402
from certificates.core.qr import qr_matrix  # noqa: E402
from certificates.core.tokens import (  # noqa: E402
    TokenClaims,
    digits_from_url_or_digits,
    digits_to_token,
    encode_token,
    qr_url,
    verify_token,
)
from services.fonts import register_cjk_font  # noqa: E402

FONT_PATH = os.environ.get("TONGBAN_CJK_FONT", DEFAULT_FONT_PATH)


def timed(fn: Callable[[], object], *, loops: int, repeats: int = 9) -> tuple[float, float]:
    """(median, best) over `repeats` of the mean seconds per call in a loop of `loops` calls.

    On a shared machine the best shows the cost without interference, the median what a busy server sees.
    """
    fn()  # warm up caches (font registration, imports)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples), min(samples)


def line(label: str, seconds: tuple[float, float], *, unit: float = 1e3, digits: int = 1, note: str = "") -> None:
    median, best = seconds
    print(f"{label:<44}{median * unit:9.{digits}f} ms  (best {best * unit:.{digits}f}){note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="measure the token figures this many times")
    parser.add_argument("--tokens-only", action="store_true", help="leave out QR, PDF and PAdES")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    chain = create_authority_chain(
        authority_name="云南省科学技术厅",
        authority_code="YNKJT",
        credit_code="11530000015094431X",
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        years=10,
    )
    keys_by_kid = {chain.kid: [chain.signing_cert.public_key()]}
    claims = TokenClaims(
        iss="YNKJT",
        iat=1_767_657_600,
        nbf=1_767_657_600,
        exp=1_925_337_600,
        cti=os.urandom(16),
        kind="SYXK",
        number="SYXK(滇)2026-0001",
        holder_name="昆明某某生物技术有限公司",
        holder_code="91530100MA6K123456",
        valid_from=date(2026, 1, 6),
        valid_to=date(2031, 1, 5),
        revision=1,
        status_index=98_765,
    )
    token = encode_token(claims=claims, private_key=chain.signing_key, kid=chain.kid)
    url = qr_url(host="v.tongban.yn.gov.cn", cose=token)

    def encode() -> bytes:
        return encode_token(claims=claims, private_key=chain.signing_key, kid=chain.kid)

    def verify_from_url() -> object:
        return verify_token(digits_to_token(digits_from_url_or_digits(url)), keys_by_kid=keys_by_kid)

    protected, _, payload, signature = cbor2.loads(token).value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    der = raw_to_der(signature)
    public_key = chain.signing_cert.public_key()
    algorithm = ec.ECDSA(hashes.SHA256())  # built once, as the verifier does: the floor is the verify alone

    def raw_verify() -> None:
        public_key.verify(der, to_be_signed, algorithm)

    ratios = []
    for run in range(args.runs):
        t_encode = timed(encode, loops=500)
        timing = paired(verify_from_url, raw_verify, loops=500)
        t_verify, t_raw = (timing.ours, timing.ours_best), (timing.floor, timing.floor_best)
        ratios.append(timing.ratio)
        if args.runs > 1:
            print(f"run {run + 1}: verify {t_verify[0] * 1e3:.3f} ms, raw {t_raw[0] * 1e3:.3f} ms, "
                  f"verify/raw {ratios[-1]:.2f} (target <= 1.3)")
    if args.runs > 1:
        print(f"verify/raw over {args.runs} runs, min / median / max: "
              f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}")
    if args.tokens_only:
        return

    start = time.perf_counter()
    register_cjk_font(FONT_PATH)
    t_font = time.perf_counter() - start
    data = CertificatePdfData(
        authority_name="云南省科学技术厅",
        authority_name_en="Department of Science and Technology of Yunnan Province",
        title_zh="实验动物使用许可证",
        title_en="Laboratory Animal Use Licence",
        number=claims.number,
        identifier=certificate_identifier(
            type_code="11100000000013338W011", issuer_code="11530000015094431X", serial="20260000001", version=1
        ),
        holder_rows=[
            ("单位名称", "Holder", claims.holder_name),
            ("统一社会信用代码", "Credit code", claims.holder_code),
            ("法定代表人", "Legal representative", "张三"),
            (
                "设施地址",
                "Facility address",
                "云南省昆明市呈贡区大学城雨花路1号（云南某某大学实验动物中心）A栋三层至五层",
            ),
            ("适用范围", "Scope", "屏障环境：小鼠、大鼠（SPF级）；普通环境：新西兰兔、比格犬；隔离环境：无菌小鼠"),
            ("设施负责人", "Facility manager", "李四"),
        ],
        issue_date=date(2026, 1, 6),
        valid_from=claims.valid_from,
        valid_to=claims.valid_to,
        qr_url=url,
        seal_text="云南省科学技术厅",
        seal_label="行政许可专用章",
        footer_note="本证照加盖电子签章，与纸质证照具有同等法律效力。扫描二维码核验真伪及状态。",
    )
    pdf = render_certificate_pdf(data, font_path=FONT_PATH)

    def sign(document: bytes = pdf) -> bytes:
        return sign_pdf(
            document,
            signing_key=chain.signing_key,
            signing_cert=chain.signing_cert,
            root_cert=chain.root_cert,
            reason="电子证照签发",
            location="昆明",
        )

    signed = sign()
    t_qr_m = timed(lambda: qr_matrix(url, error="m"), loops=5, repeats=7)
    t_render = timed(lambda: render_certificate_pdf(data, font_path=FONT_PATH), loops=5, repeats=7)
    t_sign = timed(sign, loops=5, repeats=7)
    t_both = timed(lambda: sign(render_certificate_pdf(data, font_path=FONT_PATH)), loops=5, repeats=7)
    t_validate = timed(lambda: validate_pdf(signed, root_certs=[chain.root_cert]), loops=5, repeats=7)

    version_m = qr_matrix(url, error="m").version
    version_q = qr_matrix(url, error="q").version
    print(f"token: {len(token)} B COSE, {len(url)} chars URL, QR version {version_m} (M) / {version_q} (Q)")
    line("token encode (CBOR + COSE ES256)", t_encode, digits=3)
    line("token verify (URL -> digits -> COSE -> ok)", t_verify, digits=3)
    ratio = f"; verify/raw median of the pairs {ratios[-1]:.2f}, best {t_verify[1] / t_raw[1]:.2f}"
    line("raw ES256 verify of the same Sig_structure", t_raw, digits=3, note=ratio)
    print(f"{'font registration (once per process)':<44}{t_font * 1e3:9.1f} ms")
    line("QR matrix (segno, level M)", t_qr_m)
    line("PDF render", t_render, note=f"; {len(pdf) / 1024:.1f} KiB")
    line("PAdES B-B sign", t_sign, note=f"; {len(signed) / 1024:.1f} KiB signed")
    line("render + sign", t_both)
    line("PAdES validate (chain to root)", t_validate)


if __name__ == "__main__":
    main()
