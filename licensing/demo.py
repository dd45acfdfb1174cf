"""The demo's applicants: a research institute and an employer of foreign staff, seeded by
`manage.py seed_demo` through the registry in services.demo (registered in LicensingConfig.ready)."""

from services.demo import demo_user
from services.validators import credit_code_check_char

from .models import Applicant, ApplicantKind

APPLICANTS = [
    # username, full name, kind, unit, first 16 characters of the credit code, city, address, legal representative
    ("applicant", "周申报", ApplicantKind.ORGANISATION, "云南省生物医药研究所", "12530400MB0D1234", "玉溪市",
     "云南省玉溪市红塔区九龙街道研发路8号", "孙所长"),
    ("employer", "吴人事", ApplicantKind.EMPLOYER, "云南高原智造科技有限公司", "91530100MA6K8899", "昆明市",
     "云南省昆明市高新区科医路16号", "马总经理"),
]


def seed_demo_applicants(*, password: str) -> list[str]:
    for username, full_name, kind, unit, seed, city, address, legal_rep in APPLICANTS:
        user = demo_user(username=username, full_name=full_name, password=password)
        Applicant.objects.update_or_create(
            user=user,
            defaults={
                "kind": kind, "name": unit, "credit_code": seed + "0" + credit_code_check_char(seed + "0"),
                "legal_representative": legal_rep, "city": city, "address": address,
                "contact_name": full_name, "contact_phone": "0871-6000" + str(len(username)).zfill(4),
            },
        )
    return [username for username, *_ in APPLICANTS]
