"""Data the topology's administrator would enter in the admin, run by `manage.py shell` inside the
deployment (production settings): the officers of the provincial department, an applicant, and a
case left silent past its acceptance deadline. Prints JSON for the fixture."""

from __future__ import annotations

import datetime as dt
import json

PASSWORD = "topology-password-7f3c"
OFFICERS = {"intake": "intake", "reviewer": "reviewer", "approver": "approver", "approver2": "approver"}
SILENT_FILED_ON = dt.date(2026, 11, 2)  # a Monday: its 5 working days for acceptance are long gone


def seed_people() -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from licensing.models import Applicant, ApplicantKind
    from services.models import Authority, Officer, StaffRole
    from services.validators import credit_code_check_char

    User = get_user_model()
    with transaction.atomic():
        authority = Authority.objects.get(code="yn-kjt")
        for username, role in OFFICERS.items():
            user = User.objects.create_user(username=f"topo-{username}", password=PASSWORD)
            Officer.objects.create(user=user, authority=authority).roles.set(StaffRole.objects.filter(code=role))
        user = User.objects.create_user(username="topo-applicant", password=PASSWORD)
        seed = "12530400MB0D12340"
        Applicant.objects.create(
            user=user, kind=ApplicantKind.ORGANISATION, name="云南省拓扑测试研究所",
            credit_code=seed + credit_code_check_char(seed), legal_representative="孙所长", city="玉溪市",
            address="云南省玉溪市红塔区研发路8号", contact_name="周申报", contact_phone="0877-2020202")
    print(json.dumps({"officers": [f"topo-{u}" for u in OFFICERS], "applicant": "topo-applicant"}))


def file_silent_case() -> None:
    """A lab animal case submitted on SILENT_FILED_ON (the clock moved back) and left untouched."""
    from licensing import workflow
    from licensing.models import Applicant
    from services.selectors import service_type_current
    from tests.licensing.conftest import at, fill_materials, lab_data

    applicant = Applicant.objects.select_related("user").get(user__username="topo-applicant")
    with at(SILENT_FILED_ON):
        application = workflow.application_create(
            applicant=applicant, service_type=service_type_current(code="lab-animal-production"),
            data=lab_data(), actor=applicant.user)
        fill_materials(application, on=SILENT_FILED_ON)
        workflow.application_submit(application=application, actor=applicant.user)
    print(json.dumps({"id": application.pk}))
