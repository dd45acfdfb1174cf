"""The rollup of the processing-time figures gives exactly the figures of the row-based aggregates:
on a simulated year recorded by the workflow itself (where cases move buckets when they are issued
after their decision) and on seeded random rows whose figures change; it is kept in step by
case_metrics_record and rebuilt by case_metrics_recompute; periods inside a month fall back to the
rows."""

import datetime as dt
import itertools
import random

import pytest

from django.db import connection

from licensing.constants import State
from licensing.metrics import rollup, selectors
from licensing.metrics.models import CaseMetrics, MetricsRollup
from licensing.metrics.services import case_metrics_recompute, legacy_cases_import
from licensing.metrics.simulation import legacy_cohort_csv, simulate_history
from licensing.models import Application
from services.models import Authority, ServiceType

D = dt.date


def _buckets() -> dict[tuple, int]:
    return {(r.service_code, r.authority_id, r.month, r.figure, r.days): r.cases
            for r in MetricsRollup.objects.all()}


def assert_same_figures(**filters):
    """Every figure the report, the API, the dashboard and the exports read, both ways."""
    assert selectors.processing_times(**filters, use_rollup=True) == \
        selectors.processing_times(**filters, use_rollup=False), filters
    month_filters = {k: v for k, v in filters.items() if k not in ("on", "ci")}
    assert selectors.processing_times_by_month(**month_filters, use_rollup=True) == \
        selectors.processing_times_by_month(**month_filters, use_rollup=False), filters
    assert selectors.headline_histograms(**month_filters, use_rollup=True) == \
        selectors.headline_histograms(**month_filters, use_rollup=False), filters


def _filter_sets(*, months: list[D], services: list[str], authorities: list[int]) -> list[dict]:
    sets: list[dict] = [{}]
    sets += [{"service": code} for code in services]
    sets += [{"authority": pk} for pk in authorities]
    sets.append({"scope": authorities[:1]})
    first, last = months[0], months[-1]
    end_of = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    sets.append({"start": first})
    sets.append({"end": end_of})
    middle = months[len(months) // 2]
    middle_end = (middle.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    sets.append({"start": middle, "end": middle_end})
    sets.append({"start": first, "end": middle_end, "service": services[0], "authority": authorities[0]})
    return sets


@pytest.mark.django_db(transaction=True)
def test_rollup_figures_equal_the_row_aggregates_on_simulated_months(catalog, demo_accounts):
    # Four months of simulated filings, followed until every case is closed: enough for every service,
    # both authorities and the bootstrap; the random-row tests below cover the breadth.
    legacy_cases_import(text=legacy_cohort_csv(seed=7), file_name="legacy.csv")
    result = simulate_history(start=D(2025, 1, 2), end=D(2025, 4, 30), seed=5, until=D(2025, 8, 29))
    assert not result.errors and CaseMetrics.objects.filter(counted=True).count() > 50
    # Kept in step by case_metrics_record alone: the same buckets as a rebuild from the rows.
    kept = _buckets()
    assert kept and rollup.rollup_rebuild() == len(kept)
    assert _buckets() == kept
    # Decided cases were issued later: their decision→issuance buckets moved, none is left negative.
    assert MetricsRollup.objects.filter(figure="decision_to_issuance").exists()
    assert not MetricsRollup.objects.filter(cases__lte=0).exists()
    months = sorted({d.replace(day=1) for d in CaseMetrics.objects.values_list("period_on", flat=True)})
    services = sorted(set(CaseMetrics.objects.values_list("service_code", flat=True)))
    authorities = sorted(set(CaseMetrics.objects.values_list("authority_id", flat=True)))
    assert len(months) >= 4 and len(services) >= 3
    for filters in _filter_sets(months=months, services=services, authorities=authorities):
        assert_same_figures(**filters, on=D(2026, 4, 1))
    figures = selectors.processing_times(on=D(2026, 4, 1))
    assert any(f["reduction"].get("ci95") for f in figures.values())  # the bootstrap ran on the rollup
    # Recompute rebuilds it: a bucket edited by hand is restored.
    MetricsRollup.objects.filter(figure="headline_days").update(cases=99)
    case_metrics_recompute()
    assert _buckets() == kept


@pytest.fixture
def random_cases(catalog, applicant):
    """make(n, seed) → n stored rows with random figures (a few with none), written through the
    rollup's incremental path; then about a third of them changed, as a re-recorded case is."""

    def row_values(rng: random.Random, service: ServiceType, authority_ids: list[int]) -> dict:
        outcome = rng.choices(["issued", "refused", "approved", "withdrawn", "not_accepted"], [70, 8, 7, 10, 5])[0]
        counted = outcome in ("issued", "refused", "approved")
        headline = rng.choice([0, 1, 2, 3, 5, 8, 13, 14, 15, 20, 27, 40]) if counted else None
        period = D(2024, 1, 1) + dt.timedelta(days=rng.randrange(730))
        issued = outcome == "issued"
        return {
            "service_type_id": service.pk, "service_code": service.code, "authority_id": rng.choice(authority_ids),
            "outcome": outcome, "counted": counted, "period_on": period, "decided_on": period if counted else None,
            "headline_days": headline, "acceptance_to_decision": headline,
            "receipt_to_acceptance": rng.choice([0, 1, 2, 5, None]) if counted else None,
            "decision_to_issuance": rng.randrange(0, 9) if issued else None,
            "receipt_to_issuance": headline + rng.randrange(0, 12) if counted else None,
            "paused_days": rng.choice([0, 0, 3, 7]) if counted else 0,
            "extension_days": rng.choice([0, 0, 0, 5, 10]) if counted else 0,
            "correction_rounds": rng.choice([0, 0, 1]), "materials_submitted": rng.randrange(3, 9),
            "commitments_signed": rng.randrange(0, 3), "trips": 0,
            "committed_limit": 14, "statutory_limit": 20,
            "on_time_committed": headline <= 14 if counted else None,
            "on_time_statutory": (headline <= 20 if rng.random() < 0.95 else None) if counted else None,
        }

    def make(n: int, seed: int) -> None:
        rng = random.Random(seed)
        services = list(ServiceType.objects.filter(status="published").order_by("code"))
        authority_ids = list(Authority.objects.order_by("pk").values_list("pk", flat=True))
        serial = itertools.count(1)
        apps = Application.objects.bulk_create([
            Application(case_number=f"R{seed}-{next(serial):06d}", service_type=services[i % len(services)],
                        authority_id=authority_ids[0], applicant=applicant, state=State.ISSUED)
            for i in range(n)])
        rows = []
        for app in apps:
            values = row_values(rng, rng.choice(services), authority_ids)
            rows.append(CaseMetrics(application_id=app.pk, **values))
            rollup.rollup_apply(add=rollup.row_buckets(values))
        CaseMetrics.objects.bulk_create(rows)
        for row in rng.sample(rows, n // 3):
            old = {name: getattr(row, name) for name in rollup.ROW_FIELDS}
            values = row_values(rng, rng.choice(services), authority_ids)
            CaseMetrics.objects.filter(pk=row.pk).update(**values)
            rollup.rollup_apply(remove=rollup.row_buckets(old), add=rollup.row_buckets(values))

    return make


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_figures_equal_the_row_aggregates_on_random_rows(random_cases, seed):
    legacy_cases_import(text=legacy_cohort_csv(seed=seed), file_name="legacy.csv")
    random_cases(400, seed)
    kept = _buckets()
    rollup.rollup_rebuild()
    assert _buckets() == kept
    services = sorted(set(CaseMetrics.objects.values_list("service_code", flat=True)))
    authorities = sorted(set(CaseMetrics.objects.values_list("authority_id", flat=True)))
    months = sorted({d.replace(day=1) for d in CaseMetrics.objects.values_list("period_on", flat=True)})
    for filters in _filter_sets(months=months, services=services, authorities=authorities):
        assert_same_figures(**filters)
    assert any(f["reduction"].get("ci95") for f in selectors.processing_times().values())


def test_a_period_inside_a_month_is_answered_from_the_rows(random_cases):
    random_cases(200, 9)
    filters = {"start": D(2024, 3, 15), "end": D(2024, 9, 30)}
    assert not rollup.answers(**filters)
    assert rollup.answers(start=D(2024, 3, 1), end=D(2024, 2, 29)) and rollup.answers(start=None, end=None)
    with pytest.raises(ValueError):
        selectors.processing_times(**filters, use_rollup=True)
    # Empty the rollup: the default path still answers this period, from the rows.
    expected = selectors.processing_times(**filters, use_rollup=False)
    MetricsRollup.objects.all().delete()
    assert selectors.processing_times(**filters) == expected
    assert selectors.processing_times(start=D(2024, 3, 1), end=D(2024, 9, 30)) == {}  # whole months: rollup


def test_recording_a_case_again_moves_its_buckets(random_cases):
    random_cases(30, 4)
    row = CaseMetrics.objects.filter(counted=True).first()
    before = _buckets()
    old = {name: getattr(row, name) for name in rollup.ROW_FIELDS}
    new = {**old, "headline_days": 77, "period_on": D(2030, 1, 15)}
    rollup.rollup_apply(remove=rollup.row_buckets(old), add=rollup.row_buckets(new))
    after = _buckets()
    key = (row.service_code, row.authority_id, D(2030, 1, 1), "headline_days", 77)
    assert after[key] == 1
    old_key = (row.service_code, row.authority_id, row.period_on.replace(day=1), "headline_days", row.headline_days)
    assert after.get(old_key, 0) == before[old_key] - 1
    assert sum(after.values()) == sum(before.values())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_increments_of_one_bucket_are_not_lost(catalog):
    import threading

    from django.db import transaction

    authority_id = Authority.objects.values_list("pk", flat=True).first()
    bucket = ("lab-animal-use", authority_id, D(2025, 6, 1), "headline_days", 9)
    other = ("lab-animal-use", authority_id, D(2025, 6, 1), "headline_days", 10)
    barrier = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    # half of them move a case from `other` to `bucket` and back, in both orders
                    if i % 2:
                        rollup.rollup_apply(add=[bucket, other])
                    else:
                        rollup.rollup_apply(add=[other, bucket, bucket], remove=[bucket])
        finally:
            connection.close()  # the thread's own connection

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = _buckets()
    assert counts[bucket] == 100 and counts[other] == 100
