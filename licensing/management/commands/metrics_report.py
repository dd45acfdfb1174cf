import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from licensing.metrics import exports, selectors
from licensing.metrics.services import case_metrics_recompute
from services.models import Authority


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    return str(value)


TABLE = [  # (column key, header, kind) of the printed table; the CSV and JSON carry every figure
    ("service", "service", "text"), ("count", "n", "int"), ("mean", "mean", "days"), ("median", "median", "days"),
    ("p90", "p90", "days"), ("max", "max", "int"), ("on_time_committed", "on time c.", "share"),
    ("on_time_statutory", "on time s.", "share"), ("paused_mean", "paused", "days"),
    ("legacy_limit", "legacy", "int"), ("reduction_legacy_median", "red. vs limit", "share"),
    ("measured_median", "cohort med.", "days"), ("reduction_measured_median", "red. vs cohort", "share"),
    ("ci95_low", "CI low", "share"), ("ci95_high", "CI high", "share"),
    ("materials_legacy", "mat. before", "int"), ("materials_current", "mat. now", "int"),
    ("materials_reduction", "mat. red.", "share"), ("backlog", "open", "int"), ("overdue", "overdue", "int"),
]


class Command(BaseCommand):
    help = ("Processing times per service against the legacy baseline: the numbers of the supervisor's dashboard "
            "and of GET /api/v1/metrics/processing-times/. Headline = working days acceptance→decision, pauses "
            "excluded (one-stop: receipt→last decision).")

    def add_arguments(self, parser):
        parser.add_argument("--service", default="", help="service code (default: every service)")
        parser.add_argument("--start", help="first decision date (YYYY-MM-DD)")
        parser.add_argument("--end", help="last decision date (YYYY-MM-DD)")
        parser.add_argument("--authority", default="", help="authority code")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
        parser.add_argument("--lang", choices=["zh", "en"], default="en", help="CSV headers")
        parser.add_argument("--recompute", action="store_true",
                            help="first recompute every stored case row from its application (e.g. after a "
                                 "calendar correction)")

    def handle(self, *args, service, start, end, authority, format, lang, recompute, **options):
        start, end = _date(start, "--start"), _date(end, "--end")
        authority_id = None
        if authority:
            authority_id = Authority.objects.filter(code=authority).values_list("pk", flat=True).first()
            if authority_id is None:
                raise CommandError(f"--authority: no authority {authority!r}")
        if recompute:
            self.stderr.write(f"recomputed {case_metrics_recompute(service_code=service)} cases")
        results = selectors.processing_times(service=service, start=start, end=end, authority=authority_id)
        if format == "json":
            self.stdout.write(json.dumps({"start": start, "end": end, "authority": authority or None,
                                          "services": results}, ensure_ascii=False, indent=2, default=str))
            return
        rows = exports.service_rows(results, english=lang == "en")
        if format == "csv":
            sys.stdout.flush()
            self.stdout.write(exports.to_csv(exports.SERVICE_COLUMNS, rows, english=lang == "en")
                              .decode("utf-8").lstrip("\ufeff"), ending="")
            return
        table = [[header for _key, header, _kind in TABLE]]
        table += [[_fmt(row.get(key), kind) for key, _header, kind in TABLE] for row in rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(TABLE))]
        period = f"{start or '…'} – {end or '…'}" if start or end else "all periods"
        self.stdout.write(f"Processing times (working days, acceptance→decision, pauses excluded), {period}")
        for index, line in enumerate(table):
            self.stdout.write("  ".join(cell.rjust(width) if i else cell.ljust(width)
                                        for i, (cell, width) in enumerate(zip(line, widths, strict=True))))
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
