"""The notice download from the case page: a PDF named after the notice's number, through the shared
Content-Disposition helper (an ASCII fallback and the real name)."""

import datetime as dt

from django.urls import reverse

from services.downloads import attachment_disposition

from .conftest import at


def test_notice_pdf_download_is_named_by_its_number(client, file_application):
    app = file_application()
    notice = app.notices.get()
    client.force_login(app.applicant.user)
    with at(dt.date(2025, 9, 26)):
        response = client.get(reverse("notice-document", args=[notice.pk]), {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == attachment_disposition(f"{notice.number}.pdf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and notice.number in disposition
