"""Issued certificates: the download is named by the licence number (ASCII fallback in the header),
and a work permit carries the photo the applicant uploaded."""

import datetime as dt
import io
from urllib.parse import unquote

from pypdf import PdfReader
from rest_framework.test import APIClient

from certificates.models import Certificate
from tests.pdflines import drawn_lines

ON = dt.date(2026, 3, 2)


def _download(certificate: Certificate, user):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/certificates/{certificate.pk}/pdf/")


def _image_count(pdf: bytes) -> int:
    xobjects = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get("/XObject", {})
    return sum(ref.get_object()["/Subtype"] == "/Image" for ref in xobjects.values())


def test_the_licence_pdf_downloads_as_its_number_with_an_ascii_fallback(issued):
    application = issued(on=ON)
    certificate = Certificate.objects.get(application=application)
    assert certificate.number.startswith("SCXK(滇)2026-")
    response = _download(certificate, application.applicant.user)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    serial = certificate.number.rsplit("-", 1)[1]
    assert disposition.startswith(f'attachment; filename="SCXK-Dian-2026-{serial}.pdf"; filename*=UTF-8\'\'')
    assert unquote(disposition.split("UTF-8''", 1)[1]) == f"{certificate.number}.pdf"
    assert certificate.identifier not in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_work_permit_shows_the_uploaded_photo_and_its_labels(issued):
    application = issued(on=ON, service="foreign-work-permit")
    certificate = Certificate.objects.get(application=application)
    pdf = certificate.pdf.open("rb").read()
    assert _image_count(pdf) == 1
    texts = [line.text for line in drawn_lines(pdf)]
    assert {"发证机关", "发证日期", "Issuing authority", "Date of issue"} <= set(texts)
    assert "照片" not in texts  # no placeholder where the photo is
    response = _download(certificate, application.applicant.user)
    assert f'filename="{certificate.number}.pdf"' in response["Content-Disposition"]  # digits: ASCII already


def test_a_permit_without_a_photo_upload_shows_the_placeholder(issued):
    from licensing.models import MaterialSubmission

    application = issued(on=ON, service="foreign-work-permit")
    certificate = Certificate.objects.get(application=application)
    MaterialSubmission.objects.filter(application=application, material__code="photo").update(file="")
    from certificates.services import holder_photo

    assert holder_photo(application) is None
    assert _image_count(certificate.pdf.open("rb").read()) == 1  # the issued one keeps its photo


def test_a_lab_animal_licence_has_no_photo(issued):
    application = issued(on=ON)
    pdf = Certificate.objects.get(application=application).pdf.open("rb").read()
    assert _image_count(pdf) == 0 and "照片" not in [line.text for line in drawn_lines(pdf)]
