"""Years without an official schedule: provisional deadlines by rule, then entering the State
Council's schedule (service function and `manage.py load_calendar FILE`), and file errors."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError

import services.calendar as calendar_module
from services.calendar import ScheduleError, calendar_load_bundled, calendar_load_schedule, get_calendar
from services.constants import DaySource
from services.models import CalendarDay, CalendarYear

from .official_schedules import d

# A made-up 2027 schedule for the tests (the real one is announced in the winter of 2026): a
# nine-day Spring Festival block 5–13 February and a make-up Saturday on 20 February.
SCHEDULE_2027 = """\
year 2027
notice 测试用安排（非真实通知）
holiday 2027-01-01..2027-01-03 元旦
holiday 2027-02-05..2027-02-13 春节   # Friday to Saturday
workday 2027-02-20 春节调休上班
holiday 2027-04-03 ~ 2027-04-05 清明节
holiday 2027-05-01至2027-05-05 劳动节
"""

ROOT = Path(__file__).resolve().parents[2]


def _due(client, start, days):
    return client.get("/api/v1/calendar/add-working-days/", {"start": start, "days": days}).json()


def test_2027_has_no_official_schedule_in_the_bundled_data(catalog):
    assert not CalendarYear.objects.filter(year=2027, official=True).exists()
    assert get_calendar().is_provisional(d("2027-02-17"))


def test_a_provisional_deadline_skips_weekends_and_the_statutory_spring_festival(catalog, client):
    # By rule: Thu 4 Feb, then Spring Festival eve to 初三 (5–8 Feb, with the weekend), Tue 9, Wed 10.
    assert get_calendar().add_working_days(d("2027-02-03"), 3) == d("2027-02-10")
    answer = _due(client, "2027-02-03", 3)
    assert answer == {"start": "2027-02-03", "days": 3, "due": "2027-02-10", "provisional": True}


def test_a_deadline_running_from_an_official_year_into_2027_is_provisional(catalog, client):
    # 29, 30, 31 Dec; 1 Jan 2027 is New Year's Day; 4–8 Jan; 11, 12 Jan.
    answer = _due(client, "2026-12-28", 10)
    assert answer == {"start": "2026-12-28", "days": 10, "due": "2027-01-12", "provisional": True}


def test_entering_the_official_schedule_makes_the_year_official_and_changes_the_answer(
    catalog, client, django_capture_on_commit_callbacks
):
    # Provisional: Thu 18, Fri 19, (weekend), Mon 22 February.
    assert _due(client, "2027-02-17", 3) == {
        "start": "2027-02-17", "days": 3, "due": "2027-02-22", "provisional": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = calendar_load_schedule(text=SCHEDULE_2027)
    assert result.years == [2027]
    year = CalendarYear.objects.get(year=2027)
    assert year.official
    assert year.notice == "测试用安排（非真实通知）"
    # Official: the make-up Saturday 20 February is the third working day.
    assert _due(client, "2027-02-17", 3) == {
        "start": "2027-02-17", "days": 3, "due": "2027-02-20", "provisional": False,
    }
    # And the longer Spring Festival block: Thu 4 Feb, then 5–13 off, Mon 15, Tue 16.
    assert _due(client, "2027-02-03", 3)["due"] == "2027-02-16"


def test_schedule_ranges_accept_dots_tilde_and_zhi(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load_schedule(text=SCHEDULE_2027)
    calendar = get_calendar()
    off = ["2027-01-01", "2027-01-03", "2027-04-05", "2027-05-03", "2027-05-04", "2027-05-05"]
    assert [day for day in off if calendar.is_working_day(d(day))] == []
    assert CalendarDay.objects.filter(date__year=2027, source=DaySource.ADMIN).count() == 3 + 9 + 1 + 3 + 5


def test_entering_a_schedule_runs_the_calendar_changed_hooks(catalog, monkeypatch, django_capture_on_commit_callbacks):
    changed: list[set[int]] = []
    monkeypatch.setattr(calendar_module, "calendar_changed_hooks", [changed.append])
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load_schedule(text=SCHEDULE_2027)
    assert changed == [{2027}]


def test_load_calendar_command_enters_a_schedule_file(catalog, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_calendar", str(path), stdout=out)
    assert "2027" in out.getvalue()
    assert CalendarYear.objects.get(year=2027).official
    calendar = get_calendar()
    assert calendar.is_working_day(d("2027-02-20"))
    assert not calendar.is_provisional(d("2027-02-20"))


BAD_SCHEDULES = [
    ("year 2027\nholiday 2027-02-30 春节\n", 2, "day is out of range"),
    ("year 2027\n\n# comment line\nholidy 2027-02-05 春节\n", 4, "expected"),
    ("holiday 2027-02-05 春节\nyear 2027\n", 1, "must start with 'year YYYY'"),
    ("year 2027\nholiday 2027-02-11..2027-02-05 春节\n", 2, "ends before it starts"),
    ("year 2027\nholiday 2027-02-05 春节\nworkday 2028-01-02 元旦调休\n", 3, "must fall in 2027"),
    ("year 1999\n", 1, "outside"),
    ("year twenty\n", 1, "four-digit year"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_SCHEDULES)
def test_schedule_errors_name_the_line(catalog, text, line, message):
    with pytest.raises(ScheduleError) as error:
        calendar_load_schedule(text=text)
    assert f"line {line}:" in str(error.value)
    assert message in str(error.value)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_schedule_without_a_year_line_is_refused(catalog):
    with pytest.raises(ScheduleError, match="no 'year YYYY' line"):
        calendar_load_schedule(text="notice 国办发明电\n")


@pytest.mark.parametrize(("text", "line", "message"), BAD_SCHEDULES)
def test_load_calendar_command_reports_the_file_and_line(catalog, tmp_path, text, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_calendar", str(path), stdout=io.StringIO())
    assert str(path) in str(error.value)
    assert f"line {line}:" in str(error.value)


def test_load_calendar_command_refuses_a_missing_file(catalog, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_calendar", str(tmp_path / "missing.txt"), stdout=io.StringIO())


def test_load_calendar_exits_non_zero_with_the_line_on_stderr(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("year 2027\nholiday 2027-13-01 春节\n", encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": "sqlite:///:memory:"}
    done = subprocess.run(
        [sys.executable, "manage.py", "load_calendar", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "line 2:" in done.stderr
    assert "Traceback" not in done.stderr


def test_reloading_the_bundled_data_keeps_an_administrators_correction(catalog, django_capture_on_commit_callbacks):
    # Friday 9 October 2026 declared a day off by an administrator (say, a provincial decision).
    CalendarDay.objects.create(date=d("2026-10-09"), is_workday=False, name="省内调整", source=DaySource.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_load_bundled(years=[2026])
    assert CalendarDay.objects.get(date=d("2026-10-09")).source == DaySource.ADMIN
    calendar = get_calendar()
    assert not calendar.is_working_day(d("2026-10-09"))
    assert calendar.is_working_day(d("2026-10-10"))  # the bundled make-up Saturday is back


def test_a_schedule_file_saved_with_a_byte_order_mark_is_read(catalog, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "2027-notepad.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8-sig")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_calendar", str(path), stdout=io.StringIO())
    assert CalendarYear.objects.get(year=2027).official
