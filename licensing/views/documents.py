"""The downloads the pages link to: an uploaded material, a notice as a page or a PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from services.downloads import attachment_disposition

from ..documents import notice_pdf
from ..models import MaterialSubmission, Notice
from ..permissions import material_visible
from .common import (
    _visible,
)


@login_required
def material_file(request: HttpRequest, pk: int, submission_pk: int) -> FileResponse:
    """An uploaded material, shown inline in the browser to the applicant and the officers."""
    submission = get_object_or_404(MaterialSubmission.objects.select_related("application", "material"),
                                   pk=submission_pk, application_id=pk)
    application = _visible(request, submission.application)
    # A track's officers see the joint filing's shared materials and their own track's, not the other
    # agency's (404: nobody learns what the other track holds).
    if not submission.file or not material_visible(request.user, application, submission.material):
        raise Http404
    response = FileResponse(submission.file.open("rb"), content_type=submission.content_type)
    response["Content-Disposition"] = f'inline; filename="material-{submission.pk}.{submission.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; object-src 'self'"
    return response


@login_required
def notice_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice as an HTML page, or as a PDF with ?format=pdf (&lang=en for the English text)."""
    notice = get_object_or_404(Notice.objects.select_related("application__applicant", "application__authority"),
                               pk=pk)
    _visible(request, notice.application)
    english = request.GET.get("lang") == "en"
    if request.GET.get("format") == "pdf":
        response = HttpResponse(notice_pdf(notice, english=english), content_type="application/pdf")
        response["Content-Disposition"] = attachment_disposition(f"{notice.number}.pdf")
        return response
    return render(request, "licensing/notice.html", {"notice": notice, "content": notice.content,
                                                     "english": english})
