"""The public calendar API: due dates and working-day counts, and clear 400s for bad input."""

import pytest

ADD = "/api/v1/calendar/add-working-days/"
COUNT = "/api/v1/calendar/working-days/"


def test_add_working_days_answers_with_the_due_date(catalog, client):
    # 28, 29, 30 September 2025 (28th a make-up Sunday), then 1–8 October off, 9 October.
    response = client.get(ADD, {"start": "2025-09-26", "days": 4})
    assert response.status_code == 200
    assert response.json() == {"start": "2025-09-26", "days": 4, "due": "2025-10-09", "provisional": False}


def test_add_zero_working_days_is_the_start(catalog, client):
    response = client.get(ADD, {"start": "2025-10-01", "days": 0})
    assert response.json() == {"start": "2025-10-01", "days": 0, "due": "2025-10-01", "provisional": False}


def test_working_days_counts_after_start_up_to_end(catalog, client):
    # 30 Sep is the start (not counted), 1–8 October are off, 9 October counts.
    response = client.get(COUNT, {"start": "2025-09-30", "end": "2025-10-09"})
    assert response.status_code == 200
    assert response.json() == {"start": "2025-09-30", "end": "2025-10-09", "working_days": 1, "provisional": False}


def test_working_days_into_a_year_without_data_is_provisional(catalog, client):
    # 29, 30, 31 December 2026; 1 January 2027 is New Year's Day; Mon 4 January.
    response = client.get(COUNT, {"start": "2026-12-28", "end": "2027-01-04"})
    assert response.json() == {"start": "2026-12-28", "end": "2027-01-04", "working_days": 4, "provisional": True}


def test_the_calendar_api_needs_no_login(catalog, client):
    assert client.get(ADD, {"start": "2025-03-03", "days": 1}).status_code == 200
    assert client.get(COUNT, {"start": "2025-03-03", "end": "2025-03-04"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "field", "fragment"),
    [
        (ADD, {"start": "2025-02-30", "days": 1}, "start", ""),
        (ADD, {"start": "26/09/2025", "days": 1}, "start", ""),
        (ADD, {"days": 1}, "start", ""),
        (ADD, {"start": "2025-03-03", "days": -1}, "days", ""),
        (ADD, {"start": "2025-03-03", "days": "five"}, "days", ""),
        (ADD, {"start": "2025-03-03"}, "days", ""),
        (ADD, {"start": "2036-01-02", "days": 1}, "detail", "2035"),
        (ADD, {"start": "2003-12-31", "days": 1}, "detail", "2004"),
        (ADD, {"start": "2035-12-03", "days": 100}, "detail", "2035"),
        (COUNT, {"start": "2025-10-09", "end": "2025-09-30"}, "end", "结束日期不能早于开始日期"),
        (COUNT, {"start": "2025-10-09", "end": "yesterday"}, "end", ""),
        (COUNT, {"start": "2025-10-09"}, "end", ""),
        (COUNT, {"start": "1999-01-01", "end": "2025-01-01"}, "detail", "2004"),
        (COUNT, {"start": "2025-01-01", "end": "2040-01-01"}, "detail", "2035"),
    ],
)
def test_bad_calendar_queries_get_a_400_naming_the_problem(catalog, client, url, params, field, fragment):
    response = client.get(url, params)
    assert response.status_code == 400
    body = response.json()
    messages = body[field]
    assert messages and all(isinstance(message, str) and message.strip() for message in messages)
    assert fragment in " ".join(messages)
