"""Reads of the metrics: per-service processing times with their baselines and reductions, the
monthly trend, the distribution, backlog and overdue now, the per-case table.

Everything is aggregated in the database. On PostgreSQL the percentiles are `percentile_cont`
(an ordered-set aggregate); on other databases (SQLite) the same interpolation is computed in SQL
from ROW_NUMBER() and COUNT() windows over the ordered values. Only aggregates reach Python: one row
per group, or one per distinct duration value for the distribution and the bootstrap.

The report, the monthly trend and the distribution read the rollup (licensing.metrics.rollup:
cases per service, authority, month, figure and value) whenever it answers the filters — any
service, authority or scope over whole months — and the rows otherwise (a period that starts or
ends inside a month). Both paths give the same figures; tests/perf/test_rollup_figures.py checks it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Avg, Count, Exists, F, FloatField, Max, OuterRef, Q, QuerySet
from django.db.models.aggregates import Aggregate
from django.db.models.functions import TruncMonth
from django.utils import timezone

from licensing.constants import State
from licensing.models import Application
from services import selectors as catalog
from services.models import Authority, ServiceType

from . import bootstrap, rollup
from .figures import reduction
from .models import CaseMetrics, LegacyCase, RollupFigure

DURATIONS = ["receipt_to_acceptance", "acceptance_to_decision", "decision_to_issuance", "receipt_to_issuance"]
HEADLINE = "headline_days"
class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(q) WITHIN GROUP (ORDER BY expression). Given several fractions
    it is percentile_cont(ARRAY[q1, q2, …]) and returns a list: one sort of the values answers them
    all, where one aggregate per fraction would sort them again for each."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float | Sequence[float], **extra) -> None:
        fractions = [float(f) for f in fraction] if isinstance(fraction, Sequence) else [float(fraction)]
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("fractions must lie in [0, 1]")
        if isinstance(fraction, Sequence):
            from django.contrib.postgres.fields import ArrayField

            literal, output = f"ARRAY[{', '.join(map(repr, fractions))}]", ArrayField(FloatField())
        else:
            literal, output = repr(fractions[0]), FloatField()
        super().__init__(expression, fraction=literal, output_field=output, **extra)


def _native_percentiles() -> bool:
    return connection.vendor == "postgresql"


def _key(value):
    """Group keys compare equal whichever path produced them (dates arrive as text from raw SQL)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        return value[:10]
    return value


def _window_percentiles(queryset: QuerySet, groups: dict[str, object], fields: Sequence[str],
                        fractions: Sequence[float]) -> dict[tuple, dict[str, float | None]]:
    """percentile_cont of each field per group, in SQL with window functions (any database with
    ROW_NUMBER/COUNT windows). Row r of n non-null values has weight max(0, 1 − |r − (1 + q(n − 1))|)
    — 1 on an exact order statistic, the interpolation weights on the two around it."""
    group_aliases = [f"g{i}" for i in range(len(groups))]
    field_aliases = [f"v{i}" for i in range(len(fields))]
    inner = queryset.order_by().annotate(
        **{alias: expr if hasattr(expr, "resolve_expression") else F(expr) for alias, expr in
           zip(group_aliases, groups.values(), strict=True)},
        **{alias: F(name) for alias, name in zip(field_aliases, fields, strict=True)},
    ).values(*group_aliases, *field_aliases)
    inner_sql, params = inner.query.sql_with_params()
    partition = ", ".join(group_aliases) or "1"
    windows, sums = [], []
    for alias in field_aliases:
        windows.append(f"ROW_NUMBER() OVER (PARTITION BY {partition}, ({alias} IS NULL) ORDER BY {alias}) AS r_{alias}")
        windows.append(f"COUNT({alias}) OVER (PARTITION BY {partition}) AS n_{alias}")
        for q in fractions:
            pos = f"(1 + {q!r} * (n_{alias} - 1))"
            sums.append(
                f"SUM(CASE WHEN {alias} IS NOT NULL AND ABS(r_{alias} - {pos}) < 1 "
                f"THEN {alias} * (1 - ABS(r_{alias} - {pos})) END)"
            )
    select_groups = ", ".join(group_aliases)
    sql = (
        f"SELECT {select_groups + ', ' if group_aliases else ''}{', '.join(sums)} FROM ("
        f"SELECT {select_groups + ', ' if group_aliases else ''}{', '.join(field_aliases)}, {', '.join(windows)} "
        f"FROM ({inner_sql}) base) ranked"
        + (f" GROUP BY {select_groups}" if group_aliases else "")
    )
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key = tuple(_key(v) for v in row[: len(group_aliases)])
            values = iter(row[len(group_aliases):])
            result[key] = {f"{name}:{q}": next(values) for name in fields for q in fractions}
    return result


def _grouped(queryset: QuerySet, groups: dict[str, object], aggregates: dict[str, Aggregate]) -> dict[tuple, dict]:
    """One row per group: a group that is a plain field is selected as itself, an expression under
    its alias."""
    expressions = {alias: expr if hasattr(expr, "resolve_expression") else F(expr) for alias, expr in groups.items()
                   if expr != alias}
    rows = queryset.order_by().annotate(**expressions).values(*groups).annotate(**aggregates)
    return {tuple(_key(row[g]) for g in groups): row for row in rows}


def _native_percentiles_query(queryset: QuerySet, groups: dict[str, object], fields: Sequence[str],
                              fractions: Sequence[float]) -> dict[tuple, dict[str, float | None]]:
    """percentile_cont of each field per group (PostgreSQL), one sort per field."""
    rows = _grouped(queryset, groups, {name: PercentileCont(name, list(fractions)) for name in fields})
    return {key: {f"{name}:{q}": (row[name] or [None] * len(fractions))[i] for name in fields
                  for i, q in enumerate(fractions)} for key, row in rows.items()}


def duration_stats(queryset: QuerySet, *, groups: dict[str, object], fields: Sequence[str],
                   condition: Q | None = None, extra: dict[str, Aggregate] | None = None) -> dict[tuple, dict]:
    """Count, mean, median, p90 and max of each field per group over the rows meeting `condition`,
    plus the `extra` aggregates (FILTER clauses: they may count the other rows in the same scan).
    Two queries: the hashable aggregates, then the percentiles over the rows meeting `condition`
    only — the ordered-set aggregates need their input sorted, and sorting only the columns they
    read is much cheaper than sorting every column the others need."""
    aggregates: dict[str, Aggregate] = dict(extra or {})
    for name in fields:
        aggregates[f"{name}:count"] = Count(name, filter=condition)
        aggregates[f"{name}:mean"] = Avg(name, output_field=FloatField(), filter=condition)
        aggregates[f"{name}:max"] = Max(name, filter=condition)
    result = _grouped(queryset, groups, aggregates)
    if result:
        rows_in = queryset.filter(condition) if condition is not None else queryset
        percentiles = (_native_percentiles_query if _native_percentiles() else _window_percentiles)(
            rows_in, groups, fields, (0.5, 0.9))
        for key, values in percentiles.items():
            if key in result:
                result[key].update({k: v for k, v in values.items() if ":" in k})
    stats: dict[tuple, dict] = {}
    for key, row in result.items():
        entry = {name: row[name] for name in (extra or {})}
        for name in fields:
            count = row[f"{name}:count"] or 0
            entry[name] = {
                "count": count,
                "mean": _round(row[f"{name}:mean"]) if count else None,
                "median": _round(row.get(f"{name}:0.5")) if count else None,
                "p90": _round(row.get(f"{name}:0.9")) if count else None,
                "max": row[f"{name}:max"] if count else None,
            }
        stats[key] = entry
    return stats


def _round(value, digits: int = 2):
    return None if value is None else round(float(value), digits)


def _rate(part: int | None, whole: int | None):
    return round(part / whole, 4) if whole else None


# --- scope and filters ---------------------------------------------------------------------------

def supervised_authority_ids(*, officer) -> list[int]:
    """A supervisor oversees their own authority and the authorities below it."""
    ids = [officer.authority_id]
    frontier = ids
    while frontier:
        frontier = list(Authority.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += [pk for pk in frontier if pk not in ids]
    return ids


def case_metrics(*, service: str = "", start: dt.date | None = None, end: dt.date | None = None,
                 authority: int | None = None, scope: Iterable[int] | None = None) -> QuerySet[CaseMetrics]:
    """The stored rows of cases decided (or closed undecided) in [start, end]."""
    queryset = CaseMetrics.objects.all()
    if service:
        queryset = queryset.filter(service_code=service)
    if start:
        queryset = queryset.filter(period_on__gte=start)
    if end:
        queryset = queryset.filter(period_on__lte=end)
    if authority:
        queryset = queryset.filter(authority_id=authority)
    if scope is not None:
        queryset = queryset.filter(authority_id__in=list(scope))
    return queryset


def case_table(**filters) -> QuerySet[CaseMetrics]:
    """The per-case rows with the names the table shows, newest first (one query per page)."""
    own = [f.attname for f in CaseMetrics._meta.concrete_fields]
    return (case_metrics(**filters).select_related("application", "authority", "service_type")
            .only(*own, "application__case_number", "authority__name_zh", "authority__name_en",
                  "service_type__name_zh", "service_type__name_en")
            .order_by("-period_on", "-id"))


def _current_services() -> dict[str, ServiceType]:
    return {s.code: s for s in catalog.published_service_types()}


# --- per service --------------------------------------------------------------------------------

def _histograms(queryset: QuerySet, value: str, group: str = "service_code") -> dict[str, dict[int, int]]:
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    # COUNT(*), not COUNT(id): the index on (service, days, period) alone answers it (index-only scan).
    rows = (queryset.filter(**{f"{value}__isnull": False}).order_by().values(group, value)
            .annotate(n=Count("*")).values_list(group, value, "n"))
    for key, days, n in rows:
        histograms[key][days] = n
    return histograms


def headline_histograms(*, use_rollup: bool | None = None, **filters) -> dict[str, dict[int, int]]:
    """{service: {headline days: number of cases}} — the distribution chart and the bootstrap."""
    if _use_rollup(use_rollup, filters):
        return {key[0]: dict(figures.get(HEADLINE, {})) for key, figures in
                rollup.histograms(**filters, figures=[RollupFigure.HEADLINE]).items()}
    return _histograms(case_metrics(**filters).filter(counted=True), HEADLINE)


def _use_rollup(use_rollup: bool | None, filters: dict) -> bool:
    """The rollup unless told otherwise, when it answers the period; `use_rollup=False` forces the
    rows (the tests compare the two), `True` refuses a period the rollup cannot answer."""
    answers = rollup.answers(start=filters.get("start"), end=filters.get("end"))
    if use_rollup and not answers:
        raise ValueError("the rollup answers whole months only")
    return answers if use_rollup is None else use_rollup


# The aggregates of processing_times beyond the durations, over the rows (the rollup computes the same).
def _rollup_service_stats(filters: dict) -> tuple[dict[tuple, dict], dict[str, dict[int, int]]]:
    """processing_times' statistics and headline histograms from the rollup, in the shape of the
    row path (duration_stats): one query, however many cases."""
    stats: dict[tuple, dict] = {}
    histograms: dict[str, dict[int, int]] = {}
    for key, figures in rollup.histograms(**filters).items():
        if not figures.get(RollupFigure.CASES):
            continue
        entry: dict = {}
        for name in [HEADLINE, *DURATIONS]:
            values = rollup.stats(figures.get(name, {}))
            entry[name] = {"count": values["count"], "mean": _round(values["mean"]),
                           "median": _round(values["median"]), "p90": _round(values["p90"]), "max": values["max"]}
        entry.update({
            "on_time_committed_n": rollup.total(figures.get(RollupFigure.ON_TIME_COMMITTED, {}), equal=1),
            "on_time_statutory_n": rollup.total(figures.get(RollupFigure.ON_TIME_STATUTORY, {}), equal=1),
            "paused_mean": rollup.mean(figures.get(RollupFigure.PAUSED, {})),
            "extension_n": rollup.total(figures.get(RollupFigure.EXTENSION, {}), above=0),
            "correction_mean": rollup.mean(figures.get(RollupFigure.CORRECTIONS, {})),
            "materials_mean": rollup.mean(figures.get(RollupFigure.MATERIALS, {})),
            "trips_mean": rollup.mean(figures.get(RollupFigure.TRIPS, {})),
            "withdrawn": rollup.total(figures.get(RollupFigure.WITHDRAWN, {})),
            "not_accepted": rollup.total(figures.get(RollupFigure.NOT_ACCEPTED, {})),
        })
        stats[key] = entry
        if figures.get(HEADLINE):
            histograms[key[0]] = dict(figures[HEADLINE])
    return stats, histograms


def _legacy_cohorts(codes: Iterable[str]) -> tuple[dict[str, dict], dict[str, dict[int, int]]]:
    codes = list(codes)
    stats = duration_stats(LegacyCase.objects.filter(service_code__in=codes), groups={"service_code": "service_code"},
                           fields=["working_days"], extra={"materials_mean": Avg("materials_count",
                                                                                 output_field=FloatField())})
    measured = {key[0]: {**value["working_days"], "materials_mean": _round(value["materials_mean"])}
                for key, value in stats.items()}
    return measured, _histograms(LegacyCase.objects.filter(service_code__in=codes), "working_days")


def _measured_baseline(service: ServiceType, measured: dict, services: dict[str, ServiceType],
                       cohort_histograms: dict) -> tuple[dict | None, list[dict[int, int]]]:
    """The service's own cohort, or for a joint service its components' cohorts in series."""
    own = measured.get(service.code)
    if own and own["count"]:
        return {"count": own["count"], "mean": own["mean"], "median": own["median"], "p90": own["p90"],
                "max": own["max"], "source": "cohort"}, [cohort_histograms[service.code]]
    if service.is_joint:
        parts = [measured.get(code) for code in service.components]
        if parts and all(p and p["count"] for p in parts):
            return {
                "count": min(p["count"] for p in parts),
                "mean": _round(sum(p["mean"] for p in parts)),
                "median": _round(sum(p["median"] for p in parts)),
                "source": "components_in_series", "components": list(service.components),
            }, [cohort_histograms[code] for code in service.components]
    return None, []


def _backlog(*, service: str, authority: int | None, scope: Iterable[int] | None, on: dt.date) -> dict[str, dict]:
    """Undecided cases now and how many of them are overdue (red), per service."""
    open_cases = Application.objects.undecided()
    if service:
        open_cases = open_cases.filter(service_type__code=service)
    if authority:
        open_cases = open_cases.for_authority(authority)
    if scope is not None:
        open_cases = open_cases.in_scope(scope)
    overdue_track = Application.objects.undecided().filter(parent_id=OuterRef("pk"), current_due__lt=on)
    result: dict[str, dict] = {}
    rows = (open_cases.order_by().values("service_type__code")
            .annotate(backlog=Count("pk"),
                      overdue=Count("pk", filter=Q(joint=False, current_due__lt=on)),
                      joint_overdue=Count("pk", filter=Q(joint=True) & Exists(overdue_track))))
    for row in rows:
        result[row["service_type__code"]] = {"backlog": row["backlog"],
                                             "overdue": row["overdue"] + row["joint_overdue"]}
    return result


def processing_times(*, service: str = "", start: dt.date | None = None, end: dt.date | None = None,
                     authority: int | None = None, scope: Iterable[int] | None = None, ci: bool = True,
                     on: dt.date | None = None, use_rollup: bool | None = None) -> dict[str, dict]:
    """Per service: the headline processing time (count, mean, median, p90, max), on-time rates,
    paused mean, every duration's statistics, cases closed without decision, backlog and overdue
    now, the baselines (legacy limit, measured legacy cohort), the reductions with the bootstrap
    interval of the median reduction, and the materials reduction. Services without any case in
    the selection are left out. Read from the rollup when it answers the filters (`use_rollup`)."""
    on = on or timezone.localdate()
    scope = list(scope) if scope is not None else None
    filters = {"service": service, "start": start, "end": end, "authority": authority, "scope": scope}
    if _use_rollup(use_rollup, filters):
        stats, rollup_histograms = _rollup_service_stats(filters)
    else:
        stats, rollup_histograms = _row_service_stats(filters), None
    backlog = _backlog(service=service, authority=authority, scope=scope, on=on)
    services = _current_services()
    codes = [code for code in services if (code,) in stats or code in backlog]
    cohort_codes = set(codes) | {c for code in codes for c in services[code].components}
    measured, cohort_histograms = _legacy_cohorts(cohort_codes)
    if not (ci and measured):
        histograms = {}
    elif rollup_histograms is not None:
        histograms = rollup_histograms
    else:
        histograms = headline_histograms(**filters, use_rollup=False)
    return _service_results(codes, services, stats, backlog, measured, cohort_histograms, histograms, ci=ci)


def _row_service_stats(filters: dict) -> dict[tuple, dict]:
    queryset = case_metrics(**filters)
    counted = Q(counted=True)
    return duration_stats(
        queryset, groups={"service_code": "service_code"}, fields=[HEADLINE, *DURATIONS], condition=counted,
        extra={
            "on_time_committed_n": Count("pk", filter=counted & Q(on_time_committed=True)),
            "on_time_statutory_n": Count("pk", filter=counted & Q(on_time_statutory=True)),
            "paused_mean": Avg("paused_days", output_field=FloatField(), filter=counted),
            "extension_n": Count("pk", filter=counted & Q(extension_days__gt=0)),
            "correction_mean": Avg("correction_rounds", output_field=FloatField(), filter=counted),
            "materials_mean": Avg("materials_submitted", output_field=FloatField(), filter=counted),
            "trips_mean": Avg("trips", output_field=FloatField(), filter=counted),
            "withdrawn": Count("pk", filter=Q(outcome=State.WITHDRAWN)),
            "not_accepted": Count("pk", filter=Q(outcome=State.NOT_ACCEPTED)),
        },
    )


def _service_results(codes, services, stats, backlog, measured, cohort_histograms, histograms, *,
                     ci: bool) -> dict[str, dict]:
    result: dict[str, dict] = {}
    for code in codes:
        service_type = services[code]
        figures = stats.get((code,))
        headline = figures[HEADLINE] if figures else {"count": 0, "mean": None, "median": None, "p90": None,
                                                       "max": None}
        count = headline["count"]
        closed = figures or {}
        legacy_limit = catalog.legacy_limit(service_type=service_type)
        legacy_materials, current_materials = catalog.materials_counts(service_type=service_type)
        baseline: dict = {"legacy_limit": legacy_limit}
        reductions: dict = {"vs_legacy_limit": {"mean": _ratio(reduction(headline["mean"], legacy_limit)),
                                                "median": _ratio(reduction(headline["median"], legacy_limit))}}
        cohort, parts = _measured_baseline(service_type, measured, services, cohort_histograms)
        if cohort:
            baseline["measured"] = cohort
            reductions["vs_measured"] = {"mean": _ratio(reduction(headline["mean"], cohort["mean"])),
                                         "median": _ratio(reduction(headline["median"], cohort["median"]))}
            interval = bootstrap.median_reduction_ci(histograms.get(code, {}), parts) if ci and count else None
            if interval:
                reductions["ci95"] = {"low": _ratio(interval[0]), "high": _ratio(interval[1])}
        result[code] = {
            "service": code, "name_zh": service_type.name_zh, "name_en": service_type.name_en,
            "joint": service_type.is_joint,
            **headline,
            "on_time_committed": _rate(figures["on_time_committed_n"], count) if figures else None,
            "on_time_statutory": _rate(figures["on_time_statutory_n"], count) if figures else None,
            "paused_mean": _round(figures["paused_mean"]) if figures else None,
            "baseline": baseline,
            "reduction": reductions,
            "materials": {"legacy": legacy_materials, "current": current_materials,
                          "reduction": _ratio(reduction(current_materials, legacy_materials))},
            "limits": {"committed": service_type.committed_limit, "statutory": service_type.statutory_limit,
                       "by_category": service_type.category_limits or {}},
            "durations": {name: figures[name] for name in DURATIONS} if figures else {},
            "extension_rate": _rate(figures["extension_n"], count) if figures else None,
            "corrections_mean": _round(figures["correction_mean"]) if figures else None,
            "materials_submitted_mean": _round(figures["materials_mean"]) if figures else None,
            "trips_mean": _round(figures["trips_mean"]) if figures else None,
            "not_counted": {"withdrawn": closed.get("withdrawn", 0), "not_accepted": closed.get("not_accepted", 0)},
            **backlog.get(code, {"backlog": 0, "overdue": 0}),
        }
    return result


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def processing_times_by_month(*, service: str = "", start: dt.date | None = None, end: dt.date | None = None,
                              authority: int | None = None, scope: Iterable[int] | None = None,
                              use_rollup: bool | None = None) -> dict[str, list]:
    """Per service, one entry per month of decision: count, mean, median, p90 and on-time rates."""
    filters = {"service": service, "start": start, "end": end, "authority": authority, "scope": scope}
    if _use_rollup(use_rollup, filters):
        stats = {}
        for key, figures in rollup.histograms(**filters, by_month=True, figures=[
                RollupFigure.HEADLINE, RollupFigure.ON_TIME_COMMITTED, RollupFigure.ON_TIME_STATUTORY]).items():
            values = rollup.stats(figures.get(HEADLINE, {}))
            if not values["count"]:
                continue
            stats[key] = {
                HEADLINE: {"count": values["count"], "mean": _round(values["mean"]), "median": _round(values["median"]),
                           "p90": _round(values["p90"]), "max": values["max"]},
                "on_time_committed_n": rollup.total(figures.get(RollupFigure.ON_TIME_COMMITTED, {}), equal=1),
                "on_time_statutory_n": rollup.total(figures.get(RollupFigure.ON_TIME_STATUTORY, {}), equal=1),
            }
    else:
        stats = _row_month_stats(filters)
    result: dict[str, list] = defaultdict(list)
    for (code, month), values in sorted(stats.items()):
        headline = values[HEADLINE]
        result[code].append({
            "month": month[:7], **headline,
            "on_time_committed": _rate(values["on_time_committed_n"], headline["count"]),
            "on_time_statutory": _rate(values["on_time_statutory_n"], headline["count"]),
        })
    return dict(result)


def _row_month_stats(filters: dict) -> dict[tuple, dict]:
    queryset = case_metrics(**filters)
    return duration_stats(
        queryset.filter(counted=True), groups={"service_code": "service_code", "month": TruncMonth("period_on")},
        fields=[HEADLINE],
        extra={"on_time_committed_n": Count("pk", filter=Q(on_time_committed=True)),
               "on_time_statutory_n": Count("pk", filter=Q(on_time_statutory=True))},
    )
