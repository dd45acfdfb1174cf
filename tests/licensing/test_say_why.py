"""Say why: an act the user would expect and cannot take is explained with who acts next; the
applicant reads what happens next in words, not a status code; the query password is on the
printable receipt once; badges and colours have legends; the board and the dashboard name their
scope and agree on the same scope; the dashboard links only cases the supervisor may open."""

import datetime as dt
import re

import pytest

from django.urls import reverse

from licensing import workflow
from services.models import Authority

from .conftest import at, lab_data, recommend

D = dt.date


def tracks_of(joint):
    return {t.service_type.code: t for t in joint.tracks.all()}


def test_residence_approver_reads_why_and_that_the_work_permit_decides_first(client, officers, file_application):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    tracks = tracks_of(joint)
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=tracks["foreign-work-permit"], actor=officers["intake"].user)
        workflow.application_accept(application=tracks["foreign-residence-permit"], actor=officers["crj"].user)
    with at(D(2025, 9, 30)):
        recommend(tracks["foreign-residence-permit"], officers["crj"])
        client.force_login(officers["crj_approver"].user)
        page = client.get(reverse("workbench-case", args=[tracks["foreign-residence-permit"].pk])).content.decode()
    assert "/approve/" not in page
    unavailable = re.search(r'id="unavailable-approve">(.*?)</div>', page, re.S).group(1)
    assert "外国人来华工作许可" in unavailable
    waiting = re.search(r'id="waiting-on">(.*?)</p>', page, re.S).group(1)
    science = Authority.objects.get(code="yn-kjt").name_zh
    assert "等待外国人来华工作许可决定" in waiting and science in waiting

    # Once the work permit is approved the residence approver may decide: no more waiting for it.
    with at(D(2025, 10, 9)):
        recommend(tracks["foreign-work-permit"], officers["reviewer"])
        workflow.application_approve(application=tracks["foreign-work-permit"], actor=officers["approver"].user,
                                     opinion="同意")
        page = client.get(reverse("workbench-case", args=[tracks["foreign-residence-permit"].pk])).content.decode()
    assert "/approve/" in page and 'id="unavailable-approve"' not in page
    assert "等待审批人决定" in re.search(r'id="waiting-on">(.*?)</p>', page, re.S).group(1)


def test_every_officer_reads_who_acts_next(client, officers, file_application):
    app = file_application()
    url = reverse("workbench-case", args=[app.pk])

    def waiting(who: str) -> str:
        client.force_login(officers[who].user)
        page = client.get(url).content.decode()
        return re.search(r'id="waiting-on">(.*?)</p>', page, re.S).group(1)

    with at(D(2025, 9, 29)):
        assert "等待受理人员" in waiting("reviewer")
        workflow.application_accept(application=app, actor=officers["intake"].user)
        assert "等待承办人" in waiting("approver")
        recommend(app, officers["reviewer"])
        assert "等待审批人决定" in waiting("reviewer") and "等待审批人决定" in waiting("intake")
        client.force_login(officers["reviewer"].user)
        page = client.get(url).content.decode()
        assert 'id="unavailable-recommend"' in page  # the opinion is given: says so, not gone silently


def test_applicant_reads_the_next_step_and_no_status_code(client, officers, file_application):
    app = file_application()
    client.force_login(app.applicant.user)
    with at(D(2025, 9, 26)):
        page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert "状态码" not in page
    step = re.search(r'aria-labelledby="next-step-title">(.*?)</section>', page, re.S).group(1)
    assert app.authority.name_zh in step and "个工作日内受理" in step
    with at(D(2025, 9, 29)):
        workflow.application_request_correction(application=app, actor=officers["intake"].user,
                                                items=[{"material": "data", "field": "contact_phone",
                                                        "reason": "电话号码有误"}])
        page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert "您（申请人）" in re.search(r'aria-labelledby="next-step-title">(.*?)</section>', page, re.S).group(1)

    # The officer keeps the national code, labelled as such.
    app.refresh_from_db()
    client.force_login(officers["intake"].user)
    with at(D(2025, 9, 29)):
        officer_page = client.get(reverse("workbench-case", args=[app.pk])).content.decode()
    if app.status_code:
        assert f"国家标准状态码 {app.status_code}" in officer_page


def test_the_receipt_prints_the_password_once_and_the_status_page_says_where_it_is(client, applicant,
                                                                                   file_application):
    app = file_application(submit=False)
    client.force_login(applicant.user)
    with at(D(2025, 9, 26)):
        response = client.post(reverse("application-check", args=[app.pk]), {"declaration": "on"})
        assert response.status_code == 302, response.content.decode()[:2000]
        first = client.get(reverse("application-submitted", args=[app.pk])).content.decode()
        again = client.get(reverse("application-submitted", args=[app.pk])).content.decode()
    receipt = re.search(r'<section class="panel password-panel receipt[^"]*" id="receipt".*?</section>', first,
                        re.S).group(0)
    password = re.search(r'id="status-password">(\d{8})<', receipt).group(1)
    assert app.case_number in receipt and "2025-09-26" in receipt and "打印" in receipt
    app.refresh_from_db()
    assert password not in (app.status_password_hash or "")  # only its hash is stored
    assert workflow.status_password_check(app, password)
    assert 'id="receipt"' not in again and password not in again

    status = client.get(reverse("status-query")).content.decode()
    where = re.search(r'id="password-where">(.*?)</p>', status, re.S).group(1)
    assert "收件回执" in where and "只在提交时显示这一次" in where
    result = client.post(reverse("status-query"), {"case_number": app.case_number, "password": password})
    assert result.status_code == 200 and "状态码" not in result.content.decode()


def _red(file_application, officers, *, city: str | None = None):
    app = file_application(on=D(2025, 9, 25), data=lab_data(city=city) if city else None)
    intake = officers["km_intake"] if city == "昆明市" else officers["intake"]
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=intake.user)
    return app


@pytest.fixture
def red_cases(file_application, officers):
    """Two red cases of the province's science department, one of the Kunming bureau below it."""
    own = [_red(file_application, officers), _red(file_application, officers)]
    kunming = _red(file_application, officers, city="昆明市")
    assert kunming.authority.code == "km-kjj" and kunming.authority.parent.code == "yn-kjt"
    return own, kunming


def test_board_and_dashboard_name_their_scope_and_agree_on_the_same_one(client, officers, red_cases):
    own, kunming = red_cases
    client.force_login(officers["supervisor"].user)
    with at(D(2025, 10, 24)):  # committed due 22 Oct: red
        board = client.get(reverse("board"))
        everything = client.get(reverse("metrics-dashboard"))
        own_only = client.get(reverse("metrics-dashboard"), {"authority": "yn-kjt"})
        below = client.get(reverse("metrics-dashboard"), {"authority": "km-kjj"})
    science = Authority.objects.get(code="yn-kjt").name_zh
    assert board.context["counts"]["red"] == 2
    assert f"本机关：{science}" in re.search(r'id="board-scope">(.*?)</p>', board.content.decode(), re.S).group(1)

    assert everything.context["board_counts"]["red"] == 3
    assert everything.context["board_scope"]["all"]
    assert "全部机关" in re.search(r'id="board-scope">(.*?)</p>', everything.content.decode(), re.S).group(1)
    per_authority = {row["name"]: row["red"] for row in everything.context["board_per_authority"]}
    assert per_authority == {science: 2, kunming.authority.name_zh: 1}

    # The same scope, the same count.
    assert own_only.context["board_scope"]["own"]
    assert own_only.context["board_counts"] == board.context["counts"]
    assert below.context["board_counts"]["red"] == 1

    # Every case is listed; only those the supervisor may open are links (the Kunming one is not).
    html = everything.content.decode()
    for app in own:
        assert f'href="{reverse("workbench-case", args=[app.pk])}"' in html
    assert kunming.case_number in html
    assert f'href="{reverse("workbench-case", args=[kunming.pk])}"' not in html
    assert client.get(reverse("workbench-case", args=[kunming.pk])).status_code == 404  # so no dead link


def test_queue_board_and_dashboard_explain_colours_and_categories(client, officers, file_application):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    assert tracks_of(joint)["foreign-work-permit"].category == "A"
    client.force_login(officers["intake"].user)
    with at(D(2025, 9, 26)):
        queue = client.get(reverse("workbench")).content.decode()
    assert "legend-colours" in queue and "红牌超期" in queue and "已超过当前环节期限" in queue
    categories = re.search(r'class="hint legend-categories">(.*?)</p>', queue, re.S).group(1)
    assert all(name in categories for name in ("外国高端人才", "外国专业人才", "其他外国人员"))
    assert 'title="外国高端人才"' in queue  # the badge itself
    client.force_login(officers["supervisor"].user)
    with at(D(2025, 9, 26)):
        for url in (reverse("board"), reverse("metrics-dashboard")):
            assert "legend-colours" in client.get(url).content.decode()


def test_legends_and_next_steps_in_english(client, officers, file_application):
    app = file_application()
    client.force_login(app.applicant.user)
    with at(D(2025, 9, 26)):
        page = client.get(reverse("application-detail", args=[app.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    step = re.search(r'aria-labelledby="next-step-title">(.*?)</section>', page, re.S).group(1)
    assert app.authority.name_en in step


def test_every_month_of_the_period_is_listed_empty_ones_included():
    from licensing.metrics.views import every_month

    october = {"month": "2025-10", "count": 2, "mean": 12.0, "median": 12.0, "p90": 14.0, "max": 14,
               "on_time_committed": 1.0, "on_time_statutory": 1.0}
    january = {**october, "month": "2026-01", "count": 1}
    months = every_month([october, january])
    assert [m["month"] for m in months] == ["2025-10", "2025-11", "2025-12", "2026-01"]
    assert [m["count"] for m in months] == [2, 0, 0, 1] and months[1]["median"] is None
    framed = every_month([october], D(2025, 9, 15), D(2025, 11, 3))
    assert [m["month"] for m in framed] == ["2025-09", "2025-10", "2025-11"]
    assert every_month([]) == []


def test_charts_show_an_empty_month_as_a_labelled_gap():
    from licensing.metrics import charts
    from licensing.metrics.views import every_month

    full = {"count": 3, "mean": 10.0, "median": 10.0, "p90": 12.0, "max": 12, "on_time_committed": 1.0,
            "on_time_statutory": 1.0}
    months = every_month([{**full, "month": "2025-09"}, {**full, "month": "2025-11"}])
    trend = str(charts.trend("t", months, committed=20))
    assert trend.count('class="bar"') == 2 and trend.count('class="empty-month"') == 1
    assert ">25-10<" in trend and "n=0" in trend and "2025-10" in trend
    on_time = str(charts.on_time("o", months))
    # Two lines per rate (September, November), broken at October: four polylines, none across the gap.
    assert on_time.count("<polyline") == 4 and ">25-10<" in on_time


def test_dashboard_trend_keeps_the_months_without_decisions(client, officers, file_application):
    app = file_application(on=D(2025, 9, 25))
    with at(D(2025, 9, 26)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    with at(D(2025, 10, 17)):
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    client.force_login(officers["supervisor"].user)
    with at(D(2025, 12, 1)):
        response = client.get(reverse("metrics-dashboard"), {"service": "lab-animal-production",
                                                              "start": "2025-09-01", "end": "2025-11-30"})
    focus = response.context["focus"]
    assert [m["month"] for m in focus["months"]] == ["2025-09", "2025-10", "2025-11"]
    assert [m["count"] for m in focus["months"]] == [0, 1, 0]
    assert str(focus["trend"]).count('class="empty-month"') == 2
    table = re.search(r'id="chart-trend-data">(.*?)</details>', response.content.decode(), re.S).group(1)
    assert "<td>2025-11</td>" in table and "<td>2025-09</td>" in table
