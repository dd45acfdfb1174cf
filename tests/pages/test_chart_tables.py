"""Every chart of the supervisor's dashboard has a data table beside it with the same figures, so a
screen reader user (and anyone who cannot read the bars) gets the numbers the chart draws."""

import datetime as dt
import re

import pytest

from licensing import workflow

from .conftest import at, recommend

D = dt.date


@pytest.fixture
def decided(file_application, officers):
    """Two lab animal cases decided after 14 and 18 working days, one after 11 (October 2025)."""
    for accepted, decided_on in ((D(2025, 9, 26), D(2025, 10, 17)), (D(2025, 9, 26), D(2025, 10, 22)),
                                 (D(2025, 9, 29), D(2025, 10, 30))):
        application = file_application(on=D(2025, 9, 25))
        with at(accepted):
            workflow.application_accept(application=application, actor=officers["intake"].user)
        with at(decided_on):
            recommend(application, officers["reviewer"])
            workflow.application_approve(application=application, actor=officers["approver"].user, opinion="同意")


def table_rows(html: str, details_id: str) -> list[list[str]]:
    block = re.search(rf'<details[^>]*id="{details_id}".*?</details>', html, re.S)
    assert block, f"no data table {details_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", block.group(0), re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.mark.django_db
def test_every_dashboard_chart_has_a_data_table_with_its_figures(client, officers, decided):
    client.force_login(officers["supervisor"].user)
    html = client.get("/dashboard/", {"service": "lab-animal-production"}).content.decode()
    charts = re.findall(r'<svg[^>]*class="chart"[^>]*id="([a-z-]+)"', html)
    assert set(charts) == {"chart-distribution", "chart-trend", "chart-on-time", "chart-reduction"}
    tables = set(re.findall(r'<details[^>]*id="(chart-[a-z-]+-data)"', html))
    # The trend and the on-time chart share the monthly table; every other chart has its own.
    assert tables == {"chart-distribution-data", "chart-trend-data", "chart-reduction-data"}

    # The distribution: one row per bar, the days and the count of the bar's own tooltip.
    svg = re.search(r'<svg[^>]*id="chart-distribution".*?</svg>', html, re.S).group(0)
    bars = [(int(d), int(n)) for d, n in re.findall(r"<title>(\d+) 个工作日：(\d+) 件</title>", svg)]
    assert sorted(bars) == [(11, 1), (14, 1), (18, 1)]
    assert [(int(d), int(n)) for d, n in table_rows(html, "chart-distribution-data")] == sorted(bars)

    # The monthly table: October 2025 with its three cases (the trend's "n=3").
    months = table_rows(html, "chart-trend-data")
    assert [row[:2] for row in months if row[1] != "0"] == [["2025-10", "3"]]

    # The comparison: the legacy limit and the median now, as the bars' labels print them.
    comparison = {row[0]: row for row in table_rows(html, "chart-reduction-data")}
    lab = next(row for name, row in comparison.items() if "实验动物" in name)
    reduction_svg = re.search(r'<svg[^>]*id="chart-reduction".*?</svg>', html, re.S).group(0)
    printed = re.findall(r'font-size="11">([\d.]+)</text>', reduction_svg)
    assert lab[1] in printed and float(lab[3]) == 14.0 and "14" in printed
