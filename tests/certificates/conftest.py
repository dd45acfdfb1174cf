"""Fixtures: an approved lab animal case issued through the real workflow."""

import datetime as dt

import pytest

from licensing import workflow
from tests.licensing.conftest import applicant, at, file_application, officers, recommend  # noqa: F401


@pytest.fixture
def issued(file_application, officers, django_capture_on_commit_callbacks):  # noqa: F811
    """issued(on=date, service=...) → (application, certificate) after accept + approve."""

    def make(*, on: dt.date = dt.date(2026, 3, 2), service: str = "lab-animal-production", data=None, who=None,
             original_licence_number=None):
        app = file_application(on=on, service=service, data=data, who=who,
                               original_licence_number=original_licence_number)
        targets = list(app.tracks.all()) or [app]
        with at(on):
            for target in sorted(targets, key=lambda t: t.service_type.code != "foreign-work-permit"):
                intake = officers["crj"] if target.authority.code == "yn-crj" else officers["intake"]
                approver = officers["crj_approver"] if target.authority.code == "yn-crj" else officers["approver"]
                reviewer = officers["crj"] if target.authority.code == "yn-crj" else officers["reviewer"]
                workflow.application_accept(application=target, actor=intake.user)
                recommend(target, reviewer)
                with django_capture_on_commit_callbacks(execute=True):
                    workflow.application_approve(application=target, actor=approver.user, opinion="符合条件")
        app.refresh_from_db()
        return app

    return make
