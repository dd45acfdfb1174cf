"""Fixtures: the inspection list, inspectors with enforcement certificates, licence holders issued
through the real workflow, a supervisor's API client."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from supervision.items import inspection_items_load
from supervision.models import Inspector, ManualTarget
from tests.certificates.conftest import issued  # noqa: F401
from tests.factories import credit_code, make_officer
from tests.licensing.conftest import applicant, at, file_application, lab_data, officers  # noqa: F401

ISSUED_ON = dt.date(2026, 3, 2)
DRAW_DAY = dt.date(2026, 3, 10)  # a Tuesday


def add_inspector(officer, number: str, *, until=dt.date(2027, 12, 31), since=None) -> Inspector:
    name = officer.user.get_full_name() or officer.user.username
    return Inspector.objects.create(officer=officer, certificate_number=number, surname=name[:1],
                                    valid_from=since, valid_until=until)


@pytest.fixture
def items(catalog):
    return inspection_items_load()


@pytest.fixture
def inspectors(officers, items):  # noqa: F811
    """Eight inspectors with a valid certificate on DRAW_DAY (the department's intake, reviewer,
    approver and legal officers among them) and one whose certificate expired the day before."""
    people = {
        "intake": add_inspector(officers["intake"], "ZF-001"),
        "reviewer": add_inspector(officers["reviewer"], "ZF-002"),
        "approver": add_inspector(officers["approver"], "ZF-003"),
        "legal": add_inspector(officers["legal"], "ZF-004"),
    }
    for n in range(5, 9):
        people[f"x{n}"] = add_inspector(make_officer(f"t-inspector-{n}", "yn-kjt"), f"ZF-00{n}")
    people["expired"] = add_inspector(make_officer("t-inspector-old", "yn-kjt"), "ZF-009",
                                      until=DRAW_DAY - dt.timedelta(days=1))
    people["km"] = add_inspector(make_officer("t-inspector-km", "km-kjj"), "ZF-KM1")
    return people


@pytest.fixture
def licence_holder(issued):  # noqa: F811
    """A lab animal production licence granted by the provincial department's intake, reviewer and
    approver officers (the case log names them)."""
    code = credit_code("12530400MB0D77770")
    application = issued(on=ISSUED_ON, data=lab_data(credit_code=code, unit_name="云南省抽查样本研究所"))
    return application


@pytest.fixture
def manual_targets(catalog):
    from services.models import Authority

    authority = Authority.objects.get(code="yn-kjt")
    return [ManualTarget.objects.create(authority=authority, credit_code=credit_code(f"915301000000{n:05d}"),
                                        name=f"手工名录单位{n}") for n in range(1, 6)]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
