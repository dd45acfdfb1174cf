"""The supervisor's dashboard: processing times now against the legacy baseline, with charts, the
电子监察 board, and the CSV/XLSX downloads of the same tables."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from licensing import selectors as case_selectors
from licensing.api.serializers import summary_payload
from licensing.permissions import can_view, officer_of, officer_roles
from services.models import Authority
from services.selectors import published_service_types

from . import charts, exports, selectors

BOARD_ROWS = 20


def is_en() -> bool:
    return (get_language() or "").startswith("en")


class MetricsFilterForm(forms.Form):
    service = forms.ChoiceField(label=_("事项"), required=False)
    authority = forms.ChoiceField(label=_("实施机关"), required=False)
    start = forms.DateField(label=_("决定日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, services, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        english = is_en()
        self.fields["service"].choices = [("", _("全部事项"))] + [
            (s.code, s.name_en if english else s.name_zh) for s in services]
        self.fields["authority"].choices = [("", _("全部机关"))] + [
            (a.code, a.name_en if english else a.name_zh) for a in authorities]
        self.authorities = {a.code: a for a in authorities}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict:
        """The selector arguments; an invalid form filters nothing (its errors are shown)."""
        if not self.is_bound or not self.is_valid():
            return {"service": "", "start": None, "end": None, "authority": None}
        authority = self.authorities.get(self.cleaned_data["authority"])
        return {"service": self.cleaned_data["service"], "start": self.cleaned_data["start"],
                "end": self.cleaned_data["end"], "authority": authority.pk if authority else None}


def supervisor_scope(request: HttpRequest) -> tuple[object, list[int]]:
    """The supervisor's officer record and the authorities they oversee; 403 for anyone else."""
    officer = officer_of(request.user)
    if officer is None or "supervisor" not in officer_roles(request.user):
        raise PermissionDenied
    return officer, selectors.supervised_authority_ids(officer=officer)


def _form(request: HttpRequest, scope: list[int]) -> MetricsFilterForm:
    authorities = list(Authority.objects.filter(pk__in=scope).order_by("code"))
    return MetricsFilterForm(request.GET or None, services=list(published_service_types()),
                             authorities=authorities)


def _days(value) -> str:
    return "—" if value is None else f"{value:.1f}".removesuffix(".0")


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _change(reduction) -> str:
    """A reduction of 0.825 reads −82.5 % (a longer time than before reads +…)."""
    return "—" if reduction is None else f"{-reduction * 100:+.1f}%".replace("-", "−")


def _display(figures: dict) -> dict:
    """The figures as the page prints them: days to one decimal, shares as percentages."""
    reduction = figures["reduction"]
    measured = figures["baseline"].get("measured") or {}
    return {
        "median": _days(figures["median"]), "mean": _days(figures["mean"]), "p90": _days(figures["p90"]),
        "paused_mean": _days(figures["paused_mean"]),
        "total_median": _days((figures["durations"].get("receipt_to_issuance") or {}).get("median")),
        "on_time_committed": _pct(figures["on_time_committed"]),
        "on_time_statutory": _pct(figures["on_time_statutory"]),
        "vs_limit_mean": _change(reduction["vs_legacy_limit"]["mean"]),
        "vs_limit_change": _change(reduction["vs_legacy_limit"]["median"]),
        "vs_measured_change": _change((reduction.get("vs_measured") or {}).get("median")),
        "measured_median": _days(measured.get("median")),
        "ci_low": _pct((reduction.get("ci95") or {}).get("low")),
        "ci_high": _pct((reduction.get("ci95") or {}).get("high")),
        "materials_reduction": _pct(figures["materials"]["reduction"]),
    }


def every_month(months: list[dict], start: dt.date | None = None, end: dt.date | None = None) -> list[dict]:
    """The months of the period, each once and in order: the filter's start and end months when set
    (else the first and the last month with a decision), with an empty entry (count 0, no figures)
    for a month without one, so a chart shows the gap instead of closing it."""
    known = {m["month"]: m for m in months}
    if not known and not (start and end):
        return []
    first = f"{start:%Y-%m}" if start else min(known)
    last = f"{end:%Y-%m}" if end else max(known)
    if known:
        first, last = min(first, min(known)), max(last, max(known))
    year, month = int(first[:4]), int(first[5:7])
    result = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        result.append(known.get(key) or {"month": key, "count": 0, "mean": None, "median": None, "p90": None,
                                         "max": None, "on_time_committed": None, "on_time_statutory": None})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _month(month: dict) -> dict:
    return {**month, "d": {"mean": _days(month["mean"]), "median": _days(month["median"]), "p90": _days(month["p90"]),
                           "on_time_committed": _pct(month["on_time_committed"]),
                           "on_time_statutory": _pct(month["on_time_statutory"])}}


def _card(code: str, figures: dict, english: bool) -> dict:
    return {
        "code": code, "name": figures["name_en"] if english else figures["name_zh"], "f": figures,
        "d": _display(figures), "measured": figures["baseline"].get("measured"),
        "ci": figures["reduction"].get("ci95"),
    }


def _board(scope: list[int], authority: int | None, on: dt.date, user, *,
           own_authority: int | None = None) -> tuple[list[dict], dict, list[dict]]:
    """The yellow and red cases of the authorities in view (the filter's one, or every authority the
    supervisor oversees), the counts, and the counts per authority. A row links to the case page only
    when this user may open it (a subordinate authority's case is theirs to handle, not the supervisor's)."""
    english = is_en()
    names = {a.pk: a.name_en if english else a.name_zh for a in Authority.objects.filter(pk__in=scope)}
    rows: list[dict] = []
    per_authority = []
    for authority_id in ([authority] if authority else scope):
        cases = list(case_selectors.supervision_board(authority_id=authority_id, on=on))
        found = [summary_payload(a, on=on) | {"openable": can_view(user, a),
                                              "authority_name": names.get(a.authority_id)} for a in cases]
        per_authority.append({"name": names.get(authority_id, ""), "own": authority_id == own_authority,
                              "yellow": sum(r["warning"] == "yellow" for r in found),
                              "red": sum(r["warning"] == "red" for r in found)})
        rows += found
    rows.sort(key=lambda r: (r["warning"] != "red", r["current_due"] or on))
    counts = {"yellow": sum(r["warning"] == "yellow" for r in rows), "red": sum(r["warning"] == "red" for r in rows)}
    return rows[:BOARD_ROWS], counts, per_authority


def board_scope(*, officer, scope: list[int], authority: int | None) -> dict:
    """What the dashboard's board covers, in words: one authority (the own one or a subordinate's),
    or the own authority with every authority below it."""
    english = is_en()
    names = {a.pk: a.name_en if english else a.name_zh for a in Authority.objects.filter(pk__in=scope)}
    if authority == officer.authority_id or (not authority and scope == [officer.authority_id]):
        return {"own": True, "all": False, "label": _("本机关：%(name)s") % {"name": names.get(officer.authority_id)}}
    if authority:
        return {"own": False, "all": False, "label": _("下级机关：%(name)s") % {"name": names.get(authority)}}
    return {"own": False, "all": True, "label": _("全部机关：本机关及下级机关，共 %(n)d 个") % {"n": len(scope)}}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    officer, scope = supervisor_scope(request)
    form = _form(request, scope)
    filters = form.filters()
    on = timezone.localdate()
    english = is_en()
    results = selectors.processing_times(**filters, scope=scope, on=on)
    cards = [_card(code, figures, english) for code, figures in results.items()]
    counted = [code for code, figures in results.items() if figures["count"]]
    focus = filters["service"] or (counted[0] if counted else "")  # the catalog's first: lab animal production
    context = {"form": form, "cards": cards, "focus": None, "today": on, "is_en": english,
               "query": request.GET.urlencode(),
               "period": _period(filters, results)}
    if focus and focus in results:
        figures = results[focus]
        narrowed = {**filters, "service": focus}
        histogram = selectors.headline_histograms(**narrowed, scope=scope).get(focus, {})
        months = every_month(selectors.processing_times_by_month(**narrowed, scope=scope).get(focus, []),
                             filters["start"], filters["end"])
        measured = figures["baseline"].get("measured")
        committed, statutory = figures["limits"]["committed"], figures["limits"]["statutory"]
        context["focus"] = {
            "code": focus, "name": figures["name_en"] if english else figures["name_zh"], "f": figures,
            "d": _display(figures), "months": [_month(m) for m in months],
            "histogram_rows": sorted(histogram.items()),  # the chart's data table
            "histogram": charts.histogram("chart-distribution", histogram, committed=committed, statutory=statutory,
                                          legacy=figures["baseline"]["legacy_limit"],
                                          measured_median=measured["median"] if measured else None,
                                          joint=figures["joint"]),
            "trend": charts.trend("chart-trend", months, committed=committed,
                                  legacy=figures["baseline"]["legacy_limit"]) if months else None,
            "on_time": charts.on_time("chart-on-time", months) if months else None,
        }
    comparable = [c for c in cards if c["f"]["count"] and c["f"]["baseline"]["legacy_limit"]]
    if comparable:
        context["comparison"] = charts.reduction_bars("chart-reduction", [
            {"label": c["name"], "legacy_limit": c["f"]["baseline"]["legacy_limit"], "median": c["f"]["median"],
             "measured_median": c["measured"]["median"] if c["measured"] else None} for c in comparable])
    context["board"], context["board_counts"], per_authority = _board(
        scope, filters["authority"], on, request.user, own_authority=officer.authority_id)
    context["board_scope"] = board_scope(officer=officer, scope=scope, authority=filters["authority"])
    context["board_per_authority"] = per_authority if len(per_authority) > 1 else []
    return render(request, "licensing/metrics/dashboard.html", context)


def _period(filters: dict, results: dict) -> dict:
    return {"start": filters["start"], "end": filters["end"],
            "cases": sum(r["count"] for r in results.values())}


@login_required
def dashboard_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """/dashboard/export/services.xlsx?… — the dashboard's filters apply."""
    if table not in ("services", "cases") or fmt not in ("csv", "xlsx"):
        raise Http404
    _officer, scope = supervisor_scope(request)
    filters = _form(request, scope).filters()
    english = request.GET.get("lang", "en" if is_en() else "zh") == "en"
    if table == "services":
        return exports.export_response(table=table, fmt=fmt, english=english,
                                       results=selectors.processing_times(**filters, scope=scope))
    return exports.export_response(table=table, fmt=fmt, english=english,
                                   cases=selectors.case_table(**filters, scope=scope))
