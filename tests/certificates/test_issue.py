"""Issuing: approval issues the certificate after commit; numbering; content; the PDF's font, signature
and QR code; failures leave the case approved with the reason and can be retried."""

import datetime as dt
import subprocess

import pytest
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: F401

from certificates.core import keys as core_keys
from certificates.core.pades import validate_pdf
from certificates.core.qrdecode import decode_qr_from_pdf
from certificates.models import Certificate, SerialCounter
from licensing.constants import State
from tests.licensing.conftest import at, recommend

D = dt.date


def test_approval_issues_a_numbered_certificate_and_closes_the_case(issued):
    app = issued(on=D(2026, 3, 2))
    certificate = Certificate.objects.get(application=app)
    assert app.state == State.ISSUED and app.issued_on == D(2026, 3, 2)
    assert certificate.number == "SCXK(滇)2026-0001"
    assert certificate.valid_from == D(2026, 3, 2) and certificate.valid_to == D(2031, 3, 1)
    assert certificate.scope == "屏障环境：小鼠、大鼠"
    assert certificate.identifier.startswith("1.2.156.3005.2.") and certificate.identifier.endswith(
        certificate.identifier[-1])
    from certificates.core.identifiers import identifier_is_valid

    assert identifier_is_valid(certificate.identifier)
    assert app.log.order_by("-seq").first().verb == "issue"
    second = issued(on=D(2026, 3, 2))
    assert Certificate.objects.get(application=second).number == "SCXK(滇)2026-0002"


def test_use_licences_are_numbered_separately(issued):
    issued(on=D(2026, 3, 2))
    app = issued(on=D(2026, 3, 2), service="lab-animal-use")
    assert Certificate.objects.get(application=app).number == "SYXK(滇)2026-0001"


def test_numbering_starts_again_each_year_and_goes_on_in_the_old_one(issued):
    issued(on=D(2026, 12, 30))
    first_of_2027 = issued(on=D(2027, 1, 4))
    assert Certificate.objects.get(application=first_of_2027).number == "SCXK(滇)2027-0001"
    assert Certificate.objects.get(application=issued(on=D(2027, 1, 5))).number == "SCXK(滇)2027-0002"
    assert list(SerialCounter.objects.order_by("year").values_list("year", "last")) == [(2026, 1), (2027, 2)]


def test_the_pdf_embeds_its_font_is_signed_and_its_qr_decodes_at_150_dpi(issued, tmp_path):
    app = issued(on=D(2026, 3, 2))
    certificate = Certificate.objects.get(application=app)
    pdf = certificate.pdf.read()
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    font_lines = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert font_lines and all(" yes " in line for line in font_lines)  # every font embedded
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "实验动物生产许可证" in text and "屏障环境" in text
    root = core_keys.certificate_from_pem(certificate.signing_key.root_cert_pem)
    report = validate_pdf(pdf, root_certs=[root])
    assert report.ok
    tampered = bytearray(pdf)
    index = pdf.index(b"SCXK") if b"SCXK" in pdf else len(pdf) // 3
    tampered[index] ^= 0x01
    assert not validate_pdf(bytes(tampered), root_certs=[root]).intact
    urls = decode_qr_from_pdf(pdf, dpi=150)
    assert len(urls) == 1 and urls[0].startswith("HTTPS://") and "/C/" in urls[0]


def test_application_detail_carries_the_certificate_and_the_pdf_goes_to_holder_and_officers(issued, officers,
                                                                                           applicant):
    app = issued(on=D(2026, 3, 2))
    client = APIClient()
    client.force_authenticate(applicant.user)
    body = client.get(f"/api/v1/applications/{app.pk}/").json()
    certificate = body["certificate"]
    assert certificate["number"] == "SCXK(滇)2026-0001" and certificate["verify_url"].startswith("HTTPS://")
    pdf = client.get(f"/api/v1/certificates/{certificate['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    officer = APIClient()
    officer.force_authenticate(officers["reviewer"].user)
    assert officer.get(f"/api/v1/certificates/{certificate['id']}/pdf/").status_code == 200
    stranger = APIClient()
    stranger.force_authenticate(officers["crj"].user)
    assert stranger.get(f"/api/v1/certificates/{certificate['id']}/pdf/").status_code == 404


def test_a_failed_issue_leaves_the_case_approved_with_the_reason_and_the_approver_retries(
    file_application, officers, settings, django_capture_on_commit_callbacks
):
    from licensing import workflow

    app = file_application(on=D(2026, 3, 2))
    settings.TONGBAN_CJK_FONT = "/nonexistent/font.ttc"
    with at(D(2026, 3, 2)):
        workflow.application_accept(application=app, actor=officers["intake"].user)
        with django_capture_on_commit_callbacks(execute=True):
            recommend(app, officers["reviewer"])
            workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
    app.refresh_from_db()
    assert app.state == State.APPROVED and "font" in app.issue_error.lower()
    assert not Certificate.objects.exists()
    client = APIClient()
    client.force_authenticate(officers["approver"].user)
    queue = client.get("/api/v1/queue/", {"stage": "issuance"}).json()["results"]
    assert queue[0]["issue_error"]
    assert client.post(f"/api/v1/applications/{app.pk}/issue/").status_code == 503
    settings.TONGBAN_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    with at(D(2026, 3, 3)):
        response = client.post(f"/api/v1/applications/{app.pk}/issue/")
    assert response.status_code == 200 and response.json()["state"] == "issued"
    assert response.json()["certificate"]["number"] == "SCXK(滇)2026-0001"  # no number was lost


def test_one_stop_issues_a_work_permit_with_the_employees_data(issued):
    app = issued(on=D(2026, 3, 2), service="foreign-talent-one-stop")
    permit = Certificate.objects.get(application__parent=app, kind="work_permit")
    assert permit.holder_name == "Anna Schmidt" and permit.holder_code_type == "414"
    assert permit.number.startswith("530000") and permit.number.endswith("00000001") and len(permit.number) == 18
    assert app.state == State.ISSUED


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_numbers_are_gap_free_and_unique_under_concurrent_issuing(file_application, officers):
    import threading

    from django.db import connection, connections

    from certificates.services import certificate_issue
    from licensing import workflow

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    apps = []
    for _ in range(6):
        app = file_application(on=D(2026, 3, 2))
        with at(D(2026, 3, 2)):
            workflow.application_accept(application=app, actor=officers["intake"].user)
            from licensing import issuance

            saved = dict(issuance.issuers)
            issuance.issuers.clear()
            issuance.issuers["*"] = lambda **kw: None  # leave them approved; the threads issue
            try:
                recommend(app, officers["reviewer"])
                workflow.application_approve(application=app, actor=officers["approver"].user, opinion="同意")
            finally:
                issuance.issuers.clear()
                issuance.issuers.update(saved)
        apps.append(app)
    barrier = threading.Barrier(len(apps))
    errors = []

    def run(application):
        try:
            barrier.wait()
            with at(D(2026, 3, 3)):
                certificate_issue(application=application, actor=officers["approver"].user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == [f"SCXK(滇)2026-{n:04d}" for n in range(1, 7)]
