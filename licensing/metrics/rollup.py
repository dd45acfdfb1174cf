"""The rollup of the stored figures: how many cases have each value of each figure, per service,
authority and month of the statistics date (MetricsRollup). Processing times are whole working
days, so the report's means, percentile_cont medians and p90s, maxima, on-time rates and the
bootstrap histograms are exact when computed from these counts — in milliseconds, where the
row-based aggregates sort every case.

Maintenance: `rollup_apply` moves a case's buckets in the transaction that writes its CaseMetrics
row (the old buckets decremented, the new incremented: one INSERT … ON CONFLICT DO UPDATE SET
cases = cases + delta, safe when two transactions touch one bucket on PostgreSQL and SQLite, with
the buckets taken in a fixed order so that they cannot deadlock); `rollup_rebuild` recomputes the
buckets from the rows (case_metrics_recompute, metrics_report --recompute).

What it answers: any combination of service, authority (or a supervisor's scope) and a period made
of whole months (start on the 1st, end on a month's last day, either open). Anything else — a
period that starts or ends inside a month — is answered from the rows by the selectors."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from licensing.constants import State

from .figures import histogram_percentile
from .models import CaseMetrics, MetricsRollup, RollupFigure

# Figures bucketed by value over the counted cases (nulls left out, as the SQL aggregates do).
COUNTED_FIGURES = [
    RollupFigure.HEADLINE, RollupFigure.RECEIPT_TO_ACCEPTANCE, RollupFigure.ACCEPTANCE_TO_DECISION,
    RollupFigure.DECISION_TO_ISSUANCE, RollupFigure.RECEIPT_TO_ISSUANCE, RollupFigure.PAUSED,
    RollupFigure.EXTENSION, RollupFigure.CORRECTIONS, RollupFigure.MATERIALS, RollupFigure.TRIPS,
    RollupFigure.ON_TIME_COMMITTED, RollupFigure.ON_TIME_STATUTORY,
]
# Figures counting every stored case, value 0, with the condition on the row.
ALL_CASE_FIGURES = {
    RollupFigure.CASES: Q(),
    RollupFigure.WITHDRAWN: Q(outcome=State.WITHDRAWN),
    RollupFigure.NOT_ACCEPTED: Q(outcome=State.NOT_ACCEPTED),
}
# The CaseMetrics columns the buckets of a row depend on.
ROW_FIELDS = ["service_code", "authority_id", "period_on", "counted", "outcome",
              *[str(f) for f in COUNTED_FIGURES]]

Bucket = tuple[str, int, dt.date, str, int]  # (service code, authority id, month, figure, value)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def case_buckets(row: Mapping) -> list[Bucket]:
    """The buckets one stored row counts in (`row` holds ROW_FIELDS)."""
    base = (row["service_code"], row["authority_id"], month_of(row["period_on"]))
    buckets: list[Bucket] = [(*base, str(RollupFigure.CASES), 0)]
    if row["outcome"] == State.WITHDRAWN:
        buckets.append((*base, str(RollupFigure.WITHDRAWN), 0))
    elif row["outcome"] == State.NOT_ACCEPTED:
        buckets.append((*base, str(RollupFigure.NOT_ACCEPTED), 0))
    if row["counted"]:
        for figure in COUNTED_FIGURES:
            value = row[str(figure)]
            if value is not None:
                buckets.append((*base, str(figure), int(value)))
    return buckets


def rollup_apply(*, remove: Iterable[Bucket] = (), add: Iterable[Bucket] = ()) -> None:
    """Move one case (or a few) from the `remove` buckets to the `add` buckets, in the caller's
    transaction. Unchanged buckets are not touched; emptied buckets are deleted."""
    delta: Counter = Counter(add)
    delta.subtract(Counter(remove))
    changes = sorted((bucket, n) for bucket, n in delta.items() if n)
    if not changes:
        return
    table = connection.ops.quote_name(MetricsRollup._meta.db_table)
    ops = connection.ops
    rows, params = [], []
    for (service_code, authority_id, month, figure, value), n in changes:
        rows.append("(%s, %s, %s, %s, %s, %s)")
        params += [service_code, authority_id, ops.adapt_datefield_value(month), figure, value, n]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (service_code, authority_id, month, figure, days, cases) VALUES {', '.join(rows)} "
            f"ON CONFLICT (service_code, authority_id, month, figure, days) "
            f"DO UPDATE SET cases = {table}.cases + excluded.cases", params)
        for service_code, authority_id, month in sorted({b[:3] for b, n in changes if n < 0}):
            cursor.execute(f"DELETE FROM {table} WHERE service_code = %s AND authority_id = %s AND month = %s "
                           f"AND cases = 0", [service_code, authority_id, ops.adapt_datefield_value(month)])


def row_buckets(row: CaseMetrics | Mapping | None) -> list[Bucket]:
    if row is None:
        return []
    if isinstance(row, CaseMetrics):
        row = {name: getattr(row, name) for name in ROW_FIELDS}
    return case_buckets(row)


@transaction.atomic
def rollup_rebuild(*, service_code: str = "") -> int:
    """Recompute the buckets (of one service, or all) from the stored rows; returns the number of
    buckets. On PostgreSQL the table is locked against writers (readers go on) for the duration, so
    a case recorded meanwhile moves its buckets after the rebuild, from the state it rebuilt."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(MetricsRollup._meta.db_table)} "
                           f"IN EXCLUSIVE MODE")
    return rebuild_from(CaseMetrics, MetricsRollup, service_code=service_code)


def rebuild_from(case_model, rollup_model, *, service_code: str = "") -> int:
    """The rebuild over the given models (the migration that creates the table passes its own)."""
    buckets = rollup_model.objects.all()
    rows = case_model.objects.all()
    if service_code:
        buckets, rows = buckets.filter(service_code=service_code), rows.filter(service_code=service_code)
    buckets.delete()
    rows = rows.order_by().annotate(month=TruncMonth("period_on"))
    counts: Counter = Counter()
    group = ("service_code", "authority_id", "month")
    for figure, condition in ALL_CASE_FIGURES.items():
        for service, authority, month, n in (rows.filter(condition).values(*group).annotate(n=Count("*"))
                                             .values_list(*group, "n")):
            counts[(service, authority, month, str(figure), 0)] += n
    for figure in COUNTED_FIGURES:
        name = str(figure)
        for service, authority, month, value, n in (
                rows.filter(counted=True, **{f"{name}__isnull": False}).values(*group, name)
                .annotate(n=Count("*")).values_list(*group, name, "n")):
            counts[(service, authority, month, name, int(value))] += n
    rollup_model.objects.bulk_create(
        [rollup_model(service_code=s, authority_id=a, month=m, figure=f, days=v, cases=n)
         for (s, a, m, f, v), n in sorted(counts.items())], batch_size=2000)
    return len(counts)


# --- reading ------------------------------------------------------------------------------------

def answers(*, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether the rollup answers a period: whole months (or open ends)."""
    if start is not None and start.day != 1:
        return False
    return end is None or (end + dt.timedelta(days=1)).day == 1


def histograms(*, service: str = "", start: dt.date | None = None, end: dt.date | None = None,
               authority: int | None = None, scope: Iterable[int] | None = None, by_month: bool = False,
               figures: Iterable[str] | None = None) -> dict[tuple, dict[str, dict[int, int]]]:
    """{(service,) or (service, 'YYYY-MM-DD' month): {figure: {value: cases}}} for a period the
    rollup answers (see `answers`)."""
    if not answers(start=start, end=end):
        raise ValueError("the rollup answers whole months only")
    buckets = MetricsRollup.objects.all()
    if service:
        buckets = buckets.filter(service_code=service)
    if start:
        buckets = buckets.filter(month__gte=start)
    if end:
        buckets = buckets.filter(month__lte=month_of(end))
    if authority:
        buckets = buckets.filter(authority_id=authority)
    if scope is not None:
        buckets = buckets.filter(authority_id__in=list(scope))
    if figures is not None:
        buckets = buckets.filter(figure__in=[str(f) for f in figures])
    group = ["service_code", "month"] if by_month else ["service_code"]
    result: dict[tuple, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = (buckets.order_by().values(*group, "figure", "days").annotate(n=Sum("cases"))
            .values_list(*group, "figure", "days", "n"))
    for row in rows:
        *key, figure, value, n = row
        if n:
            if by_month:
                key[1] = key[1].isoformat() if isinstance(key[1], dt.date) else str(key[1])[:10]
            result[tuple(key)][figure][value] = n
    return result


def stats(histogram: Mapping[int, int]) -> dict:
    """count, mean, median and p90 (percentile_cont), max of {value: cases}; unrounded."""
    count = sum(histogram.values())
    if not count:
        return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
    return {"count": count, "mean": sum(v * n for v, n in histogram.items()) / count,
            "median": histogram_percentile(histogram, 0.5), "p90": histogram_percentile(histogram, 0.9),
            "max": max(histogram)}


def mean(histogram: Mapping[int, int]) -> float | None:
    count = sum(histogram.values())
    return sum(v * n for v, n in histogram.items()) / count if count else None


def total(histogram: Mapping[int, int], *, above: int | None = None, equal: int | None = None) -> int:
    return sum(n for v, n in histogram.items()
               if (above is None or v > above) and (equal is None or v == equal))
