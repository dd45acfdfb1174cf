"""The officers' queues by keyset: following `next` (and `previous` back) visits every actionable case
once in queue order, with ties on a due date and cases without one; no page counts the whole queue;
a page's rows equal the list rows of summary_payload while costing a fixed number of queries; each
role's queue has its partial index."""

import datetime as dt
import itertools
import random

import pytest
import time_machine
from rest_framework.test import APIClient

from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing import queues, selectors
from licensing.api.serializers import summary_payload
from licensing.constants import Stage, State
from licensing.models import QUEUE_INDEXES, Application, ClockPause
from services.models import Authority, ServiceType

D = dt.date
TODAY = D(2025, 10, 9)  # the Thursday after the National Day week (Saturday 11 October is worked)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 10, 9, 10, 0).astimezone(dt.UTC), tick=False):
        yield


@pytest.fixture
def make_queue(applicant, officers):
    """make(n, state=…, seed=…) → n cases of the provincial department in `state`; due dates drawn
    from a few days (many ties), a tenth without a due date; paused cases with their pauses."""
    serial = itertools.count(1)

    def make(n: int, *, state: str = State.SUBMITTED, stage: str = "", seed: int = 1) -> list[Application]:
        rng = random.Random(seed)
        service = ServiceType.objects.get(code="lab-animal-production", status="published")
        authority = Authority.objects.get(code="yn-kjt")
        rows = []
        for _ in range(n):
            due = None if rng.random() < 0.1 or state == State.PAUSED else TODAY + dt.timedelta(days=rng.randint(-6, 6))
            rows.append(Application(
                case_number=f"Q{next(serial):07d}-{seed}", service_type=service, authority=authority,
                applicant=applicant, state=state, stage=stage, received_on=D(2025, 9, 1),
                accepted_on=D(2025, 9, 5) if state != State.SUBMITTED else None,
                current_due=due, yellow_from=due - dt.timedelta(days=2) if due else None))
        created = Application.objects.bulk_create(rows)
        if state == State.PAUSED:
            ClockPause.objects.bulk_create([
                ClockPause(application=a, kind="site_inspection", reason="现场核查", expected_days=5,
                           started_on=D(2025, 9, 19), started_at=dt.datetime(2025, 9, 19, 2, 0, tzinfo=dt.UTC),
                           started_by=officers["reviewer"].user,
                           ended_on=D(2025, 9, 24) if i % 2 else None,
                           ended_at=dt.datetime(2025, 9, 24, 2, 0, tzinfo=dt.UTC) if i % 2 else None)
                for i, a in enumerate(created)])
        return created

    return make


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def queue_order(ids) -> list[int]:
    rows = Application.objects.filter(pk__in=ids).values_list("current_due", "pk")
    return [pk for due, pk in sorted(rows, key=lambda r: (r[0] is None, r[0] or D.min, r[1]))]


def test_next_links_visit_every_case_once_in_queue_order_and_previous_goes_back(officers, make_queue, frozen):
    cases = make_queue(137)
    client = api(officers["intake"].user)
    pages, url = [], "/api/v1/queue/"
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    assert [len(p) for p in pages] == [50, 50, 37]
    assert [pk for page in pages for pk in page] == queue_order([a.pk for a in cases])
    # Back from the last page through `previous`: the same pages, then no previous on the first.
    body = client.get(client.get(client.get("/api/v1/queue/").json()["next"]).json()["next"]).json()
    back = client.get(body["previous"]).json()
    assert [row["id"] for row in back["results"]] == pages[1]
    first = client.get(back["previous"]).json()
    assert [row["id"] for row in first["results"]] == pages[0] and first["previous"] is None


@pytest.mark.parametrize("size", [1, 3, 7])
def test_keyset_pages_of_any_size_walk_both_ways(officers, make_queue, size, frozen):
    make_queue(40, seed=size)
    make_queue(9, state=State.PAUSED, seed=size)  # no due date: after every dated case
    queue = selectors.queue_for_officer(user=officers["supervisor"].user, on=TODAY)
    expected = list(queue.values_list("pk", flat=True))
    seen, page = [], queues.queue_page(queue, size=size)
    while True:
        seen += [row["id"] for row in page.rows]
        if not page.next:
            break
        page = queues.queue_page(queue, cursor=page.next, size=size)
    assert seen == expected
    back = []
    while page.previous:
        page = queues.queue_page(queue, cursor=page.previous, size=size)
        back = [row["id"] for row in page.rows] + back
    assert back == expected[: len(back)] and len(back) >= len(expected) - size


def test_no_page_counts_the_queue(officers, make_queue, frozen):
    make_queue(120)
    client = api(officers["intake"].user)
    url, pages = "/api/v1/queue/", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        assert body["count"] is None or not body["next"] and pages == 0
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        url, pages = body["next"], pages + 1
    assert pages == 3


def test_the_workbench_counts_at_most_a_thousand(client, officers, make_queue, frozen):
    make_queue(1003)
    client.force_login(officers["intake"].user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/workbench/").content.decode()
    assert "1000 件以上" in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()
              and "licensing_application" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0].upper()


def test_a_queue_on_one_page_is_counted_exactly(officers, make_queue, frozen):
    make_queue(3)
    body = api(officers["intake"].user).get("/api/v1/queue/").json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None


def test_rows_equal_summary_payload_with_a_fixed_number_of_queries(officers, make_queue, frozen,
                                                                   django_assert_max_num_queries):
    make_queue(30, state=State.IN_REVIEW, stage=Stage.HANDLING, seed=2)
    make_queue(20, state=State.PAUSED, seed=3)
    queue = selectors.queue_for_officer(user=officers["reviewer"].user, on=TODAY)
    page = queues.queue_page(queue)
    rows = queues.queue_rows(page.rows, on=TODAY)
    paused = [r for r in rows if r["state"] == State.PAUSED]
    assert len(rows) == 50 and len(paused) == 20 and all(r["remaining_working_days"] is not None for r in paused)
    assert rows == [summary_payload(Application.objects.get(pk=r["id"]), on=TODAY) for r in page.rows]
    # The whole request: officer and roles, the page, the paused cases and their pauses.
    client = api(officers["reviewer"].user)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/queue/").json()
    assert len(body["results"]) == 50


def test_bad_cursor_and_page_numbers_are_field_errors(officers, make_queue, frozen):
    make_queue(2)
    client = api(officers["intake"].user)
    for params, field in (({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "fHx8fA"}, "cursor"),
                          ({"page": "2"}, "page")):
        response = client.get("/api/v1/queue/", params)
        assert response.status_code == 400 and response.json()[field], params


def test_workbench_page_shows_more_and_follows_the_cursor(client, officers, make_queue, frozen):
    cases = make_queue(60)
    client.force_login(officers["intake"].user)
    html = client.get("/workbench/").content.decode()
    assert "共 60 件" in html and 'rel="next"' in html and 'rel="prev"' not in html
    cursor = html.split('rel="next" href="?cursor=')[1].split('"')[0]
    second = client.get("/workbench/", {"cursor": cursor})
    shown = [row["id"] for row in second.context["rows"]]
    assert shown == queue_order([a.pk for a in cases])[50:]
    assert 'rel="prev"' in second.content.decode()


def test_each_role_queue_has_its_partial_index():
    assert selectors.ROLE_WORK["intake"] == QUEUE_INDEXES["intake"]
    assert selectors.ROLE_WORK["reviewer"] == QUEUE_INDEXES["review"]
    assert selectors.ROLE_WORK["approver"] == QUEUE_INDEXES["decide"]
    assert selectors.ROLE_WORK["legal_reviewer"] == QUEUE_INDEXES["legal"]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("user, index", [("intake", "app_intake_queue_idx"), ("reviewer", "app_review_queue_idx"),
                                         ("approver", "app_decide_queue_idx"), ("legal", "app_legal_queue_idx")])
def test_a_queue_page_is_a_scan_of_its_partial_index(officers, make_queue, user, index, frozen):
    make_queue(5)
    queue = selectors.queue_for_officer(user=officers[user].user, on=TODAY)
    after = queues.QueuePosition(TODAY, 1)
    page = queue.filter(current_due__gte=after.due).exclude(current_due=after.due, pk__lte=after.pk)[:51]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "Sort" not in plan.split(index)[0], plan
