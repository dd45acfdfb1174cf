"""Forms that help: nationality chosen by name (pycountry's ISO 3166 list in Chinese and English) and
stored as the alpha-3 code, passport numbers normalised, the passport's validity checked when it is
saved (the task stays "not done"), and a warning the applicant confirms when one file is uploaded
for two materials."""

import datetime as dt
import re

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from licensing import workflow
from licensing.models import MaterialSubmission
from services.catalog.countries import country_choices, country_codes, country_name
from services.catalog.forms import form_schema, validate_form
from services.constants import MaterialMode
from tests.licensing.conftest import PDF_BYTES, person_data

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def client_for(user, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def details_post(data: dict) -> dict:
    """The details form as a browser posts it: every field, dates as YYYY-MM-DD."""
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def one_stop(file_application):
    return file_application(on=dt.date(2026, 11, 27), service="foreign-talent-one-stop", submit=False)


def test_the_country_list_is_pycountrys_with_chinese_and_english_names():
    codes = country_codes()
    assert len(codes) == 249 and {"DEU", "USA", "GBR", "JPN", "FRA"} <= set(codes)
    assert country_name("DEU", english=False) == "德国" and country_name("DEU", english=True) == "Germany"
    assert dict(country_choices(english=False))["DEU"] == "德国 · Germany (DEU)"
    assert dict(country_choices(english=True))["DEU"] == "Germany · 德国 (DEU)"
    assert form_schema("foreign-talent-one-stop")["properties"]["nationality"]["enum"] == list(codes)


def test_nationality_is_a_select_of_country_names_storing_the_alpha3_code(one_stop):
    client = client_for(one_stop.applicant.user)
    url = reverse("application-details", args=[one_stop.pk])
    body = client.get(url).content.decode()
    select = re.search(r'<select name="nationality"[^>]*>(.*?)</select>', body, re.S)
    assert select and 'data-searchable="countries"' in body and "输入国名（中文或英文）或三位字母代码筛选" in body
    assert '<option value="DEU" selected>德国 · Germany (DEU)</option>' in select[1]
    assert select[1].count("<option") == 250  # the blank choice and every country
    response = client.post(url, details_post(person_data(nationality="FRA")))
    assert response.status_code == 302
    one_stop.refresh_from_db()
    assert one_stop.data["nationality"] == "FRA"
    # A country's name is not a stored value: the select only posts codes.
    response = client.post(url, details_post(person_data(nationality="Germany")))
    assert response.status_code == 400
    one_stop.refresh_from_db()
    assert one_stop.data["nationality"] == "FRA"
    english = client_for(one_stop.applicant.user, "en").get(url).content.decode()
    assert '<option value="FRA" selected>France · 法国 (FRA)</option>' in english


def test_the_check_page_names_the_country(one_stop):
    body = client_for(one_stop.applicant.user).get(reverse("application-check", args=[one_stop.pk])).content.decode()
    assert "德国 (DEU)" in body


def test_a_lowercase_passport_number_is_saved_in_upper_case(one_stop):
    client = client_for(one_stop.applicant.user)
    response = client.post(reverse("application-details", args=[one_stop.pk]),
                           details_post(person_data(passport_number=" c01x 00t48 ")))
    assert response.status_code == 302
    one_stop.refresh_from_db()
    assert one_stop.data["passport_number"] == "C01X00T48"
    # The API's path (the workflow) normalises too.
    workflow.application_update_data(application=one_stop, data={"passport_number": "e1234567", "nationality": "usa"},
                                     actor=one_stop.applicant.user)
    one_stop.refresh_from_db()
    assert one_stop.data["passport_number"] == "E1234567" and one_stop.data["nationality"] == "USA"


def test_a_passport_short_of_six_months_is_refused_when_saved_and_the_task_stays_undone(one_stop):
    client = client_for(one_stop.applicant.user)
    short = (dt.date.today() + dt.timedelta(days=100)).isoformat()
    response = client.post(reverse("application-details", args=[one_stop.pk]),
                           details_post(person_data(passport_expiry=short)))
    assert response.status_code == 400
    body = response.content.decode()
    assert "护照有效期须在6个月以上" in body and 'href="#id_passport_expiry"' in body
    one_stop.refresh_from_db()
    assert one_stop.data["passport_expiry"] == "2031-05-01"  # not saved
    # The draft check is the submission's check (the same rule, made at save time).
    assert "passport_expiry" in validate_form("foreign-talent-one-stop", {"passport_expiry": short},
                                              complete=False, today=dt.date.today())
    assert "birth_date" in validate_form("foreign-talent-one-stop", {"birth_date": "2015-01-01"},
                                         complete=False, today=dt.date.today())


def test_a_passport_that_ran_short_since_saving_shows_the_task_as_not_done(one_stop):
    one_stop.data = {**one_stop.data, "passport_expiry": (dt.date.today() + dt.timedelta(days=30)).isoformat()}
    one_stop.save(update_fields=["data"])
    body = client_for(one_stop.applicant.user).get(reverse("application-detail", args=[one_stop.pk])).content.decode()
    status = re.search(r'<strong class="tag [^"]*" id="status-details">([^<]+)</strong>', body)
    assert status and status[1] == "未完成"


def _pdf_material(application):
    return next(m for m in application.service_type.materials.all()
                if m.mode in (MaterialMode.UPLOAD, MaterialMode.COMMITMENT) and "pdf" in m.file_types
                and m.accepts_upload)


def test_the_same_file_for_two_materials_is_warned_and_taken_once_confirmed(file_application):
    application = file_application(submit=False)  # every material holds the same test PDF
    material = _pdf_material(application)
    client = client_for(application.applicant.user)
    url = reverse("application-material", args=[application.pk, material.code])
    before = MaterialSubmission.objects.filter(application=application, material=material, superseded=False).get()
    post = {"action": "upload", "document_date": TODAY.isoformat()}
    response = client.post(url, {**post, "file": SimpleUploadedFile("again.pdf", PDF_BYTES)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "已上传的文件完全相同" in body
    assert 'type="checkbox" name="confirm_duplicate"' in body
    assert MaterialSubmission.objects.get(pk=before.pk).superseded is False  # nothing replaced yet
    response = client.post(url, {**post, "confirm_duplicate": "on", "file": SimpleUploadedFile("again.pdf", PDF_BYTES)})
    assert response.status_code == 302
    assert MaterialSubmission.objects.filter(application=application, material=material, superseded=False) \
        .exclude(pk=before.pk).exists()


def test_a_different_file_is_taken_without_a_warning(file_application):
    application = file_application(submit=False)
    material = _pdf_material(application)
    client = client_for(application.applicant.user)
    response = client.post(reverse("application-material", args=[application.pk, material.code]), {
        "action": "upload", "document_date": TODAY.isoformat(),
        "file": SimpleUploadedFile("other.pdf", PDF_BYTES + b"% another document\n")})
    assert response.status_code == 302
    body = client.get(reverse("application-material", args=[application.pk, material.code])).content.decode()
    assert 'name="confirm_duplicate"' in body and 'type="hidden" name="confirm_duplicate"' in body


def test_the_same_image_for_two_materials_is_warned_although_images_are_stored_re_encoded(file_application):
    from licensing.materials import minimal_files

    application = file_application(submit=False)
    images = [m for m in application.service_type.materials.all()
              if m.accepts_upload and "jpeg" in m.file_types]
    assert len(images) >= 2, [m.code for m in application.service_type.materials.all()]
    jpeg = minimal_files()["jpeg"]
    workflow.material_upload(application=application, material_code=images[0].code,
                             uploaded=SimpleUploadedFile("a.jpg", jpeg), document_date=TODAY,
                             actor=application.applicant.user)
    url = reverse("application-material", args=[application.pk, images[1].code])
    response = client_for(application.applicant.user).post(url, {
        "action": "upload", "document_date": TODAY.isoformat(), "file": SimpleUploadedFile("b.jpg", jpeg)})
    assert response.status_code == 400
    assert "已上传的文件完全相同" in response.content.decode()
