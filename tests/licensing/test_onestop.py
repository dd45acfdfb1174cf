"""The foreign talent one-stop filing: one filing, two tracks reviewed in parallel by two agencies."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from licensing import workflow
from licensing.constants import State

from .conftest import at, person_data, recommend

D = dt.date


@pytest.fixture
def joint(file_application):
    return file_application(on=D(2025, 9, 26), service="foreign-talent-one-stop")


def tracks_of(joint):
    return {t.service_type.code: t for t in joint.tracks.all()}


def test_submitting_the_joint_filing_creates_two_tracks_in_two_authorities(joint):
    tracks = tracks_of(joint)
    assert set(tracks) == {"foreign-work-permit", "foreign-residence-permit"}
    assert tracks["foreign-work-permit"].authority.code == "yn-kjt"
    assert tracks["foreign-residence-permit"].authority.code == "yn-crj"
    assert all(t.state == State.SUBMITTED for t in tracks.values())
    assert joint.state == State.SUBMITTED and joint.joint


def test_work_permit_category_comes_from_the_points_table(joint):
    permit = tracks_of(joint)["foreign-work-permit"]
    # 480k salary 20 + doctorate 20 + 9 years 12 + 12 months 15 + HSK3 3 + western region 10 + age 39 → 15 = 95.
    assert permit.points["total"] == 95 and permit.category == "A"


def test_each_agency_sees_only_its_track_in_its_queue(joint, officers):
    st, crj = APIClient(), APIClient()
    st.force_authenticate(officers["intake"].user)
    crj.force_authenticate(officers["crj"].user)
    st_queue = st.get("/api/v1/queue/").json()["results"]
    crj_queue = crj.get("/api/v1/queue/").json()["results"]
    assert [r["service"] for r in st_queue] == ["foreign-work-permit"]
    assert [r["service"] for r in crj_queue] == ["foreign-residence-permit"]
    residence = tracks_of(joint)["foreign-residence-permit"]
    assert st.get(f"/api/v1/applications/{residence.pk}/").status_code == 404
    # The shared materials of the filing are visible through each agency's track.
    materials = crj.get(f"/api/v1/applications/{residence.pk}/").json()["materials"]
    codes = {m["code"] for m in materials if m["submitted"]}
    assert {"passport", "photo", "health-certificate"} <= codes and "degree" not in codes


def test_tracks_keep_the_joint_promise_unless_their_own_limit_is_shorter(joint, officers):
    tracks = tracks_of(joint)
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=tracks["foreign-work-permit"], actor=officers["intake"].user)
        workflow.application_accept(application=tracks["foreign-residence-permit"], actor=officers["crj"].user)
    tracks = tracks_of(joint)
    # From Mon 29 Sep: 30 Sep 1; 9 Oct 2, 10 Oct 3, 11 Oct (Sat make-up) 4, 13 Oct 5.
    assert tracks["foreign-work-permit"].committed_due == D(2025, 10, 13)
    # The residence permit is promised within the filing's 7 WD: 13 Oct 5, 14 Oct 6, 15 Oct 7 ...
    assert tracks["foreign-residence-permit"].committed_due == D(2025, 10, 15)
    # ... while its statutory limit stays its own 15 WD: 14–17 Oct 9, 20–24 Oct 14, 27 Oct 15.
    assert tracks["foreign-residence-permit"].statutory_due == D(2025, 10, 27)
    joint.refresh_from_db()
    assert joint.state == State.IN_REVIEW and joint.accepted_on == D(2025, 9, 29)


def test_residence_approval_waits_for_the_work_permit_and_the_filing_follows_both(joint, officers):
    tracks = tracks_of(joint)
    with at(D(2025, 9, 29)):
        workflow.application_accept(application=tracks["foreign-work-permit"], actor=officers["intake"].user)
        workflow.application_accept(application=tracks["foreign-residence-permit"], actor=officers["crj"].user)
    with at(D(2025, 9, 30)):
        recommend(tracks["foreign-residence-permit"], officers["crj"])
    with at(D(2025, 9, 30)), pytest.raises(workflow.NotAllowed):
        workflow.application_approve(application=tracks["foreign-residence-permit"],
                                     actor=officers["crj_approver"].user, opinion="同意")
    with at(D(2025, 10, 9)):
        recommend(tracks["foreign-work-permit"], officers["reviewer"])
        workflow.application_approve(application=tracks["foreign-work-permit"], actor=officers["approver"].user,
                                     opinion="同意，A类")
    with at(D(2025, 10, 10)):
        workflow.application_approve(application=tracks["foreign-residence-permit"],
                                     actor=officers["crj_approver"].user, opinion="同意")
    joint.refresh_from_db()
    assert joint.state in (State.APPROVED, State.ISSUED)
    assert joint.decided_on == D(2025, 10, 10)  # receipt → last decision


def test_withdrawing_the_filing_withdraws_both_open_tracks(joint):
    with at(D(2025, 9, 29)):
        workflow.application_withdraw(application=joint, actor=joint.applicant.user, reason="员工不再入职")
    joint.refresh_from_db()
    assert joint.state == State.WITHDRAWN
    assert {t.state for t in joint.tracks.all()} == {State.WITHDRAWN}


def test_separate_work_permit_filing_is_scored_too(file_application):
    app = file_application(on=D(2025, 9, 26), service="foreign-work-permit",
                           data=person_data(annual_salary_cny=120000, highest_degree="bachelor", experience_years=2,
                                            months_per_year=6, chinese_level=0, birth_date="1999-01-01"))
    # 8 + 10 + 5 + 10 + 0 + 10 + age 26 → 15 = 58 points, but bachelor + 2 years → B.
    assert app.points["total"] == 58 and app.category == "B"
