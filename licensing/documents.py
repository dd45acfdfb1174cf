"""Printable notices: the written documents of Arts. 32, 38, 42 and 45 as A4 PDFs with the
authority's name, the document number, the seal pressed over the name and date (GB/T 9704), and a
PAdES signature with the authority's key, as on its certificates."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from django.conf import settings
from django.utils import timezone

from services.fonts import register_cjk_font
from services.models import Authority
from services.typesetting import SEAL_RADIUS, TextBlock, break_lines, draw_seal

from .models import Notice

logger = logging.getLogger(__name__)

# How a notice PDF is signed: callable(*, pdf: bytes, authority: Authority) -> signed PDF bytes. The
# certificates app registers its PAdES signer here (AppConfig.ready), so licensing never imports it.
notice_signers: dict[str, Callable[..., bytes]] = {}


def register_notice_signer(signer: Callable[..., bytes]) -> None:
    if notice_signers.get("pades", signer) is not signer:
        raise ValueError("a notice signer is already registered")
    notice_signers["pades"] = signer


_RED = colors.HexColor("#c8102e")


def _zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"  # GB/T 9704: Arabic numerals without zero padding


def _en_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


class SignatureBlock(Flowable):
    """The issuing authority's name and the date, centred right of the page's middle, with the round
    seal pressed down over both so that they sit below its centre (GB/T 9704-2012, 7.3.5)."""

    def __init__(self, *, authority: str, date_text: str, seal_text: str, font: str, size: float = 12.0) -> None:
        super().__init__()
        self.authority, self.date_text, self.seal_text, self.font = authority, date_text, seal_text, font
        self.size = size

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's signature
        self.width = availWidth
        self._names = break_lines(self.authority, font=self.font, size=self.size, width=min(76 * mm, availWidth))
        self.height = 2 * SEAL_RADIUS + 2 * mm + max(0, len(self._names) - 1) * self.size * 1.3
        return availWidth, self.height

    def draw(self) -> None:
        c, font, size = self.canv, self.font, self.size
        cx = self.width - 40 * mm
        cy = self.height - SEAL_RADIUS - 1 * mm
        c.setFillColor(colors.black)
        c.setFont(font, size)
        y = cy - 8 * mm  # below the star
        for line in self._names:
            c.drawCentredString(cx, y, line)
            y -= size * 1.3
        c.drawCentredString(cx, y - 1 * mm, self.date_text)
        # The authority's own seal (name and star): a label line would be printed over the date.
        draw_seal(c, cx=cx, cy=cy, text=self.seal_text, font=font)


def _sign(pdf: bytes, authority: Authority) -> bytes:
    signer = notice_signers.get("pades")
    if signer is None:
        return pdf
    try:
        return signer(pdf=pdf, authority=authority)
    except Exception:  # the notice itself is owed to the applicant even when the key is unusable
        logger.exception("the notice PDF of %s could not be signed; sent unsigned", authority.code)
        return pdf


def notice_pdf(notice: Notice, *, english: bool = False, sign: bool = True) -> bytes:
    font = register_cjk_font(settings.TONGBAN_CJK_FONT)
    content = notice.content
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4)
    number = ParagraphStyle("number", fontName=font, fontSize=10.5, leading=16, alignment=TA_CENTER,
                            textColor=colors.HexColor("#444444"))
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=0 if english else 24,
                          spaceAfter=6, alignment=TA_JUSTIFY)
    to = ParagraphStyle("to", parent=body, firstLineIndent=0)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0, spaceAfter=2)
    authority = content["authority_en"] if english else content["authority_zh"]
    lines = content["lines_en"] if english else content["lines_zh"]
    issued = timezone.localtime(notice.issued_at).date()
    colon = ": " if english else "："
    flow = [
        TextBlock(authority, ParagraphStyle("auth", parent=title, fontSize=15, leading=22, textColor=_RED)),
        TextBlock(content["title_en"] if english else content["title_zh"], title),
        TextBlock(notice.number, number),
        Spacer(1, 8 * mm),
        TextBlock(f"{content['applicant']}{':' if english else '：'}", to),
    ]
    flow += [TextBlock(line, body) for line in lines]
    flow += [
        Spacer(1, 4 * mm),
        TextBlock(("Case" if english else "办件编号") + f"{colon}{content['case_number']}", right),
        SignatureBlock(authority=authority, date_text=_en_date(issued) if english else _zh_date(issued),
                       seal_text=content["authority_zh"], font=font, size=10.5 if english else 12.0),
        TextBlock(("Complaints" if english else "投诉电话") + f"{colon}{content['complaint_phone']}", right),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
                            bottomMargin=25 * mm, title=content["title_zh"], author=content["authority_zh"],
                            creator="Tongban", subject=notice.number)
    doc.build(flow)
    pdf = buffer.getvalue()
    return _sign(pdf, notice.application.authority) if sign else pdf
