"""The public register shows, beside a grant's publication date, the publication date of the decision
that ended the licence (revocation, cancellation, expiry); a revocation is recorded for publication in
its own transaction; the supervisor's board lists the ending decisions published late or not at all."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftercare.constants import PublicationKind
from aftercare.models import CancellationTask, DecisionPublication
from aftercare.publications import publications_record, register_publication_dates
from aftercare.services import cancellation_confirm, certificate_expire
from certificates import hooks
from certificates.constants import CertificateStatus
from certificates.models import Certificate
from certificates.services import certificate_cancel, certificate_propose_revocation, certificate_revoke
from tests.licensing.conftest import at

pytestmark = pytest.mark.django_db
D = dt.date
BASIS = "《行政许可法》第六十九条"


def register_row(number: str) -> dict:
    rows = APIClient().get("/api/v1/register/", {"q": number}).json()["results"]
    assert len(rows) == 1
    return rows[0]


def revoke(certificate, officers, on: dt.date):
    with at(on):
        certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason="承诺不实",
                                       legal_basis=BASIS)
        certificate_revoke(certificate=certificate, actor=officers["legal"].user)


def supervisor_board(officers, on: dt.date) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(officers["supervisor"].user)
    with at(on):
        page = client.get("/aftercare/board/")
    assert page.status_code == 200
    return page.content.decode().split("撤销、注销和到期决定")[1].split("好差评")[0]


def test_a_licence_in_force_has_a_null_status_publication_and_keeps_the_contract_fields(licence):
    certificate = licence()
    with at(D(2026, 3, 3)):
        row = register_row(certificate.number)
    contract = {"number", "identifier", "kind", "holder", "holder_code", "facility_address", "scope", "valid_from",
                "valid_to", "authority", "status", "published_on"}
    assert contract < set(row) and "status_published_on" in row
    assert {k: row[k] for k in ("number", "holder", "valid_to")} == {
        "number": certificate.number, "holder": certificate.holder_name, "valid_to": certificate.valid_to.isoformat()}
    assert row["status"] == "valid" and row["published_on"] == certificate.published_on.isoformat()
    assert row["status_published_on"] is None


def test_a_revocation_is_recorded_by_the_decision_and_shown_on_the_register(licence, officers):
    certificate = licence()
    revoke(certificate, officers, D(2026, 10, 20))
    # no sweep has run: the revocation wrote its own publication record
    record = DecisionPublication.objects.get(certificate=certificate)
    # 7 WD after Tuesday 20 October 2026: 21, 22, 23, 26, 27, 28, 29 October
    assert (record.kind, record.decided_on, record.due_on, record.published_on) == (
        PublicationKind.REVOCATION, D(2026, 10, 20), D(2026, 10, 29), D(2026, 10, 20))
    with at(D(2026, 10, 21)):
        row = register_row(certificate.number)
        page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/register/", {"q": certificate.number}).content.decode()
    assert (row["status"], row["published_on"], row["status_published_on"]) == (
        "revoked", certificate.published_on.isoformat(), "2026-10-20")
    assert "2026-10-20" in page and certificate.published_on.isoformat() in page


def test_a_cancellation_is_recorded_by_the_decision(licence, officers):
    certificate = licence()
    with at(D(2026, 11, 2)):
        certificate_cancel(certificate=certificate, actor=officers["approver"].user, reason="持证单位申请注销")
    assert publications_record(on=D(2026, 11, 3))["recorded"] == 0
    with at(D(2026, 11, 3)):
        row = register_row(certificate.number)
    assert (row["status"], row["status_published_on"]) == ("cancelled", "2026-11-02")


def test_a_failed_decision_leaves_no_publication_record(licence, officers):
    certificate = licence()
    with at(D(2026, 10, 20)):
        certificate_propose_revocation(certificate=certificate, actor=officers["approver"].user, reason="承诺不实",
                                       legal_basis=BASIS)
        with pytest.raises(RuntimeError), transaction.atomic():
            certificate_revoke(certificate=certificate, actor=officers["legal"].user)
            raise RuntimeError("the decision's transaction fails after the status change")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert not DecisionPublication.objects.filter(certificate=certificate).exists()


def test_an_expiry_shows_no_date_until_its_cancellation_notice_is_published(licence, officers):
    certificate = licence(valid_to=D(2026, 9, 30))
    with at(D(2026, 10, 1)):
        certificate_expire(certificate_id=certificate.pk, on=D(2026, 10, 1))
    publications_record(on=D(2026, 10, 1))
    with at(D(2026, 10, 2)):
        expired = register_row(certificate.number)
    with at(D(2026, 10, 19)):
        cancellation_confirm(task=CancellationTask.objects.get(certificate=certificate),
                             actor=officers["approver"].user)
        cancelled = register_row(certificate.number)
    assert (expired["status"], expired["status_published_on"]) == ("expired", None)
    assert (cancelled["status"], cancelled["status_published_on"]) == ("cancelled", "2026-10-19")


def test_the_board_lists_an_expiry_published_late_or_not_at_all(licence, officers):
    late = licence(valid_to=D(2026, 9, 30))
    in_time = licence(valid_to=D(2026, 9, 30))
    with at(D(2026, 10, 1)):
        certificate_expire(certificate_id=late.pk, on=D(2026, 10, 1))
        certificate_expire(certificate_id=in_time.pk, on=D(2026, 10, 1))
    publications_record(on=D(2026, 10, 1))
    with at(D(2026, 10, 9)):
        cancellation_confirm(task=CancellationTask.objects.get(certificate=in_time), actor=officers["approver"].user)
    # due 15 October (7 WD after 1 October, National Day): on the 15th nothing is late yet
    assert late.number not in supervisor_board(officers, D(2026, 10, 15))
    missing = supervisor_board(officers, D(2026, 10, 16))
    assert late.number in missing and "未公示" in missing and in_time.number not in missing
    with at(D(2026, 10, 19)):
        cancellation_confirm(task=CancellationTask.objects.get(certificate=late), actor=officers["approver"].user)
    after = supervisor_board(officers, D(2026, 10, 20))
    assert late.number in after and "2026-10-19" in after and "未公示" not in after
    assert in_time.number not in after


def test_the_board_does_not_list_a_revocation_published_the_day_it_was_decided(licence, officers):
    certificate = licence()
    revoke(certificate, officers, D(2026, 10, 20))
    assert certificate.number not in supervisor_board(officers, D(2026, 12, 1))


def test_the_register_reads_the_publication_dates_in_one_query_per_page(licence, officers):
    certificates = [licence() for _ in range(4)]
    for certificate in certificates[:3]:
        revoke(certificate, officers, D(2026, 10, 20))
    page = list(Certificate.objects.filter(pk__in=[c.pk for c in certificates]))
    with CaptureQueriesContext(connection) as queries:
        found = register_publication_dates(page)
    assert len(queries) == 1
    assert found == {c.pk: {"status_published_on": D(2026, 10, 20)} for c in certificates[:3]}
    with CaptureQueriesContext(connection) as queries:
        assert register_publication_dates([c for c in page if c.status == "valid"]) == {}
    assert len(queries) == 0  # a page of licences in force asks nothing

    def api_queries() -> int:
        with at(D(2026, 10, 21)), CaptureQueriesContext(connection) as queries:
            rows = APIClient().get("/api/v1/register/").json()["results"]
        assert len(rows) == 4
        return len(queries)

    def page_queries() -> int:
        with at(D(2026, 10, 21)), CaptureQueriesContext(connection) as queries:
            assert Client().get("/register/").status_code == 200
        return len(queries)

    api_queries(), page_queries()  # once first: a first request's one-off reads are not the page's
    with_dates = api_queries(), page_queries()
    hooks.register_row_extensions.remove(register_publication_dates)
    try:
        without = api_queries(), page_queries()
    finally:
        hooks.register_row_extensions.append(register_publication_dates)
    assert (with_dates[0] - without[0], with_dates[1] - without[1]) == (1, 1)
