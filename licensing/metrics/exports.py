"""The per-service and per-case tables as CSV (UTF-8 with BOM, for spreadsheet programs) and XLSX
(openpyxl), with Chinese or English headers. The values are the API's: days as numbers, rates and
reductions as fractions (0.84 = 84 %)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone

from .models import CaseMetrics


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | days | share | bool | date

    def header(self, english: bool) -> str:
        return self.en if english else self.zh


SERVICE_COLUMNS = [
    Column("service", "事项代码", "Service code"),
    Column("name", "事项", "Service"),
    Column("count", "已决定件数", "Cases decided", "int"),
    Column("mean", "平均办理时长（工作日）", "Mean processing time (WD)", "days"),
    Column("median", "办理时长中位数（工作日）", "Median processing time (WD)", "days"),
    Column("p90", "办理时长90分位（工作日）", "90th percentile (WD)", "days"),
    Column("max", "最长办理时长（工作日）", "Longest (WD)", "int"),
    Column("on_time_committed", "承诺时限内办结率", "On time, committed limit", "share"),
    Column("on_time_statutory", "法定时限内办结率", "On time, statutory limit", "share"),
    Column("paused_mean", "平均特别程序时间（工作日）", "Mean paused time (WD)", "days"),
    Column("committed_limit", "承诺时限（工作日）", "Committed limit (WD)", "int"),
    Column("statutory_limit", "法定时限（工作日）", "Statutory limit (WD)", "int"),
    Column("legacy_limit", "改革前时限（工作日）", "Legacy limit (WD)", "int"),
    Column("reduction_legacy_mean", "较改革前时限压缩（均值）", "Reduction vs legacy limit (mean)", "share"),
    Column("reduction_legacy_median", "较改革前时限压缩（中位数）", "Reduction vs legacy limit (median)", "share"),
    Column("measured_count", "改革前实测样本（件）", "Legacy cohort cases", "int"),
    Column("measured_mean", "改革前实测均值（工作日）", "Legacy cohort mean (WD)", "days"),
    Column("measured_median", "改革前实测中位数（工作日）", "Legacy cohort median (WD)", "days"),
    Column("reduction_measured_mean", "较改革前实测压缩（均值）", "Reduction vs legacy cohort (mean)", "share"),
    Column("reduction_measured_median", "较改革前实测压缩（中位数）", "Reduction vs legacy cohort (median)", "share"),
    Column("ci95_low", "中位数压缩率95%置信区间下限", "Median reduction, 95% CI low", "share"),
    Column("ci95_high", "中位数压缩率95%置信区间上限", "Median reduction, 95% CI high", "share"),
    Column("materials_legacy", "改革前材料（份）", "Legacy materials", "int"),
    Column("materials_current", "现需提交材料（份）", "Materials now", "int"),
    Column("materials_reduction", "材料精简率", "Materials reduction", "share"),
    Column("total_median", "收件至发证中位数（工作日）", "Median receipt to issuance (WD)", "days"),
    Column("withdrawn", "撤回（件，不计入）", "Withdrawn (not counted)", "int"),
    Column("not_accepted", "不予受理（件，不计入）", "Not accepted (not counted)", "int"),
    Column("backlog", "在办（件，当前）", "Open now", "int"),
    Column("overdue", "超期（件，当前）", "Overdue now", "int"),
]

CASE_COLUMNS = [
    Column("case_number", "办件编号", "Case number"),
    Column("service", "事项代码", "Service code"),
    Column("name", "事项", "Service"),
    Column("authority", "实施机关", "Authority"),
    Column("category", "类别", "Category"),
    Column("outcome", "结果", "Outcome"),
    Column("counted", "计入统计", "Counted", "bool"),
    Column("received_on", "收件日期", "Received", "date"),
    Column("accepted_on", "受理日期", "Accepted", "date"),
    Column("decided_on", "决定日期", "Decided", "date"),
    Column("issued_on", "发证日期", "Issued", "date"),
    Column("receipt_to_acceptance", "收件至受理（工作日）", "Receipt to acceptance (WD)", "int"),
    Column("acceptance_to_decision", "受理至决定，扣除特别程序（工作日）",
           "Acceptance to decision, pauses excluded (WD)", "int"),
    Column("decision_to_issuance", "决定至发证（工作日）", "Decision to issuance (WD)", "int"),
    Column("receipt_to_issuance", "收件至发证（工作日）", "Receipt to issuance (WD)", "int"),
    Column("headline_days", "办理时长（工作日）", "Processing time (WD)", "int"),
    Column("paused_days", "特别程序（工作日）", "Paused (WD)", "int"),
    Column("extension_days", "延长（工作日）", "Extension (WD)", "int"),
    Column("correction_rounds", "补正次数", "Correction rounds", "int"),
    Column("committed_limit", "承诺时限（工作日）", "Committed limit (WD)", "int"),
    Column("statutory_limit", "法定时限（工作日）", "Statutory limit (WD)", "int"),
    Column("on_time_committed", "承诺时限内", "On time, committed", "bool"),
    Column("on_time_statutory", "法定时限内", "On time, statutory", "bool"),
    Column("trips", "跑动次数", "Trips", "int"),
    Column("materials_submitted", "提交材料（份）", "Materials submitted", "int"),
    Column("commitments_signed", "签署承诺（份）", "Commitments signed", "int"),
    Column("deemed_accepted", "逾期视为受理", "Deemed accepted", "bool"),
]


def service_rows(results: dict[str, dict], *, english: bool) -> list[dict]:
    """One flat row per service from selectors.processing_times."""
    rows = []
    for code, r in results.items():
        measured = r["baseline"].get("measured") or {}
        vs_limit = r["reduction"]["vs_legacy_limit"]
        vs_measured = r["reduction"].get("vs_measured") or {}
        ci = r["reduction"].get("ci95") or {}
        total = r["durations"].get("receipt_to_issuance") or {}
        rows.append({
            "service": code, "name": r["name_en"] if english else r["name_zh"],
            **{k: r[k] for k in ("count", "mean", "median", "p90", "max", "on_time_committed", "on_time_statutory",
                                 "paused_mean", "backlog", "overdue")},
            "committed_limit": r["limits"]["committed"], "statutory_limit": r["limits"]["statutory"],
            "legacy_limit": r["baseline"]["legacy_limit"],
            "reduction_legacy_mean": vs_limit["mean"], "reduction_legacy_median": vs_limit["median"],
            "measured_count": measured.get("count"), "measured_mean": measured.get("mean"),
            "measured_median": measured.get("median"),
            "reduction_measured_mean": vs_measured.get("mean"), "reduction_measured_median": vs_measured.get("median"),
            "ci95_low": ci.get("low"), "ci95_high": ci.get("high"),
            "materials_legacy": r["materials"]["legacy"], "materials_current": r["materials"]["current"],
            "materials_reduction": r["materials"]["reduction"], "total_median": total.get("median"),
            "withdrawn": r["not_counted"]["withdrawn"], "not_accepted": r["not_counted"]["not_accepted"],
        })
    return rows


def case_row(row: CaseMetrics, *, english: bool) -> dict:
    """One case as the API and the exports show it (row from selectors.case_table)."""
    values = {column.key: getattr(row, column.key, None) for column in CASE_COLUMNS}
    values.update({
        "case_number": row.application.case_number, "service": row.service_code,
        "name": row.service_type.name_en if english else row.service_type.name_zh,
        "authority": row.authority.name_en if english else row.authority.name_zh,
    })
    return values


def case_rows(queryset, *, english: bool) -> Iterator[dict]:
    for row in queryset.iterator(chunk_size=2000):
        yield case_row(row, english=english)


def _text(value, column: Column, english: bool) -> str:
    if value is None:
        return ""
    if column.kind == "bool":
        return ("yes" if value else "no") if english else ("是" if value else "否")
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def to_csv(columns: list[Column], rows: Iterable[dict], *, english: bool) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header(english) for c in columns])
    for row in rows:
        writer.writerow([_text(row.get(c.key), c, english) for c in columns])
    return out.getvalue().encode("utf-8")


NUMBER_FORMATS = {"share": "0.0%", "days": "0.00", "int": "0", "date": "yyyy-mm-dd"}


def to_xlsx(sheets: list[tuple[str, list[Column], Iterable[dict]]], *, english: bool) -> bytes:
    """One worksheet per table; numbers stay numbers (rates formatted as percentages)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header(english))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            cells = []
            for column in columns:
                value = row.get(column.key)
                if column.kind == "bool" and value is not None:
                    value = bool(value)
                cell = WriteOnlyCell(sheet, value=value)
                if column.kind in NUMBER_FORMATS and value is not None:
                    cell.number_format = NUMBER_FORMATS[column.kind]
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(*, table: str, fmt: str, english: bool, results: dict | None = None,
                    cases=None) -> HttpResponse:
    """The download of the per-service (`results`) or per-case (`cases`, a queryset) table."""
    stamp = timezone.localdate().isoformat()
    if table == "services":
        columns, rows, title = SERVICE_COLUMNS, service_rows(results or {}, english=english), (
            "Processing times" if english else "办理时效")
    else:
        columns, rows, title = CASE_COLUMNS, case_rows(cases, english=english), ("Cases" if english else "办件明细")
    name = f"tongban-{'processing-times' if table == 'services' else 'cases'}-{stamp}"
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx([(title, columns, rows)], english=english), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(to_csv(columns, rows, english=english), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
