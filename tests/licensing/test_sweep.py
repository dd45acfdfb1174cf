"""The sweep as sets: a deemed acceptance of the set is the one a case gets on its own (dates, log row,
notice, message, e-mail job), the log chains stay valid, the due dates are those deadlines_recompute
gives, a joint filing's tracks are deemed with the filing following, and two sweeps at once alert
each case once (PostgreSQL)."""

import datetime as dt

import pytest

from django.db import connection

from licensing import workflow
from licensing.caselog import verify_case_log
from licensing.constants import State
from licensing.deadlines import DEADLINE_FIELDS, deadlines_recompute
from licensing.models import Application, Notification
from licensing.workflow import sweep as sweep_module
from licensing.workflow.sweep import _deem_one, deadlines_sweep
from services.models import OutboxJob

from .conftest import at
from .test_races import run_together

D = dt.date
COMPARED = ["state", "stage", "deemed_accepted", "accepted_on", *DEADLINE_FIELDS, "log_seq"]


def snapshot(app: Application) -> dict:
    app.refresh_from_db()
    entry = app.log.order_by("-seq").first()
    notice = app.notices.get(kind="deemed_acceptance")
    notification = Notification.objects.get(notice=notice)
    content = {k: v for k, v in notice.content.items() if k != "case_number"}
    return {
        "row": {f: getattr(app, f) for f in COMPARED},
        "log": (entry.verb, entry.actor_id, entry.actor_label, entry.from_state, entry.to_state, entry.reason,
                entry.data),
        "notice": (notice.number.replace(app.case_number, "N"), content),
        "message": (notification.user_id, notification.subject.replace(app.case_number, "N"), notification.body),
        "jobs": OutboxJob.objects.filter(kwargs={"notification_id": notification.pk}).count(),
    }


def test_a_deemed_acceptance_of_the_set_is_the_one_a_case_gets_alone(file_application,
                                                                     django_capture_on_commit_callbacks):
    alone, in_set = file_application(on=D(2025, 1, 24)), file_application(on=D(2025, 1, 24))
    with at(D(2025, 2, 10)), django_capture_on_commit_callbacks(execute=True):
        assert _deem_one(alone.pk, D(2025, 2, 10))
        result = deadlines_sweep()
    assert result.deemed_accepted == 1  # the other one
    assert snapshot(in_set) == snapshot(alone)
    assert snapshot(in_set)["row"]["committed_due"] == D(2025, 2, 19)
    assert snapshot(in_set)["jobs"] == 1
    checked, breaks = verify_case_log(application_ids=[alone.pk, in_set.pk])
    assert checked == 2 * in_set.log_seq and breaks == []


def test_the_due_dates_of_the_set_are_those_of_each_case_on_its_own(file_application):
    apps = [file_application(on=day) for day in (D(2025, 9, 22), D(2025, 9, 22), D(2025, 9, 24), D(2025, 9, 26))]
    apps.append(file_application(on=D(2025, 9, 24), service="foreign-work-permit"))
    with at(D(2025, 10, 20)):
        assert deadlines_sweep().deemed_accepted == len(apps)
    committed = set()
    for app in apps:
        app = Application.objects.select_related("service_type", "parent").get(pk=app.pk)
        stored = {f: getattr(app, f) for f in DEADLINE_FIELDS}
        with at(D(2025, 10, 20)):
            deadlines_recompute(app)
        assert {f: getattr(app, f) for f in DEADLINE_FIELDS} == stored
        assert app.accepted_on == app.received_on and app.state == State.IN_REVIEW
        committed.add(app.committed_due)
    assert len(committed) >= 3  # distinct days and services gave distinct dates
    assert verify_case_log(application_ids=[a.pk for a in apps])[1] == []


def test_the_tracks_of_a_joint_filing_are_deemed_and_the_filing_follows(file_application):
    joint = file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")
    with at(D(2025, 10, 20)):
        assert deadlines_sweep().deemed_accepted == 2
        assert deadlines_sweep().deemed_accepted == 0
    joint.refresh_from_db()
    assert joint.state == State.IN_REVIEW and joint.accepted_on == D(2025, 9, 26)
    assert {t.state for t in joint.tracks.all()} == {State.IN_REVIEW}
    assert verify_case_log(application_ids=[joint.pk, *joint.tracks.values_list("pk", flat=True)])[1] == []


def test_the_set_is_claimed_in_batches(file_application, monkeypatch):
    apps = [file_application(on=D(2025, 9, 26)) for _ in range(5)]
    monkeypatch.setattr(sweep_module, "DEEM_BATCH", 2)
    with at(D(2025, 10, 20)):
        assert deadlines_sweep().deemed_accepted == 5
    assert verify_case_log(application_ids=[a.pk for a in apps])[1] == []
    assert Application.objects.filter(pk__in=[a.pk for a in apps], state=State.IN_REVIEW).count() == 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent sweeps need PostgreSQL")
def test_two_sweeps_at_once_flag_and_alert_each_case_once(file_application, officers):
    apps = [file_application(on=D(2025, 9, 25)) for _ in range(8)]
    with at(D(2025, 9, 26)):
        for app in apps:
            workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_claim(application=apps[0], actor=officers["reviewer"].user)
    results = []

    def sweep(on):
        return lambda: results.append(deadlines_sweep(on=on))

    assert run_together(sweep(D(2025, 10, 20)), sweep(D(2025, 10, 20))) == ["ok", "ok"]
    assert sum(r.warned for r in results) == 8
    yellow = Notification.objects.filter(subject__contains="黄牌")
    # The claimed case: its reviewer and the supervisor; the others: every case officer and the supervisor.
    assert yellow.filter(application=apps[0]).count() == 2
    per_case = yellow.filter(application=apps[1]).count()
    assert per_case == 4  # intake, reviewer, approver, supervisor of yn-kjt
    assert yellow.count() == 2 + 7 * per_case
    results.clear()
    assert run_together(sweep(D(2025, 10, 23)), sweep(D(2025, 10, 23))) == ["ok", "ok"]
    assert sum(r.overdue for r in results) == 8
    assert Notification.objects.filter(subject__contains="红牌").count() == 2 + 7 * per_case
    assert not Application.objects.filter(pk__in=[a.pk for a in apps], overdue_notified_on__isnull=True).exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based alerts are PostgreSQL's statement")
def test_the_set_based_alerts_have_the_texts_and_recipients_of_the_portable_path(file_application, officers):
    from licensing.workflow.sweep import _alert_text, _alerts

    apps = [file_application(on=D(2025, 9, 25)) for _ in range(3)]
    with at(D(2025, 9, 26)):
        for app in apps:
            workflow.application_accept(application=app, actor=officers["intake"].user)
        workflow.application_claim(application=apps[0], actor=officers["reviewer"].user)
    with at(D(2025, 10, 20)):
        assert deadlines_sweep().warned == 3
    by_set = sorted(Notification.objects.filter(application__in=apps, notice__isnull=True).values_list(
        "application_id", "user_id", "subject", "body"))
    Notification.objects.filter(application__in=apps, notice__isnull=True).delete()
    with at(D(2025, 10, 20)):
        _alerts([a.pk for a in apps], "yellow")
    portable = sorted(Notification.objects.filter(application__in=apps, notice__isnull=True).values_list(
        "application_id", "user_id", "subject", "body"))
    assert by_set == portable and len(by_set) == 2 + 2 * 4
    app = Application.objects.select_related("service_type").get(pk=apps[1].pk)
    row = next(r for r in by_set if r[0] == app.pk)
    assert (row[2], row[3]) == _alert_text(app, "yellow")
    assert app.case_number in row[2] and "黄牌" in row[2] and "2025-10-22" in row[2]
