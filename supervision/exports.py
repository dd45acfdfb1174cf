"""The case-file review report as XLSX, in Chinese or English."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from services.fonts import register_cjk_font
from services.typesetting import TextBlock

from .constants import CHECKS, MANUAL_ITEMS, Grade

# gettext_noop marks them for the catalogue; check_label translates in the language asked for.
CHECK_LABELS = {
    "acceptance_in_time": gettext_noop("受理及时（5个工作日内）"),
    "decision_in_time": gettext_noop("按期决定（扣除中止、含延期）"),
    "extension_lawful": gettext_noop("延期合法（一次、限期内、有理由）"),
    "notices_complete": gettext_noop("文书齐全"),
    "remedies_stated": gettext_noop("告知救济途径"),
    "legal_review_before_refusal": gettext_noop("不予许可前经法制审核"),
    "duties_separated": gettext_noop("审批职责分离"),
    "log_intact": gettext_noop("办件日志完整未篡改"),
}


def check_label(name: str) -> str:
    return _(CHECK_LABELS[name])


def _mark(passed) -> str:
    if passed is None:
        return _("不适用")
    return _("符合") if passed else _("不符合")


def review_xlsx(detail: dict, *, language: str = "zh-hans") -> bytes:
    with translation.override(language):
        book = Workbook()
        sheet = book.active
        sheet.title = _("案卷评查")[:31]
        sheet.append([_("案卷评查报告"), f"{detail['start']} – {detail['end']}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([_("算法"), detail["algorithm"], _("种子承诺值"), detail["seed_commitment"]])
        sheet.append([_("随机种子"), detail["seed"] or "—", _("参与抽取"), len(detail["cases_input"]),
                      _("抽取"), len(detail["sample"])])
        sheet.append([])
        header = [_("办件编号"), _("事项"), *[check_label(c) for c in CHECKS],
                  *[str(label) for label, _max in MANUAL_ITEMS.values()], _("得分"), _("等级"), _("评查意见")]
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        grades = {g.value: str(g.label) for g in Grade}
        for row in detail["files"]:
            sheet.append([row["case_number"], row["service"],
                          *[_mark(row["checks"][c]["passed"]) for c in CHECKS],
                          *[row["scores"].get(code, "") for code in MANUAL_ITEMS],
                          row["score"] if row["score"] is not None else "",
                          grades.get(row["grade"], "") if row["grade"] else _("未评分"), row["comment"]])
        for column, width in zip("ABCDEFGHIJKLMNOP", [22, 22] + [14] * 14, strict=False):
            sheet.column_dimensions[column].width = width
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def review_pdf(detail: dict, *, language: str = "zh-hans") -> bytes:
    """The same report as an A4 landscape PDF with the embedded CJK font."""
    font = register_cjk_font(settings.TONGBAN_CJK_FONT)
    with translation.override(language):
        title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
        small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10)
        grades = {g.value: str(g.label) for g in Grade}
        flow = [TextBlock(_("案卷评查报告") + f" {detail['start']} – {detail['end']}", title),
                TextBlock(f"{_('算法')}: {detail['algorithm']} · {_('种子承诺值')}: {detail['seed_commitment']}",
                          small),
                TextBlock(f"{_('随机种子')}: {detail['seed'] or '—'} · {_('参与抽取')}: "
                          f"{len(detail['cases_input'])} · {_('抽取')}: {len(detail['sample'])}", small),
                Spacer(1, 5 * mm)]
        header = [_("办件编号"), *[check_label(c) for c in CHECKS], _("得分"), _("等级")]
        rows = [[TextBlock(h, small) for h in header]]
        for row in detail["files"]:
            rows.append([TextBlock(row["case_number"], small),
                         *[TextBlock(_mark(row["checks"][c]["passed"]), small) for c in CHECKS],
                         TextBlock(str(row["score"]) if row["score"] is not None else "—", small),
                         TextBlock(grades.get(row["grade"], "") if row["grade"] else _("未评分"), small)])
        table = Table(rows, repeatRows=1, colWidths=[36 * mm] + [24 * mm] * len(CHECKS) + [14 * mm, 16 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        flow.append(table)
        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, topMargin=12 * mm,
                          bottomMargin=12 * mm, title=str(_("案卷评查报告"))).build(flow)
        return out.getvalue()
