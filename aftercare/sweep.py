"""The after-licence part of the daily sweep (registered with licensing's sweep hooks): reminders
first, then deemed renewals of the licences that ended yesterday or before, then the expiry of
those not renewed (a deemed renewal keeps its old licence from expiring before it is superseded)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from certificates.constants import CertificateStatus
from certificates.models import Certificate
from licensing.models import Notification
from licensing.notices import authority_tag, bilingual_body, bilingual_subject, in_both
from licensing.workflow.sweep import enqueue_many, rows_update

from . import tasks as aftercare_tasks
from .models import LicenceReminder
from .renewal import renewal_service_code, window_settings
from .reports import report_reminders_send
from .services import (
    LAB_KINDS,
    MAX_WINDOW_DAYS,
    REMINDER_TEXT,
    RENEWAL_FILED_STATES,
    _reminder_body,
    certificates_expire,
    renewal_numbers,
    renewals_deem,
)
from .windows import reminder_dates, renewal_window

# Reminders are written this many at a time, each batch in one transaction.
REMINDER_BATCH = 2000


def aftercare_sweep(*, on: dt.date) -> dict:
    return {
        "reminders": reminders_send_all(on=on),
        "deemed_renewed": renewals_deem(on=on),
        "expired": certificates_expire(on=on),
        "report_reminders": report_reminders_send(on=on),
    }


def reminders_send_all(*, on: dt.date) -> int:
    """`services.reminders_send` as a set: the reminders due and not yet sent are inserted together
    with ON CONFLICT DO NOTHING (the unique constraint decides between concurrent sweeps), and only
    the rows this call inserted (RETURNING) get their message and e-mail job. Returns how many this
    call sent."""
    candidates = (Certificate.objects.filter(kind__in=LAB_KINDS, status=CertificateStatus.VALID, valid_to__gte=on,
                                             valid_to__lte=on + dt.timedelta(days=MAX_WINDOW_DAYS))
                  .select_related("authority", "application__applicant__user").order_by("pk"))
    settings = {kind: window_settings(renewal_service_code(kind)) for kind in LAB_KINDS}
    sent = set(LicenceReminder.objects.filter(valid_to__gte=on).values_list("number", "valid_to", "kind"))
    due: list[tuple[Certificate, str, dt.date, object]] = []
    for certificate in candidates.iterator(chunk_size=2000):
        months, days = settings[certificate.kind]
        window = renewal_window(certificate.valid_to, months=months, days=days)
        if on < window.opens:
            continue
        for kind, due_on in reminder_dates(certificate.valid_to, window=window).items():
            key = (certificate.number, certificate.valid_to, kind)
            if due_on <= on and key not in sent:
                sent.add(key)
                due.append((certificate, kind, due_on, window))
    if due:  # a licence being renewed needs no reminder (asked only when one is due: a scan of the cases)
        renewing = renewal_numbers(RENEWAL_FILED_STATES)
        due = [item for item in due if item[0].number not in renewing]
    count = 0
    for start in range(0, len(due), REMINDER_BATCH):
        count += _reminders_batch(due[start:start + REMINDER_BATCH], on=on)
    return count


def _reminders_batch(due: list, *, on: dt.date) -> int:
    params = []
    for certificate, kind, due_on, _window in due:
        params += [certificate.pk, certificate.number, certificate.valid_to, kind, due_on, on]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(due))
    sql = (f"INSERT INTO {LicenceReminder._meta.db_table} (certificate_id, number, valid_to, kind, due_on, sent_on) "
           f"VALUES {rows} ON CONFLICT (number, valid_to, kind) DO NOTHING RETURNING id, certificate_id, kind")
    by_key = {(certificate.pk, kind): (certificate, due_on, window) for certificate, kind, due_on, window in due}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = sorted(cursor.fetchall())
        reminders, notifications = [], []
        for pk, certificate_id, kind in inserted:
            certificate, due_on, window = by_key[(certificate_id, kind)]
            reminders.append(LicenceReminder(pk=pk, certificate=certificate, number=certificate.number,
                                             valid_to=certificate.valid_to, kind=kind, due_on=due_on, sent_on=on))
            notifications.append(Notification(
                user=certificate.application.applicant.user, application=None, kind=kind,
                certificate_number=certificate.number,
                subject=bilingual_subject(*in_both(lambda: authority_tag(certificate.authority) + str(  # noqa: B023
                    REMINDER_TEXT[kind]) % {"number": certificate.number})),  # noqa: B023
                body=bilingual_body(*in_both(lambda: _reminder_body(certificate, window.opens, window.closes)))))  # noqa: B023
        Notification.objects.bulk_create(notifications, batch_size=1000)
        for reminder, notification in zip(reminders, notifications, strict=True):
            reminder.notification = notification
        rows_update(LicenceReminder, reminders, ["notification"])
        enqueue_many(aftercare_tasks.send_reminder_email, [{"notification_id": n.pk} for n in notifications])
    return len(inserted)

