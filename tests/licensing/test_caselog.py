"""The case log: one hashed row per act, append-only, and any later edit is found."""

import datetime as dt

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from licensing import workflow
from licensing.caselog import verify_case_log
from licensing.models import CaseLogEntry

from .conftest import at

D = dt.date


def test_every_transition_appends_one_chained_row(file_application, officers):
    app = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user, opinion="材料齐全")
    rows = list(app.log.all())
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [(r.verb, r.from_state, r.to_state) for r in rows][-2:] == [
        ("submit", "draft", "submitted"), ("accept", "submitted", "in_review")]
    assert rows[-1].prev_hash == rows[-2].hash and rows[-1].reason == "材料齐全"
    # From Mon 29 Sep: 30 Sep; 9, 10, 11 (Sat make-up) Oct; 13–17, 20–24 Oct → 14th is 24 Oct.
    assert rows[-1].data["clock"]["committed_due"] == "2025-10-24"
    assert verify_case_log() == (len(rows), [])


def test_the_log_has_no_update_or_delete_path(file_application):
    app = file_application(on=D(2025, 9, 26))
    entry = app.log.first()
    entry.reason = "edited"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        CaseLogEntry.objects.filter(pk=entry.pk).update(reason="edited")
    with pytest.raises(PermissionError):
        CaseLogEntry.objects.all().delete()


def test_verify_case_log_names_the_first_row_edited_behind_its_back(file_application, capsys):
    app = file_application(on=D(2025, 9, 26))
    other = file_application(on=D(2025, 9, 26))
    target = app.log.get(seq=2)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CaseLogEntry._meta.db_table} SET reason = %s WHERE id = %s", ["改过了", target.pk])
    checked, breaks = verify_case_log()
    assert [(b.case_number, b.seq) for b in breaks] == [(app.case_number, 2)]
    assert other.case_number not in {b.case_number for b in breaks}
    with pytest.raises(CommandError):
        call_command("verify_case_log")
    assert f"{app.case_number}: row #2" in capsys.readouterr().err


def test_verify_case_log_command_reports_an_intact_log(file_application, capsys):
    file_application(on=D(2025, 9, 26))
    call_command("verify_case_log")
    assert "case log intact" in capsys.readouterr().out
