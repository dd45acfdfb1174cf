"""Aftercare on licensing's pages: the after-licence deadlines on 电子监察 and beside each officer's
queue by role, intake's credit-record panel, the applicant's rating panel; and the publication of the
decisions that end a licence (revocation, cancellation, expiry) within 7 working days."""

import datetime as dt

import pytest

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftercare.constants import PublicationKind
from aftercare.models import CancellationTask, DecisionPublication, VerificationTask
from aftercare.publications import publications_record
from aftercare.ratings import rating_create
from aftercare.services import cancellation_confirm, certificate_expire
from aftercare.verification import verification_record
from aftercare.watch import board_source
from certificates.services import certificate_propose_revocation, certificate_revoke
from licensing import hooks
from tests.aftercare.test_verification import issued_on_commitment
from tests.licensing.conftest import at

pytestmark = pytest.mark.django_db
D = dt.date
DUE_ON = D(2026, 11, 26)   # 40 WD after 2026-09-24 on the official calendar


def client_for(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def on_commitment(file_application, officers, django_capture_on_commit_callbacks):
    return issued_on_commitment(file_application, officers, django_capture_on_commit_callbacks)


def _kinds(rows, kind):
    return [(d.reference, d.due_on, d.warning) for d in rows if d.kind == kind]


def test_the_verification_task_turns_yellow_then_red_on_the_board(on_commitment):
    authority = on_commitment.authority_id
    number = on_commitment.case_number
    assert _kinds(board_source(authority_id=authority, on=D(2026, 11, 2)), "承诺核查") == [(number, DUE_ON, "green")]
    assert _kinds(board_source(authority_id=authority, on=D(2026, 11, 24)), "承诺核查") == [(number, DUE_ON, "yellow")]
    assert _kinds(board_source(authority_id=authority, on=D(2026, 11, 27)), "承诺核查") == [(number, DUE_ON, "red")]


def test_duties_go_to_the_roles_that_act_on_them(on_commitment, officers):
    on = D(2026, 11, 27)
    for role in ("intake", "reviewer"):
        duties = hooks.officer_duties(user=officers[role].user, on=on)
        assert _kinds(duties, "承诺核查") == [(on_commitment.case_number, DUE_ON, "red")]
    assert _kinds(hooks.officer_duties(user=officers["approver"].user, on=on), "承诺核查") == []
    assert hooks.officer_duties(user=officers["km_intake"].user, on=on) == []  # another authority


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_workbench_and_the_board_show_the_after_licence_deadlines(on_commitment, officers, language):
    with at(D(2026, 11, 27)):
        workbench = client_for(officers["reviewer"].user, language).get("/workbench/").content.decode()
        board = client_for(officers["supervisor"].user, language).get("/workbench/board/").content.decode()
    duties = workbench.split('id="duties-title"')[1]
    assert on_commitment.case_number in duties and "/aftercare/tasks/" in duties
    watched = board.split('id="watched-title"')[1]
    assert on_commitment.case_number in watched and "2026-11-26" in watched
    assert 'lang="en"' in board if language == "en" else "承诺核查" in watched


def test_the_board_source_reads_a_fixed_number_of_queries(on_commitment, file_application, officers,
                                                          django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as one:
        board_source(authority_id=on_commitment.authority_id, on=D(2026, 11, 27))
    issued_on_commitment(file_application, officers, django_capture_on_commit_callbacks, on=D(2026, 9, 28))
    assert VerificationTask.objects.count() == 2
    with CaptureQueriesContext(connection) as two:
        rows = board_source(authority_id=on_commitment.authority_id, on=D(2026, 11, 27))
    assert len(_kinds(rows, "承诺核查")) == 2 and len(two.captured_queries) == len(one.captured_queries)


def test_intake_sees_the_applicants_credit_record_on_the_case_page(on_commitment, officers):
    task = VerificationTask.objects.get(application=on_commitment)
    with at(D(2026, 10, 20)):
        verification_record(task=task, actor=officers["reviewer"].user, result="false", findings="场地租赁合同系伪造")
        intake = client_for(officers["intake"].user).get(f"/workbench/cases/{on_commitment.pk}/").content.decode()
        reviewer = client_for(officers["reviewer"].user).get(f"/workbench/cases/{on_commitment.pk}/")
        english = client_for(officers["intake"].user, "en").get(f"/workbench/cases/{on_commitment.pk}/")
    assert "case-panel" in intake and "失信记录" in intake and "场地租赁合同系伪造" in intake
    assert "2026-10-20" in intake and "XY-2026-" in intake
    assert "case-panel" not in reviewer.content.decode()
    assert "XY-2026-" in english.content.decode()


def test_the_applicant_gets_the_rating_link_then_sees_the_rating(on_commitment, applicant):
    url = f"/applications/{on_commitment.pk}/"
    with at(D(2026, 9, 28)):
        before = client_for(applicant.user).get(url).content.decode()
        rating_create(application=on_commitment, user=applicant.user, score=4, comment="很快")
        after = client_for(applicant.user).get(url).content.decode()
    assert f'href="/applications/{on_commitment.pk}/rating/"' in before and "评价本次服务" in before
    assert "评价本次服务" not in after and "2026-09-28" in after and "满意" in after


def test_no_rating_panel_while_the_case_is_open(file_application, applicant):
    app = file_application(on=D(2026, 9, 21))
    with at(D(2026, 9, 22)):
        page = client_for(applicant.user).get(f"/applications/{app.pk}/").content.decode()
    assert "/rating/" not in page


def test_a_revocation_is_published_the_day_it_is_decided(on_commitment, officers):
    certificate = on_commitment.certificate
    with at(D(2026, 10, 20)):
        certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason="承诺不实",
                                       legal_basis="《行政许可法》第六十九条")
        certificate_revoke(certificate=certificate, actor=officers["legal"].user)
    # recorded by the revocation itself: the next sweeps find nothing left to record
    assert publications_record(on=D(2026, 10, 21)) == {"recorded": 0, "announced": 0}
    row = DecisionPublication.objects.get(certificate=certificate)
    assert (row.kind, row.decided_on, row.published_on) == (PublicationKind.REVOCATION, D(2026, 10, 20),
                                                            D(2026, 10, 20))
    assert not [d for d in board_source(authority_id=certificate.authority_id, on=D(2026, 12, 1))
                if d.reference == certificate.number]


def test_an_expiry_not_announced_within_7_wd_is_flagged_until_and_after_it_is(licence, officers):
    certificate = licence(valid_to=D(2026, 9, 30))
    with at(D(2026, 10, 1)):
        assert certificate_expire(certificate_id=certificate.pk, on=D(2026, 10, 1))
    publications_record(on=D(2026, 10, 1))
    row = DecisionPublication.objects.get(certificate=certificate)
    # 7 WD after Thursday 1 October (National Day): 8, 9, 10 (a make-up Saturday), 12, 13, 14, 15 October.
    assert (row.kind, row.decided_on, row.due_on, row.published_on) == (PublicationKind.EXPIRY, D(2026, 10, 1),
                                                                        D(2026, 10, 15), None)

    def flagged(on):
        return [(d.due_on, d.warning, d.detail) for d in board_source(authority_id=certificate.authority_id, on=on)
                if d.kind == "到期注销公告" and d.reference == certificate.number]

    assert [f[:2] for f in flagged(D(2026, 10, 14))] == [(D(2026, 10, 15), "yellow")]  # the open task, close
    late = flagged(D(2026, 10, 16))
    assert len(late) == 2 and {f[1] for f in late} == {"red"}  # the task overdue, and the publication late
    assert any("仍未公示" in f[2] for f in late)
    with at(D(2026, 10, 19)):
        cancellation_confirm(task=CancellationTask.objects.get(certificate=certificate),
                             actor=officers["approver"].user)
    row.refresh_from_db()
    assert row.published_on == D(2026, 10, 19)
    after = flagged(D(2026, 10, 20))
    assert len(after) == 1 and "晚于期限 2 个工作日" in after[0][2]


def test_an_expiry_announced_in_time_is_not_flagged(licence, officers):
    certificate = licence(valid_to=D(2026, 9, 30))
    with at(D(2026, 10, 1)):
        certificate_expire(certificate_id=certificate.pk, on=D(2026, 10, 1))
    with at(D(2026, 10, 9)):
        cancellation_confirm(task=CancellationTask.objects.get(certificate=certificate),
                             actor=officers["approver"].user)
    # the sweep records the expiry after the notice went out: the record takes the notice's date
    assert publications_record(on=D(2026, 10, 10)) == {"recorded": 1, "announced": 1}
    assert DecisionPublication.objects.get(certificate=certificate).published_on == D(2026, 10, 9)
    assert not [d for d in board_source(authority_id=certificate.authority_id, on=D(2026, 10, 20))
                if d.reference == certificate.number]
