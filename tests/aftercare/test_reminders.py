"""Renewal reminders to the holder (portal and e-mail) when the window opens, 3 months and 1 month
before the last valid day: each once per licence, also when sweeps run at the same time, and caught
up by a later sweep when a reminder's day passed unsent."""

import datetime as dt
import threading

import pytest

from django.core import mail
from django.db import connection, connections

from aftercare.constants import ReminderKind
from aftercare.models import LicenceReminder
from aftercare.services import reminders_send
from aftercare.sweep import reminders_send_all
from licensing.models import Notification
from licensing.workflow import deadlines_sweep
from tests.licensing.conftest import at

D = dt.date
VALID_TO = D(2031, 8, 31)  # window opens 2031-02-28; 3 months before: 2031-05-31; 1 month: 2031-07-31


def sweep(on: dt.date, capture) -> dict:
    with at(on), capture(execute=True):
        return deadlines_sweep(on=on).hooks["aftercare"]


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).exclude(kind="").order_by("id").values_list("kind", flat=True))


def test_each_reminder_goes_out_on_its_day_once(licence, applicant, django_capture_on_commit_callbacks):
    certificate = licence(valid_to=VALID_TO)
    applicant.user.email = "holder@example.org"
    applicant.user.save()
    assert sweep(D(2031, 2, 27), django_capture_on_commit_callbacks)["reminders"] == 0
    assert sweep(D(2031, 2, 28), django_capture_on_commit_callbacks)["reminders"] == 1
    assert sweep(D(2031, 2, 28), django_capture_on_commit_callbacks)["reminders"] == 0  # the same day again
    assert sweep(D(2031, 5, 30), django_capture_on_commit_callbacks)["reminders"] == 0
    assert sweep(D(2031, 5, 31), django_capture_on_commit_callbacks)["reminders"] == 1
    assert sweep(D(2031, 7, 31), django_capture_on_commit_callbacks)["reminders"] == 1
    assert sweep(D(2031, 8, 20), django_capture_on_commit_callbacks)["reminders"] == 0
    assert kinds(applicant.user) == ["renewal_window_open", "renewal_3_months", "renewal_1_month"]
    assert len(mail.outbox) == 3
    assert certificate.number in mail.outbox[0].subject
    assert "2031-02-28" in mail.outbox[0].body and "2031-08-01" in mail.outbox[0].body
    assert set(LicenceReminder.objects.values_list("sent_on", flat=True)) == {
        D(2031, 2, 28), D(2031, 5, 31), D(2031, 7, 31)}


def test_a_sweep_that_finds_reminder_days_passed_sends_the_unsent_ones(licence, applicant,
                                                                      django_capture_on_commit_callbacks):
    licence(valid_to=VALID_TO)
    assert sweep(D(2031, 6, 10), django_capture_on_commit_callbacks)["reminders"] == 2
    assert kinds(applicant.user) == ["renewal_window_open", "renewal_3_months"]
    reminder = LicenceReminder.objects.get(kind=ReminderKind.THREE_MONTHS)
    assert (reminder.due_on, reminder.sent_on) == (D(2031, 5, 31), D(2031, 6, 10))


def test_no_reminder_once_a_renewal_is_filed_or_after_expiry(licence, renewal, applicant,
                                                           django_capture_on_commit_callbacks):
    certificate = licence(valid_to=VALID_TO)
    renewal(certificate, on=D(2031, 3, 2))
    assert sweep(D(2031, 6, 1), django_capture_on_commit_callbacks)["reminders"] == 0
    other = licence(valid_to=D(2031, 1, 31))
    assert sweep(D(2031, 2, 1), django_capture_on_commit_callbacks)["reminders"] == 0  # already expired
    assert not LicenceReminder.objects.filter(number__in=[certificate.number, other.number]).exists()


def test_the_notifications_api_lists_the_reminders_in_the_specified_shape(licence, applicant, holder_api,
                                                                          django_capture_on_commit_callbacks):
    certificate = licence(valid_to=VALID_TO)
    sweep(D(2031, 2, 28), django_capture_on_commit_callbacks)
    with at(D(2031, 3, 1)):
        response = holder_api.get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    reminder = next(row for row in rows if row["kind"] == "renewal_window_open")
    assert set(reminder) == {"id", "kind", "subject", "body", "created_at", "read", "case_number",
                             "certificate_number"}
    assert reminder["certificate_number"] == certificate.number
    assert reminder["case_number"] is None
    assert reminder["read"] is False
    # The case's own notices (receipt, grant…) keep their case number and have no kind.
    case_rows = [row for row in rows if row["kind"] is None]
    assert case_rows and all(row["case_number"] and row["certificate_number"] is None for row in case_rows)


def test_the_notifications_api_shows_only_the_callers_own(licence, holder_api, officers,
                                                          django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    licence(valid_to=VALID_TO)
    sweep(D(2031, 2, 28), django_capture_on_commit_callbacks)
    other = APIClient()
    other.force_authenticate(officers["approver"].user)
    assert all(row["kind"] is None for row in other.get("/api/v1/notifications/").json()["results"])
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("reminders_send", [reminders_send, reminders_send_all], ids=["one-by-one", "set"])
def test_concurrent_sweeps_send_each_reminder_once(licence, applicant, reminders_send):
    licence(valid_to=VALID_TO)
    barrier = threading.Barrier(4)
    sent = []

    def worker():
        try:
            barrier.wait()
            with at(D(2031, 8, 10)):
                sent.append(reminders_send(on=D(2031, 8, 10)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 3
    assert LicenceReminder.objects.count() == 3
    assert sorted(kinds(applicant.user)) == sorted(ReminderKind.values)


def test_the_set_based_reminders_are_the_ones_sent_one_by_one(licence, applicant, django_capture_on_commit_callbacks):
    licence(valid_to=VALID_TO)  # by 10 June: the window's opening and 3 months before
    licence(valid_to=D(2031, 7, 31))  # the same two
    applicant.user.email = "holder@example.org"
    applicant.user.save()

    def sent() -> list[tuple]:
        return sorted(LicenceReminder.objects.values_list(
            "number", "valid_to", "kind", "due_on", "sent_on", "notification__subject", "notification__body",
            "notification__user_id", "notification__certificate_number"))

    with at(D(2031, 6, 10)), django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_all(on=D(2031, 6, 10)) == 4
        assert reminders_send_all(on=D(2031, 6, 10)) == 0
    by_set, mails = sent(), sorted((m.subject, m.body) for m in mail.outbox)
    assert len(mails) == 4
    Notification.objects.filter(kind__startswith="renewal_").delete()
    LicenceReminder.objects.all().delete()
    mail.outbox.clear()
    with at(D(2031, 6, 10)), django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(on=D(2031, 6, 10)) == 4
    assert sent() == by_set
    assert sorted((m.subject, m.body) for m in mail.outbox) == mails
