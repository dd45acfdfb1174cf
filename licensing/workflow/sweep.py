"""The periodic sweep: deemed acceptances, yellow warnings and overdue alerts; recomputation
after a calendar change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from services.models import Officer
from services.tasks import OUTBOX_GRACE, dispatch_many
from services.tasks import registry as task_registry

from .. import tasks
from ..caselog import log_append_many
from ..constants import NoticeKind, Stage, State
from ..deadlines import DEADLINE_FIELDS, clock_snapshot, deadlines_recompute, today
from ..models import Application, ClockPause, Notice, Notification
from ..notices import (
    notice_builders,
    notice_notification_text,
    warning_notification_text,
)
from .core import fmt, locked, move, save_state
from .intake import _accepted

# --- the sweep -----------------------------------------------------------------------------------

@dataclass
class SweepResult:
    deemed_accepted: int = 0
    warned: int = 0
    overdue: int = 0
    # What the registered sweep hooks did, by hook name (e.g. {"aftercare": {"expired": 2, ...}}).
    hooks: dict = field(default_factory=dict)


# The daily acts of other apps on the same clock (aftercare: renewal reminders, deemed renewals,
# expiries), registered in their AppConfig.ready() so that licensing imports none of them:
# `hook(*, on) -> dict` of counts. Each hook is idempotent and safe under concurrent sweeps.
SweepHook = Callable[..., dict]
sweep_hooks: dict[str, SweepHook] = {}


def register_sweep_hook(name: str, hook: SweepHook) -> SweepHook:
    if name in sweep_hooks:
        raise ImproperlyConfigured(f"Sweep hook {name!r} is registered twice.")
    sweep_hooks[name] = hook
    return hook


def _deem_one(pk: int, on: dt.date) -> bool:
    """One case at a time, for the tracks of a joint filing: the filing follows its tracks under its
    own row lock (joint_follow), which a set of tracks of one filing would contend for."""
    with transaction.atomic():
        application = (Application.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("service_type", "authority", "applicant__user", "parent")
                       .filter(pk=pk, state=State.SUBMITTED, acceptance_due__lt=on).first())
        if application is None:
            return False
        before = move(application, "deem_accepted", None, system=True)
        _accepted(application, None, before, on=application.acceptance_clock_from, deemed=True,
                  reason=_("受理期限届满未作处理，依法视为受理"))
        return True


# Deemed acceptances are claimed this many at a time (one day's at 1M open cases is about a thousand:
# one transaction).
DEEM_BATCH = 5000
# What the due dates of a case accepted on a day depend on, besides that day (no pause: a case
# accepted just now has none; one that somehow has is recomputed on its own).
_CLOCK_KEY = ("service_type_id", "category", "extension_days", "acceptance_clock_from", "received_on", "parent_id")
_CLOCK_FIELDS = [f for f in DEADLINE_FIELDS if f not in ("warned_on", "overdue_notified_on")]
DEEMED_FIELDS = ["state", "stage", "updated_at", "accepted_at", "accepted_on", "deemed_accepted",
                 *DEADLINE_FIELDS, "log_seq", "log_head"]


def _deem_set(on: dt.date) -> int:
    """The single filings left unanswered past the acceptance limit, accepted by law as of the day of
    receipt as a set: claimed with SKIP LOCKED (a concurrent sweep takes the others), the due dates
    computed once per distinct (day, service, limits), the log rows hashed in one pass and inserted
    together, the rows written in one statement, the notices, messages and e-mail jobs bulk-created."""
    done = 0
    due = Application.objects.filter(joint=False, parent__isnull=True, state=State.SUBMITTED,
                                     acceptance_due__lt=on)
    while True:
        with transaction.atomic():
            batch = list(due.select_for_update(skip_locked=True, of=("self",))
                         .select_related("service_type", "authority", "applicant__user")
                         .order_by("pk")[:DEEM_BATCH])
            if not batch:
                return done
            _deem_batch(batch)
            done += len(batch)
        if len(batch) < DEEM_BATCH:
            return done


def _deem_batch(batch: list[Application]) -> None:
    now = timezone.now()
    paused = set(ClockPause.objects.filter(application_id__in=[a.pk for a in batch])
                 .values_list("application_id", flat=True))
    clocks: dict[tuple, dict] = {}
    reason = _("受理期限届满未作处理，依法视为受理")
    log_rows = []
    for application in batch:
        before = move(application, "deem_accepted", None, system=True)
        application.accepted_at = now
        application.accepted_on = application.acceptance_clock_from
        application.deemed_accepted = True
        application.stage = Stage.HANDLING
        application.updated_at = now
        key = tuple(getattr(application, f) for f in _CLOCK_KEY)
        if application.pk in paused:
            deadlines_recompute(application)
        elif key in clocks:
            for name, value in clocks[key].items():
                setattr(application, name, value)
            application.warned_on = None if application.current_due is None else application.warned_on
            application.overdue_notified_on = (None if application.current_due is None
                                               else application.overdue_notified_on)
        else:
            deadlines_recompute(application)
            clocks[key] = {name: getattr(application, name) for name in _CLOCK_FIELDS}
        log_rows.append((application, {"actor": None, "verb": "deem_accepted", "from_state": before,
                                       "to_state": application.state, "reason": reason,
                                       "data": {"clock": clock_snapshot(application)}}))
    log_append_many(log_rows, save_heads=False)
    rows_update(Application, batch, DEEMED_FIELDS)
    notices_issue_many(NoticeKind.DEEMED_ACCEPTANCE, [(a, {"on": a.acceptance_clock_from}) for a in batch])


def notices_issue_many(kind: str, items: list[tuple[Application, dict]]) -> list[Notice]:
    """`notices.notice_issue` for many cases at once (each with its builder's context): worded here in one
    pass, numbered from one count, the notices, messages and e-mail jobs inserted together."""
    if not items:
        return []
    definition = notice_builders[kind]
    label = NoticeKind(kind).label
    counts = dict(Notice.objects.filter(application_id__in=[a.pk for a, _context in items], kind=kind)
                  .values("application_id").annotate(n=Count("id")).values_list("application_id", "n"))
    now = timezone.now()
    notices, wordings = [], []
    for application, context in items:
        wording = definition.build(application, **context)
        authority = application.authority
        wordings.append(wording)
        notices.append(Notice(
            application=application, kind=kind, issued_at=now,
            number=f"{application.case_number}-{kind.upper()}-{counts.get(application.pk, 0) + 1}",
            content={
                "title_zh": str(label), "title_en": definition.title_en,
                "authority_zh": authority.name_zh, "authority_en": authority.name_en,
                "complaint_phone": authority.complaint_phone, "applicant": application.applicant.name,
                "case_number": application.case_number, "service_zh": application.service_type.name_zh,
                "service_en": application.service_type.name_en, "lines_zh": wording.lines_zh,
                "lines_en": wording.lines_en, "facts": wording.facts,
            }))
    Notice.objects.bulk_create(notices, batch_size=1000)
    notifications = Notification.objects.bulk_create([
        Notification(user=application.applicant.user, application=application, notice=notice,
                     **dict(zip(("subject", "body"), notice_notification_text(application, kind=kind, wording=wording),
                                strict=True)))
        for (application, _context), notice, wording in zip(items, notices, wordings, strict=True)],
        batch_size=1000)
    enqueue_many(tasks.send_notification_email, [{"notification_id": n.pk} for n in notifications])
    return notices


def enqueue_many(func, kwargs_list: list[dict]) -> None:
    """`services.tasks.enqueue` for many jobs of one task: the outbox rows inserted together, each
    delivered after the commit."""
    from services.models import OutboxJob

    if not kwargs_list:
        return
    name = task_registry.name_of(func)
    due_at = timezone.now() + OUTBOX_GRACE
    jobs = OutboxJob.objects.bulk_create([OutboxJob(name=name, kwargs=kwargs, due_at=due_at)
                                          for kwargs in kwargs_list], batch_size=2000)
    transaction.on_commit(partial(dispatch_many, name, [(job.kwargs, job.pk) for job in jobs]))


def rows_update(model, objects: list, fields: list[str], *, batch: int = 5000) -> None:
    """Write `fields` of each instance to its row. PostgreSQL: one `UPDATE … FROM (VALUES …)` per
    `batch` rows; elsewhere Django's bulk_update."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    casts = [f"%s::{pk.db_type(connection)}", *(f"%s::{f.db_type(connection)}" for f in columns)]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ", ".join(connection.ops.quote_name(c) for c in [pk.column, *(f.column for f in columns)])
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}"
                     for f in columns)
    table, pk_column = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            chunk = objects[start:start + batch]
            params = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
            cursor.execute(f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row_sql] * len(chunk))}) "
                           f"AS v({names}) WHERE t.{pk_column} = v.{pk_column}", params)


def deadlines_sweep(*, on: dt.date | None = None) -> SweepResult:
    """Deemed acceptances, yellow warnings and overdue flags with their notices, each kind as a set.
    Idempotent; two sweeps at once do each thing once (row locks with SKIP LOCKED, conditional
    updates)."""
    on = on or today()
    result = SweepResult()
    result.deemed_accepted = _deem_set(on)
    tracks = Application.objects.cases().filter(parent__isnull=False, state=State.SUBMITTED, acceptance_due__lt=on)
    for pk in tracks.values_list("pk", flat=True).iterator(chunk_size=2000):
        result.deemed_accepted += _deem_one(pk, on)
    running = Application.objects.cases().filter(current_due__isnull=False)
    yellow = running.filter(yellow_from__lte=on, current_due__gte=on, warned_on__isnull=True)
    overdue = running.filter(current_due__lt=on, overdue_notified_on__isnull=True)
    if connection.vendor == "postgresql":
        result.warned, result.overdue = _flag_and_alert(yellow, overdue, on)
    else:
        for ids in _flag_batches("warned_on", yellow, on):
            result.warned += len(ids)
            _alerts(ids, "yellow")
        for ids in _flag_batches("overdue_notified_on", overdue, on):
            result.overdue += len(ids)
            _alerts(ids, "red")
    for name, hook in list(sweep_hooks.items()):
        result.hooks[name] = hook(on=on)
    return result


def _flag_batches(field: str, queryset, on: dt.date, batch: int = 2000):
    """Claim rows for a once-only alert, in batches: rows locked by a concurrent sweep are skipped,
    and the conditional UPDATE touches only rows nobody flagged yet. Yields the claimed ids, inside
    the transaction that flags them (so the alerts commit together with the flags). (The portable
    path; PostgreSQL takes `_flag_and_alert`.)"""
    while True:
        with transaction.atomic():
            ids = list(queryset.filter(**{f"{field}__isnull": True}).order_by()
                       .select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
            if not ids:
                return
            Application.objects.filter(pk__in=ids).update(**{field: on})
            yield ids


HANDLER_ROLES = {"reviewer", "approver", "intake"}


def _recipients() -> tuple[list[int], list[int], list[bool], list[bool]]:
    """Every officer as (authority, user, handles unclaimed cases, supervises), column-wise."""
    authorities, users, handlers, supervisors = [], [], [], []
    for officer in Officer.objects.prefetch_related("roles").only("pk", "user_id", "authority_id"):
        roles = officer.role_codes()
        authorities.append(officer.authority_id)
        users.append(officer.user_id)
        handlers.append(bool(roles & HANDLER_ROLES))
        supervisors.append("supervisor" in roles)
    return authorities, users, handlers, supervisors


def _flag_and_alert(yellow, overdue, on: dt.date) -> tuple[int, int]:
    """PostgreSQL: flag every case of `yellow` and `overdue` not flagged yet and alert its officers (as
    `_alerts` does, with its texts): one scan claims the rows with SKIP LOCKED (the two sets are
    disjoint: due on or after `on`, or before it), then one statement flags them and the INSERT …
    SELECT in it writes the messages from what the UPDATE returned. Returns how many cases this call
    flagged (yellow, red)."""
    authorities, users, handlers, supervisors = _recipients()
    subjects, service_ids, states, bodies = _alert_templates()
    claim = (yellow | overdue).order_by().select_for_update(skip_locked=True)
    with transaction.atomic():
        # The claim first, on its own: the rows stay locked to the end of the transaction, and the
        # statement below finds them by primary key in an array of known length (joined to the claim
        # as a subquery, the planner expected several times as many rows and scanned the table).
        ids = list(claim.values_list("pk", flat=True))
        if not ids:
            return 0, 0
        sql = """
            WITH claimed AS (
                UPDATE licensing_application AS a
                SET warned_on = CASE WHEN a.current_due >= %(on)s THEN %(on)s ELSE a.warned_on END,
                    overdue_notified_on = CASE WHEN a.current_due < %(on)s THEN %(on)s
                                               ELSE a.overdue_notified_on END
                WHERE a.id = ANY(%(ids)s::bigint[])
                RETURNING a.id, a.case_number, a.state, a.authority_id, a.claimed_by_id, a.current_due,
                          a.service_type_id, a.current_due < %(on)s AS red
            ), officers AS (
                SELECT * FROM unnest(%(authorities)s::bigint[], %(users)s::bigint[], %(handlers)s::boolean[],
                                     %(supervisors)s::boolean[]) AS o(authority_id, user_id, handler, supervisor)
            ), bodies AS (
                SELECT * FROM unnest(%(service_ids)s::bigint[], %(states)s::text[], %(bodies)s::text[])
                    AS b(service_type_id, state, body)
            ), alerts AS (
                INSERT INTO licensing_notification
                    (user_id, application_id, notice_id, kind, certificate_number, subject, body, created_at,
                     read_at)
                SELECT o.user_id, c.id, NULL, '', '',
                       replace(replace(CASE WHEN c.red THEN %(red)s ELSE %(yellow)s END, %(case_mark)s,
                                       c.case_number), %(due_mark)s, to_char(c.current_due, 'YYYY-MM-DD')),
                       b.body, %(now)s, NULL
                FROM claimed c
                JOIN officers o ON o.authority_id = c.authority_id AND (
                    o.supervisor OR CASE WHEN c.claimed_by_id IS NOT NULL THEN o.user_id = c.claimed_by_id
                                         ELSE o.handler END)
                JOIN bodies b ON b.service_type_id = c.service_type_id AND b.state = c.state
                RETURNING 1
            )
            SELECT (SELECT count(*) FILTER (WHERE NOT red) FROM claimed),
                   (SELECT count(*) FILTER (WHERE red) FROM claimed), (SELECT count(*) FROM alerts)"""
        params = {"on": on, "authorities": authorities, "users": users, "handlers": handlers,
                  "supervisors": supervisors, "service_ids": service_ids, "states": states, "bodies": bodies,
                  "yellow": subjects["yellow"], "red": subjects["red"], "case_mark": CASE_MARK,
                  "due_mark": DUE_MARK, "now": timezone.now(), "ids": ids}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            warned, overdue_count, _alerted = cursor.fetchone()
    return warned, overdue_count


ALERT_LABELS = {"yellow": gettext_lazy("黄牌预警"), "red": gettext_lazy("红牌超期")}


def _alert_text(application: Application, colour: str) -> tuple[str, str]:
    """(subject, body) of a yellow or red alert about `application` (its case number, due date,
    service type and state are read)."""
    return warning_notification_text(application, label=ALERT_LABELS[colour], due=fmt(application.current_due))


# Stand-ins for the case number and the due date in the alert texts the set-based statement fills in.
CASE_MARK, DUE_MARK = "\x01", "\x02"


def _alert_templates() -> tuple[dict[str, str], list[int], list[str], list[str]]:
    """The alert texts as the set-based statement writes them, from `_alert_text` itself: the subject
    of each colour with stand-ins for the case number and the due date, and the body of every
    (service type, state), column-wise."""
    from services.models import ServiceType

    class Due:
        def isoformat(self) -> str:
            return DUE_MARK

    subjects = {}
    service_ids, states, bodies = [], [], []
    services = list(ServiceType.objects.only("pk", "name_zh", "name_en")) or [ServiceType(name_zh="", name_en="")]
    for colour in ALERT_LABELS:
        stand_in = Application(case_number=CASE_MARK, state=State.IN_REVIEW, service_type=services[0])
        stand_in.current_due = Due()
        subjects[colour] = _alert_text(stand_in, colour)[0]
    for service in services:
        for state in State.values:
            stand_in = Application(case_number=CASE_MARK, state=state, service_type=service)
            service_ids.append(service.pk)
            states.append(state)
            bodies.append(_alert_text(stand_in, "yellow")[1])
    return subjects, service_ids, states, bodies


def _alerts(ids: list[int], colour: str) -> None:
    """Tell the officer holding each case (or the authority's case officers) and the supervisors."""
    applications = list(Application.objects.filter(pk__in=ids).select_related("service_type")
                        .only("pk", "case_number", "state", "authority_id", "claimed_by_id", "current_due",
                              "service_type__name_zh", "service_type__name_en"))
    officers = list(Officer.objects.filter(authority_id__in={a.authority_id for a in applications})
                    .prefetch_related("roles"))
    notifications = []
    for application in applications:
        for officer in officers:
            if officer.authority_id != application.authority_id:
                continue
            roles = officer.role_codes()
            holder = (officer.user_id == application.claimed_by_id if application.claimed_by_id
                      else bool(roles & HANDLER_ROLES))
            if holder or "supervisor" in roles:
                subject, body = _alert_text(application, colour)
                notifications.append(Notification(user_id=officer.user_id, application_id=application.pk,
                                                  subject=subject, body=body))
    Notification.objects.bulk_create(notifications, batch_size=2000)


def deadlines_sweep_task() -> None:
    deadlines_sweep()


def deadlines_recompute_years(years: set[int]) -> int:
    """After the calendar changed: recompute every open case whose clock may touch those years."""
    changed = 0
    open_cases = Application.objects.open()
    for pk in open_cases.values_list("pk", flat=True).iterator(chunk_size=2000):
        with transaction.atomic():
            application = locked(pk)
            before = clock_snapshot(application)
            deadlines_recompute(application)
            if clock_snapshot(application) != before:
                save_state(application)
                changed += 1
    return changed
