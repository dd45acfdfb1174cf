"""Per-service figures: SQL percentiles against the reference on both databases, reductions on a
known legacy cohort, the exact bootstrap interval, the CSV import, the API, the exports and the
report command."""

import csv
import datetime as dt
import io
import itertools
import json
import statistics
from collections import Counter, defaultdict

import pytest
from rest_framework.test import APIClient

from django.core.management import call_command

from licensing.metrics import bootstrap, rollup, selectors
from licensing.metrics.figures import histogram_percentile, percentile_cont
from licensing.metrics.models import CaseMetrics, LegacyCase, LegacyImport
from licensing.metrics.services import LegacyImportError, legacy_cases_import
from licensing.models import Application
from services.models import Authority, ServiceType

D = dt.date
DECIDED = D(2025, 6, 16)


@pytest.fixture
def make_cases(applicant):
    """make_cases(service, [headline days...], **fields) → closed cases with stored rows."""
    serial = itertools.count(1)

    def make(service: str, days: list, *, authority: str = "yn-kjt", outcome: str = "issued",
             decided_on: D = DECIDED, **fields):
        service_type = ServiceType.objects.get(code=service, status="published")
        authority_obj = Authority.objects.get(code=authority)
        rows = []
        for value in days:
            number = next(serial)
            application = Application.objects.create(
                case_number=f"T{service[:6]}{number:06d}", service_type=service_type, authority=authority_obj,
                applicant=applicant, state=outcome, received_on=decided_on - dt.timedelta(days=30),
                decided_on=decided_on)
            counted = outcome in ("issued", "approved", "refused")
            rows.append(CaseMetrics(
                application=application, service_type=service_type, service_code=service, authority=authority_obj,
                outcome=outcome, counted=counted, decided_on=decided_on if counted else None,
                period_on=decided_on, headline_days=value if counted else None,
                acceptance_to_decision=value if counted else None,
                receipt_to_acceptance=fields.get("receipt_to_acceptance", 1) if counted else None,
                receipt_to_issuance=(value or 0) + 3 if counted else None,
                committed_limit=service_type.committed_limit, statutory_limit=service_type.statutory_limit,
                on_time_committed=(value <= service_type.committed_limit) if counted else None,
                on_time_statutory=(value <= service_type.statutory_limit) if counted else None,
                paused_days=fields.get("paused_days", 0)))
        CaseMetrics.objects.bulk_create(rows)
        rollup.rollup_rebuild()  # rows written directly, not through case_metrics_record
        return rows

    return make


def supervisor_client(officers):
    client = APIClient()
    client.force_authenticate(officers["supervisor"].user)
    return client


# --- SQL percentiles ----------------------------------------------------------------------------

@pytest.mark.parametrize("values", [[5], [3, 9], [4, 4, 7, 19, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30],
                                    [12, 3, 3, 3, 8, 21, 14, 9, 9, 6, 2, 17]])
def test_sql_percentiles_match_percentile_cont(catalog, make_cases, values):
    make_cases("lab-animal-use", values)
    figures = selectors.processing_times(service="lab-animal-use")["lab-animal-use"]
    assert figures["count"] == len(values)
    assert figures["median"] == pytest.approx(percentile_cont(values, 0.5), abs=0.005)
    assert figures["p90"] == pytest.approx(percentile_cont(values, 0.9), abs=0.005)
    assert figures["mean"] == pytest.approx(statistics.mean(values), abs=0.005)
    assert figures["max"] == max(values)


def test_window_function_fallback_agrees_with_the_native_percentiles(catalog, make_cases):
    """The SQLite path runs on PostgreSQL too: both must give percentile_cont."""
    make_cases("lab-animal-use", [4, 4, 7, 19, 2, 11])
    make_cases("lab-animal-production", [9, 13, 6, 6])
    by_month = {"service_code": "service_code"}
    fallback = selectors._window_percentiles(CaseMetrics.objects.filter(counted=True), by_month,
                                             ["headline_days", "receipt_to_issuance"], (0.5, 0.9))
    assert fallback[("lab-animal-use",)]["headline_days:0.5"] == pytest.approx(5.5)
    assert fallback[("lab-animal-use",)]["headline_days:0.9"] == pytest.approx(15.0)
    assert fallback[("lab-animal-production",)]["receipt_to_issuance:0.5"] == pytest.approx(10.5)
    native = selectors.processing_times()
    assert native["lab-animal-use"]["median"] == pytest.approx(5.5)
    assert native["lab-animal-production"]["p90"] == pytest.approx(percentile_cont([9, 13, 6, 6], 0.9))


def test_aggregates_never_load_the_rows(catalog, make_cases, django_assert_max_num_queries):
    make_cases("lab-animal-use", list(range(1, 200)))
    with django_assert_max_num_queries(25):
        figures = selectors.processing_times()
    assert figures["lab-animal-use"]["count"] == 199


def test_uncounted_cases_are_reported_apart(catalog, make_cases):
    make_cases("lab-animal-use", [10, 12])
    make_cases("lab-animal-use", [None], outcome="withdrawn")
    make_cases("lab-animal-use", [None, None], outcome="not_accepted")
    figures = selectors.processing_times()["lab-animal-use"]
    assert figures["count"] == 2 and figures["median"] == 11
    assert figures["not_counted"] == {"withdrawn": 1, "not_accepted": 2}


def test_filters_by_period_and_authority(catalog, make_cases):
    make_cases("lab-animal-use", [5, 7], decided_on=D(2025, 3, 3))
    make_cases("lab-animal-use", [20], decided_on=D(2025, 9, 1))
    make_cases("lab-animal-use", [9], authority="km-kjj", decided_on=D(2025, 3, 5))
    spring = selectors.processing_times(start=D(2025, 3, 1), end=D(2025, 3, 31))["lab-animal-use"]
    assert spring["count"] == 3 and spring["max"] == 9
    kunming = Authority.objects.get(code="km-kjj").pk
    assert selectors.processing_times(authority=kunming)["lab-animal-use"]["count"] == 1
    months = selectors.processing_times_by_month(service="lab-animal-use")["lab-animal-use"]
    assert [(m["month"], m["count"], m["median"]) for m in months] == [("2025-03", 3, 7), ("2025-09", 1, 20)]


# --- reductions and the legacy cohort ---------------------------------------------------------

LEGACY_CSV = """service,received_on,decided_on,materials_count,paused_days,case_ref
lab-animal-use,2022-03-01,2022-05-31,11,0,A1
lab-animal-use,2022-03-01,2022-05-31,11,4,A2
lab-animal-use,2022-04-06,2022-06-30,12,10,A3
"""


def test_legacy_import_computes_working_days_on_the_official_calendar(catalog):
    result = legacy_cases_import(text=LEGACY_CSV, file_name="cohort.csv")
    assert result.rows == 3 and result.per_service == {"lab-animal-use": 3}
    rows = {c.case_ref: c for c in LegacyCase.objects.all()}
    # (1 Mar, 31 May 2022]: March 22; April 21 weekdays − Qingming 4, 5 Apr + Saturday 2 Apr and Sunday
    # 24 Apr worked = 21; May 22 − Labour Day 2–4 May + Saturday 7 May = 20. 63, less 0 / 4 paused.
    assert rows["A1"].working_days == 63 and rows["A2"].working_days == 59
    # (6 Apr, 30 Jun]: 7–29 Apr 17 + Sunday 24 Apr = 18; May 20; June 22 − Dragon Boat 3 Jun = 21. 59 − 10.
    assert rows["A3"].working_days == 49
    again = legacy_cases_import(text=LEGACY_CSV, file_name="cohort.csv")
    assert again.already_imported and LegacyCase.objects.count() == 3


def test_reductions_against_the_limit_and_the_measured_cohort(catalog, make_cases):
    legacy_cases_import(text=LEGACY_CSV, file_name="cohort.csv")
    make_cases("lab-animal-use", [8, 10, 12, 14])
    figures = selectors.processing_times()["lab-animal-use"]
    assert figures["baseline"]["legacy_limit"] == 63
    # mean 11, median 11: 1 − 11/63.
    assert figures["reduction"]["vs_legacy_limit"] == {"mean": round(1 - 11 / 63, 4), "median": round(1 - 11 / 63, 4)}
    measured = figures["baseline"]["measured"]
    assert (measured["count"], measured["median"], measured["mean"]) == (3, 59, 57)  # 63, 59, 49
    assert figures["reduction"]["vs_measured"] == {"mean": round(1 - 11 / 57, 4), "median": round(1 - 11 / 59, 4)}
    ci = figures["reduction"]["ci95"]
    assert ci["low"] <= figures["reduction"]["vs_measured"]["median"] <= ci["high"]
    # Lab animal use: 11 legacy items, 6 uploaded now.
    assert figures["materials"] == {"legacy": 11, "current": 6, "reduction": round(1 - 6 / 11, 4)}


def test_one_stop_baseline_is_the_two_permits_in_series(catalog, make_cases):
    text = "service,received_on,decided_on,materials_count\n" + "".join(
        f"foreign-work-permit,2022-03-0{d},2022-03-{d + 14},11\nforeign-residence-permit,2022-03-0{d},"
        f"2022-03-{d + 21},6\n" for d in (1, 2, 3))
    legacy_cases_import(text=text, file_name="permits.csv")
    make_cases("foreign-talent-one-stop", [6, 8, 10])
    figures = selectors.processing_times(service="foreign-talent-one-stop")["foreign-talent-one-stop"]
    assert figures["baseline"]["legacy_limit"] == 25  # 10 + 15 working days in series
    assert figures["reduction"]["vs_legacy_limit"]["median"] == round(1 - 8 / 25, 4)
    measured = figures["baseline"]["measured"]
    assert measured["source"] == "components_in_series"
    permit = statistics.median(LegacyCase.objects.filter(service_code="foreign-work-permit")
                               .values_list("working_days", flat=True))
    residence = statistics.median(LegacyCase.objects.filter(service_code="foreign-residence-permit")
                                  .values_list("working_days", flat=True))
    assert measured["median"] == permit + residence
    assert "ci95" in figures["reduction"]
    # Materials: the two separate checklists (8 + 4) against the one-stop's 7.
    assert figures["materials"] == {"legacy": 12, "current": 7, "reduction": round(1 - 7 / 12, 4)}


# --- the bootstrap --------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [[3, 5, 5, 8, 13, 13], [1, 2, 2, 4, 9], [7, 7, 7, 7, 2, 11],
                                  [4, 10, 10, 10, 10, 12, 1]])
def test_exact_bootstrap_median_distribution_matches_enumeration(data):
    brute = defaultdict(float)
    n = len(data)
    for resample in itertools.product(data, repeat=n):
        brute[float(statistics.median(resample))] += 1 / n**n
    exact = bootstrap.median_distribution(Counter(data))
    assert set(exact) == set(brute)
    assert all(exact[k] == pytest.approx(brute[k], abs=1e-9) for k in brute)


def test_bootstrap_interval_on_a_known_cohort():
    # Legacy cohort 50, 60, 60: a resample's median is 50 when two or three draws are 50,
    # P = 3·(1/3)²·(2/3) + (1/3)³ = 7/27, else 60 (20/27). Current 10, 14, 14: 10 w.p. 7/27, 14 w.p. 20/27.
    # Reductions 1 − c/b: 0.72 (14/50, P 140/729), 0.7667 (14/60, 400/729), 0.8 (10/50, 49/729),
    # 0.8333 (10/60, 140/729); cumulative 0.19, 0.74, 0.81, 1: the 2.5 % and 97.5 % points are 0.72, 0.8333.
    low, high = bootstrap.median_reduction_ci(Counter({10: 1, 14: 2}), [Counter({50: 1, 60: 2})])
    assert (low, high) == (pytest.approx(1 - 14 / 50), pytest.approx(1 - 10 / 60))
    # A constant current time against that cohort: 1 − 12/50 (P 7/27) and 1 − 12/60.
    assert bootstrap.median_reduction_ci(Counter({12: 9}), [Counter({50: 1, 60: 2})]) == (
        pytest.approx(0.76), pytest.approx(0.8))
    current, legacy = Counter({10: 40, 11: 20, 12: 40}), Counter({50: 30, 55: 41, 60: 30})
    low, high = bootstrap.median_reduction_ci(current, [legacy])
    assert low < 1 - 11 / 55 < high
    assert bootstrap.median_reduction_ci(current, [legacy]) == (low, high)  # reproducible to the last digit


def test_bootstrap_interval_agrees_with_resampling():
    import random

    rng = random.Random(11)
    current = [rng.randint(4, 16) for _ in range(61)]
    legacy = [rng.randint(40, 70) for _ in range(36)]
    exact = bootstrap.median_reduction_ci(Counter(current), [Counter(legacy)])
    estimates = sorted(1 - statistics.median(rng.choices(current, k=61)) / statistics.median(rng.choices(legacy, k=36))
                       for _ in range(4000))
    assert exact[0] == pytest.approx(estimates[100], abs=0.02)
    assert exact[1] == pytest.approx(estimates[3899], abs=0.02)


def test_bootstrap_handles_a_million_cases_quickly():
    import time

    big = Counter({d: 10_000 * (1 + d % 5) for d in range(60)})
    started = time.perf_counter()
    low, high = bootstrap.median_reduction_ci(big, [Counter({55: 20, 60: 21})])
    assert time.perf_counter() - started < 1.0
    assert low <= 1 - histogram_percentile(big, 0.5) / 60 and high >= 1 - histogram_percentile(big, 0.5) / 55


# --- CSV import errors -----------------------------------------------------------------------------

def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_is_imported(catalog):
    text = ("service,received_on,decided_on,materials_count,paused_days\n"
            "lab-animal-use,2022-03-01,2022-05-31,11,0\n"
            "lab-animal-usage,2022-03-01,2022-05-31,11,0\n"
            "lab-animal-use,2022-13-01,2022-05-31,11,0\n"
            "lab-animal-use,2022-06-01,2022-05-31,eleven,0\n"
            "lab-animal-use,2022-03-01,2022-03-04,11,9\n")
    with pytest.raises(LegacyImportError) as failure:
        legacy_cases_import(text=text, file_name="bad.csv")
    lines = [line for line, _message in failure.value.errors]
    assert lines == [3, 4, 5, 5, 6]
    messages = dict(failure.value.errors)
    assert "unknown service" in messages[3] and "received_on" in messages[4]
    assert "exceeds" in messages[6]
    assert LegacyCase.objects.count() == 0 and LegacyImport.objects.count() == 0


def test_import_command_reports_errors_and_imports_good_files(catalog, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("service,received_on\nlab-animal-use,2022-03-01\n", encoding="utf-8")
    errors = io.StringIO()
    with pytest.raises(Exception, match="nothing imported"):
        call_command("import_legacy_cases", str(bad), stderr=errors)
    assert "line 1: missing column(s): decided_on, materials_count" in errors.getvalue()
    good = tmp_path / "good.csv"
    good.write_text("\ufeff" + LEGACY_CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("import_legacy_cases", str(good), stdout=out)
    assert "imported 3 legacy cases" in out.getvalue()
    call_command("import_legacy_cases", str(good), stdout=out)
    assert "already imported" in out.getvalue() and LegacyCase.objects.count() == 3
    call_command("import_legacy_cases", str(good), "--replace", stdout=out)
    assert LegacyCase.objects.count() == 3


# --- API, exports, report --------------------------------------------------------------------------

def test_api_processing_times_has_the_contract_shape(officers, make_cases):
    legacy_cases_import(text=LEGACY_CSV, file_name="cohort.csv")
    make_cases("lab-animal-use", [8, 10, 12, 14])
    response = supervisor_client(officers).get("/api/v1/metrics/processing-times/",
                                               {"service": "lab-animal-use", "start": "2025-01-01",
                                                "end": "2025-12-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    figures = body["services"]["lab-animal-use"]
    for key in ("count", "mean", "median", "p90", "max", "on_time_committed", "on_time_statutory", "paused_mean",
                "baseline", "reduction", "materials"):
        assert key in figures
    assert set(figures["baseline"]) == {"legacy_limit", "measured"}
    assert set(figures["reduction"]) == {"vs_legacy_limit", "vs_measured", "ci95"}
    assert set(figures["materials"]) == {"legacy", "current", "reduction"}
    assert figures["count"] == 4 and figures["median"] == 11 and figures["on_time_committed"] == 1.0


def test_api_is_for_supervisors_only(officers, applicant):
    for user in (officers["reviewer"].user, applicant.user):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get("/api/v1/metrics/processing-times/").status_code == 403
        assert client.get("/api/v1/metrics/cases/").status_code == 403
    assert APIClient().get("/api/v1/metrics/cases/").status_code in (401, 403)


def test_api_rejects_bad_filters(officers):
    client = supervisor_client(officers)
    assert client.get("/api/v1/metrics/processing-times/", {"start": "2025-13-01"}).status_code == 400
    response = client.get("/api/v1/metrics/processing-times/", {"start": "2025-06-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "end" in response.json()
    # The exit-entry bureau is outside the provincial S&T supervisor's scope.
    response = client.get("/api/v1/metrics/processing-times/", {"authority": "yn-crj"})
    assert response.status_code == 400 and "authority" in response.json()


def test_api_cases_are_paginated_and_scoped(officers, make_cases):
    make_cases("lab-animal-use", list(range(1, 61)))
    make_cases("lab-animal-use", [7], authority="km-kjj")
    make_cases("foreign-residence-permit", [5], authority="yn-crj")
    client = supervisor_client(officers)
    first = client.get("/api/v1/metrics/cases/").json()
    assert first["count"] == 61 and len(first["results"]) == 50 and first["next"]
    row = first["results"][0]
    assert {"case_number", "service", "headline_days", "acceptance_to_decision", "paused_days", "trips",
            "on_time_committed", "materials_submitted"} <= set(row)
    exit_entry = APIClient()
    exit_entry.force_authenticate(officers["crj"].user)
    assert exit_entry.get("/api/v1/metrics/cases/").json()["count"] == 1


def test_csv_export_from_the_api_agrees_with_the_json(officers, make_cases):
    make_cases("lab-animal-use", [8, 10, 12, 14])
    client = supervisor_client(officers)
    figures = client.get("/api/v1/metrics/processing-times/").json()["services"]["lab-animal-use"]
    response = client.get("/api/v1/metrics/processing-times/", {"format": "csv", "lang": "en"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["Service code"] == "lab-animal-use")
    assert float(row["Median processing time (WD)"]) == figures["median"]
    assert float(row["Reduction vs legacy limit (median)"]) == figures["reduction"]["vs_legacy_limit"]["median"]
    zh = client.get("/api/v1/metrics/processing-times/", {"format": "csv"}).content.decode("utf-8-sig")
    assert zh.splitlines()[0].startswith("事项代码,事项,已决定件数")


def test_xlsx_exports_open_and_hold_the_numbers(officers, make_cases):
    from openpyxl import load_workbook

    make_cases("lab-animal-use", [8, 10, 12, 14])
    client = supervisor_client(officers)
    response = client.get("/api/v1/metrics/processing-times/", {"format": "xlsx", "lang": "en"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["Service code"] == "lab-animal-use" and values["Cases decided"] == 4
    assert values["Median processing time (WD)"] == 11 and values["Legacy limit (WD)"] == 63
    assert values["Reduction vs legacy limit (median)"] == pytest.approx(round(1 - 11 / 63, 4))
    assert sheet.cell(row=2, column=header.index("On time, committed limit") + 1).number_format == "0.0%"
    cases = load_workbook(io.BytesIO(client.get("/api/v1/metrics/cases/", {"format": "xlsx"}).content)).active
    assert cases.max_row == 5 and cases["A1"].value == "办件编号"
    headline = [c.value for c in cases[1]].index("办理时长（工作日）")
    assert sorted(row[headline].value for row in cases.iter_rows(min_row=2)) == [8, 10, 12, 14]


def test_dashboard_exports_use_its_filters(officers, make_cases, client):
    make_cases("lab-animal-use", [8, 10])
    make_cases("lab-animal-production", [5])
    client.force_login(officers["supervisor"].user)
    response = client.get("/dashboard/export/cases.csv", {"service": "lab-animal-production", "lang": "en"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Service code"] for r in rows] == ["lab-animal-production"]
    assert rows[0]["Processing time (WD)"] == "5" and rows[0]["Trips"] == "0"
    assert client.get("/dashboard/export/services.pdf").status_code == 404


def test_report_command_prints_the_same_numbers(catalog, make_cases):
    make_cases("lab-animal-use", [8, 10, 12, 14])
    out = io.StringIO()
    call_command("metrics_report", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())["services"]["lab-animal-use"]
    assert report == json.loads(json.dumps(selectors.processing_times()["lab-animal-use"]))
    table = io.StringIO()
    call_command("metrics_report", "--service", "lab-animal-use", stdout=table)
    assert "lab-animal-use" in table.getvalue() and "82.5%" in table.getvalue()  # 1 − 11/63
    rows = io.StringIO()
    call_command("metrics_report", "--format", "csv", stdout=rows)
    assert rows.getvalue().splitlines()[0].startswith("Service code,Service,Cases decided")

