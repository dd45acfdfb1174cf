"""Fixtures for the workflow: demo-like officers, a complete lab animal filing, test files."""

import datetime as dt

import pytest
import time_machine

from django.core.files.uploadedfile import SimpleUploadedFile

from licensing import workflow
from licensing.models import Application
from services.constants import MaterialMode
from services.selectors import service_type_current
from tests.factories import ApplicantFactory, make_officer


def _minimal_files() -> tuple[bytes, bytes, bytes]:
    """A real one-page PDF, PNG and JPEG (uploads are parsed and images re-encoded, so fakes fail)."""
    import io

    from PIL import Image
    from pypdf import PdfWriter

    writer, pdf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    images = []
    for kind in ("PNG", "JPEG"):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind)
        images.append(out.getvalue())
    return pdf.getvalue(), images[0], images[1]


PDF_BYTES, PNG_BYTES, JPEG_BYTES = _minimal_files()


def pdf_file(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def lab_data(**overrides) -> dict:
    data = {
        "unit_name": "云南省测试研究所",
        "credit_code": "12530400MB0D12340",
        "legal_representative": "孙所长",
        "city": "玉溪市",
        "facility_address": "云南省玉溪市红塔区研发路8号动物实验楼",
        "scope": [{"environment": "barrier", "species": ["mouse", "rat"]}],
        "contact_name": "周申报",
        "contact_phone": "0877-2020202",
    }
    from services.validators import credit_code_check_char

    data["credit_code"] = data["credit_code"][:17] + credit_code_check_char(data["credit_code"][:17])
    data.update(overrides)
    return data


def person_data(**overrides) -> dict:
    from services.validators import credit_code_check_char

    seed = "91530100MA6K88990"
    data = {
        "employer_name": "云南高原智造科技有限公司",
        "employer_credit_code": seed + credit_code_check_char(seed),
        "full_name": "Anna Schmidt",
        "nationality": "DEU",
        "passport_number": "C01X00T47",
        "passport_expiry": "2031-05-01",
        "birth_date": "1986-03-14",
        "position": "Senior process engineer",
        "annual_salary_cny": 480000,
        "highest_degree": "doctorate",
        "experience_years": 9,
        "chinese_level": 3,
        "months_per_year": 12,
    }
    data.update(overrides)
    return data


def fill_materials(application: Application, *, on: dt.date, commit: bool = True) -> None:
    """Upload every required material (dated `on`) and sign every commitment."""
    actor = application.applicant.user
    for material in application.service_type.materials.all():
        if material.mode == MaterialMode.COMMITMENT and commit:
            workflow.commitment_sign(application=application, material_code=material.code, actor=actor)
        elif material.mode == MaterialMode.UPLOAD and material.required:
            content = PNG_BYTES if "png" in material.file_types and "pdf" not in material.file_types else PDF_BYTES
            upload = SimpleUploadedFile(f"{material.code}.bin", content)
            workflow.material_upload(application=application, material_code=material.code, uploaded=upload,
                                     document_date=on if material.max_age_days else None, actor=actor)


@pytest.fixture
def officers(catalog):
    return {
        "intake": make_officer("t-intake", "yn-kjt", "intake"),
        "reviewer": make_officer("t-reviewer", "yn-kjt", "reviewer"),
        "approver": make_officer("t-approver", "yn-kjt", "approver"),
        "legal": make_officer("t-legal", "yn-kjt", "legal_reviewer"),
        "supervisor": make_officer("t-supervisor", "yn-kjt", "supervisor"),
        "km_intake": make_officer("t-km-intake", "km-kjj", "intake"),
        "crj": make_officer("t-crj", "yn-crj", "intake", "reviewer", "supervisor"),
        "crj_approver": make_officer("t-crj-approver", "yn-crj", "approver"),
        "crj_legal": make_officer("t-crj-legal", "yn-crj", "legal_reviewer"),
    }


def recommend(application, reviewer, opinion: str = "经审查，符合法定条件，建议准予许可。"):
    """The handling officer's opinion, which hands an accepted case to the approver."""
    return workflow.application_recommend(application=application, actor=reviewer.user, opinion=opinion)


@pytest.fixture
def applicant(catalog):
    return ApplicantFactory()


@pytest.fixture
def file_application(applicant):
    """file_application(on=date, service=code, submit=True) → a filed application, time frozen at `on`."""

    def make(*, on: dt.date = dt.date(2025, 9, 26), service: str = "lab-animal-production", submit: bool = True,
             data: dict | None = None, who=None, original_licence_number: str | None = None):
        who = who or applicant
        with time_machine.travel(dt.datetime.combine(on, dt.time(10, 0)).astimezone(dt.UTC), tick=False):
            service_type = service_type_current(code=service)
            if data is None:
                data = person_data() if service.startswith("foreign") else lab_data()
            application = workflow.application_create(applicant=who, service_type=service_type, data=data,
                                                      actor=who.user, original_licence_number=original_licence_number)
            fill_materials(application, on=on)
            if submit:
                workflow.application_submit(application=application, actor=who.user)
        application.refresh_from_db()
        return application

    return make


def at(day: dt.date, hour: int = 10):
    """Freeze time at `hour` o'clock Beijing time on `day`."""
    from zoneinfo import ZoneInfo

    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, 0), tzinfo=ZoneInfo("Asia/Shanghai")),
                               tick=False)
