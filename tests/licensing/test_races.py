"""Two officers acting on one case at the same moment: exactly one wins (real threads, PostgreSQL
row locks; SQLite has no concurrent writers, so these run on PostgreSQL)."""

import datetime as dt
import threading

import pytest

from django.db import connection, connections

from licensing import workflow
from licensing.constants import State
from licensing.models import Application
from tests.factories import make_officer

from .conftest import at, recommend

D = dt.date

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            with at(D(2025, 10, 9)):
                call()
            outcomes[index] = "ok"
        except workflow.WorkflowError as exc:
            outcomes[index] = exc.status
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_approve_and_propose_refusal_at_once_one_wins_the_other_gets_409(file_application, officers):
    app = file_application(on=D(2025, 9, 26))
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        recommend(app, officers["reviewer"])
    second_approver = make_officer("t-approver-2", "yn-kjt", "approver")
    outcomes = run_together(
        lambda: workflow.application_approve(application=Application.objects.get(pk=app.pk),
                                             actor=officers["approver"].user, opinion="同意"),
        lambda: workflow.application_propose_refusal(application=Application.objects.get(pk=app.pk),
                                                     actor=second_approver.user, reasons="不达标",
                                                     legal_basis="条例"),
    )
    assert sorted(outcomes, key=str) == sorted(["ok", 409], key=str)
    app.refresh_from_db()
    decisive = [e.verb for e in app.log.all() if e.verb in ("approve", "propose_refusal")]
    assert len(decisive) == 1
    assert app.state in (State.APPROVED, State.ISSUED, State.LEGAL_REVIEW)


def test_two_sweeps_at_once_deem_each_case_accepted_once(file_application):
    apps = [file_application(on=D(2025, 9, 26)) for _ in range(6)]
    results = []

    def sweep():
        results.append(workflow.deadlines_sweep(on=D(2025, 10, 20)))

    outcomes = run_together(sweep, sweep)
    assert outcomes == ["ok", "ok"]
    assert sum(r.deemed_accepted for r in results) == 6
    for app in apps:
        app.refresh_from_db()
        assert app.state == State.IN_REVIEW
        assert [e.verb for e in app.log.all()].count("deem_accepted") == 1
