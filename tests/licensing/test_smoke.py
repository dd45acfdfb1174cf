import datetime as dt

from licensing import workflow
from licensing.constants import State

from .conftest import at, recommend


def test_lab_application_runs_from_filing_to_approval(file_application, officers):
    app = file_application(on=dt.date(2025, 9, 26))
    assert app.state == State.SUBMITTED
    assert app.acceptance_due == dt.date(2025, 10, 10)
    with at(dt.date(2025, 9, 29)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
    app.refresh_from_db()
    assert app.state == State.IN_REVIEW
    with at(dt.date(2025, 10, 9)):
        recommend(app, officers["reviewer"])
        workflow.application_approve(application=app, actor=officers["approver"].user, opinion="符合条件")
    app.refresh_from_db()
    assert app.state in (State.APPROVED, State.ISSUED)
    assert [e.verb for e in app.log.all()][:3] == ["create", "submit", "accept"]
