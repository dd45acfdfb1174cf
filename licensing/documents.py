"""Printable notices: the written documents of Arts. 32, 38, 42 and 45 as A4 PDFs with the
authority's name, the document number and a seal mark."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from django.conf import settings

from services.fonts import register_cjk_font

from .models import Notice


def _seal(canvas, doc, authority: str, font: str) -> None:
    canvas.saveState()
    canvas.setStrokeColor(colors.HexColor("#c8102e"))
    canvas.setFillColor(colors.HexColor("#c8102e"))
    x, y, r = A4[0] - 55 * mm, 60 * mm, 19 * mm
    canvas.setLineWidth(1.6)
    canvas.circle(x, y, r)
    canvas.setFont(font, 7)
    canvas.drawCentredString(x, y - 2, "★")
    canvas.setFont(font, 6.5)
    canvas.drawCentredString(x, y - 10 * mm, authority[:14])
    canvas.drawCentredString(x, y + 8 * mm, "行政许可专用章")
    canvas.restoreState()


def notice_pdf(notice: Notice, *, english: bool = False) -> bytes:
    font = register_cjk_font(settings.TONGBAN_CJK_FONT)
    content = notice.content
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4)
    number = ParagraphStyle("number", fontName=font, fontSize=10.5, leading=16, alignment=TA_CENTER,
                            textColor=colors.HexColor("#444444"))
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=24, spaceAfter=6)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    authority = content["authority_en"] if english else content["authority_zh"]
    lines = content["lines_en"] if english else content["lines_zh"]
    flow = [
        Paragraph(authority, ParagraphStyle("auth", parent=title, fontSize=15, textColor=colors.HexColor("#c8102e"))),
        Paragraph(content["title_en"] if english else content["title_zh"], title),
        Paragraph(notice.number, number),
        Spacer(1, 8 * mm),
        Paragraph(f"{content['applicant']}{'' if english else '：'}", ParagraphStyle("to", parent=body,
                                                                                   firstLineIndent=0)),
    ]
    flow += [Paragraph(line.replace("&", "&amp;").replace("<", "&lt;"), body) for line in lines]
    flow += [
        Spacer(1, 6 * mm),
        Paragraph(("Case" if english else "办件编号") + f"：{content['case_number']}", right),
        Paragraph(authority, right),
        Paragraph(f"{notice.issued_at:%Y-%m-%d}" if english else f"{notice.issued_at:%Y年%m月%d日}", right),
        Paragraph(("Complaints" if english else "投诉电话") + f"：{content['complaint_phone']}", right),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
                            bottomMargin=25 * mm, title=content["title_zh"], author=content["authority_zh"])

    def on_page(canvas, doc_):
        _seal(canvas, doc_, content["authority_zh"], font)

    doc.build(flow, onFirstPage=on_page)
    return buffer.getvalue()
