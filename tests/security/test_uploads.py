"""Uploaded materials: a PDF that can act (JavaScript, launch or open actions, embedded files) or that
is a PDF/HTML polyglot is refused with a field error; an image is re-encoded, so what was appended to it
is not stored; the stored file is the checked one."""

import hashlib
import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile

from licensing.models import MaterialSubmission
from tests.licensing.conftest import JPEG_BYTES, PDF_BYTES, PNG_BYTES, applicant, lab_data  # noqa: F401

PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"


def pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(kind: str, **fields):
    def build(writer):
        action = DictionaryObject({NameObject("/S"): NameObject(kind),
                                   **{NameObject(k): TextStringObject(v) for k, v in fields.items()}})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return build


def _names_tree_script(writer):
    action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                  NameObject("/JS"): TextStringObject("app.alert('x');")}))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("run"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


HOSTILE_PDFS = {
    "javascript (names tree)": lambda: pdf(_names_tree_script),
    "javascript open action": lambda: pdf(_open_action("/JavaScript", **{"/JS": "app.alert(1)"})),
    "launch action": lambda: pdf(_open_action("/Launch", **{"/F": "cmd.exe"})),
    "embedded file": lambda: pdf(lambda w: w.add_attachment("invoice.exe", b"MZ\x90\x00")),
    "html before %PDF": lambda: PAYLOAD + b"\n" + PDF_BYTES,
    "script after %%EOF": lambda: PDF_BYTES + PAYLOAD,
    "script in a comment after %%EOF": lambda: PDF_BYTES + b"%" + PAYLOAD + b"\n",
    "no %%EOF": lambda: PDF_BYTES.replace(b"%%EOF", b""),
    "not parseable": lambda: b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n",
}


@pytest.fixture
def api(applicant):  # noqa: F811
    client = APIClient()
    client.force_authenticate(applicant.user)
    return client


@pytest.fixture
def app_id(api):
    response = api.post("/api/v1/applications/", {"service": "lab-animal-production", "data": lab_data()},
                        format="json")
    return response.json()["id"]


def upload(api, app_id, material, content, name):
    return api.post(f"/api/v1/applications/{app_id}/materials/",
                    {"material": material, "file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.mark.parametrize("make", HOSTILE_PDFS.values(), ids=HOSTILE_PDFS.keys())
def test_a_pdf_that_can_act_or_is_a_polyglot_is_refused_with_a_field_error(api, app_id, make):
    response = upload(api, app_id, "floor-plan", make(), "plan.pdf")
    assert response.status_code == 400, response.json()
    assert response.json()["file"][0]
    assert not MaterialSubmission.objects.filter(application_id=app_id).exists()


def test_a_plain_pdf_with_a_comment_after_its_end_is_stored_as_sent(api, app_id):
    content = PDF_BYTES + b"% scanned 2026-03-02\n"
    assert upload(api, app_id, "floor-plan", content, "plan.pdf").status_code == 201
    stored = MaterialSubmission.objects.get(application_id=app_id)
    assert stored.file.read() == content and stored.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(("original", "name", "kind"),
                         [(PNG_BYTES, "plan.png", "PNG"), (JPEG_BYTES, "plan.jpg", "JPEG")])
def test_an_image_is_re_encoded_and_what_was_appended_is_not_stored(api, app_id, original, name, kind):
    response = upload(api, app_id, "floor-plan", original + PAYLOAD, name)
    assert response.status_code == 201, response.json()
    stored = MaterialSubmission.objects.get(application_id=app_id)
    content = stored.file.read()
    assert PAYLOAD not in content and b"<script" not in content
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == kind and image.size == (8, 8)


def test_a_broken_image_is_refused(api, app_id):
    response = upload(api, app_id, "floor-plan", PNG_BYTES[:40], "plan.png")
    assert response.status_code == 400
    assert response.json()["file"][0]
