"""The demo's inspector directory: 15 inspectors at the provincial department (the officers intake,
reviewer, approver and legal, and eleven logins inspector-01 … inspector-11), each with an
enforcement certificate valid 2024–2030; seeded by `manage.py seed_demo` (SupervisionConfig.ready)."""

import datetime as dt

from services.demo import demo_user
from services.models import Authority, Officer

from .items import inspection_items_load
from .models import Inspector

AUTHORITY = "yn-kjt"
OFFICER_INSPECTORS = ["intake", "reviewer", "approver", "legal"]
NEW_INSPECTORS = [("inspector-01", "孙明远"), ("inspector-02", "周丽华"), ("inspector-03", "吴刚"),
                  ("inspector-04", "郑晓华"), ("inspector-05", "冯敏"), ("inspector-06", "陈静"),
                  ("inspector-07", "褚卫东"), ("inspector-08", "卫强"), ("inspector-09", "蒋芳"),
                  ("inspector-10", "沈磊"), ("inspector-11", "韩雪梅")]
VALID_FROM = dt.date(2024, 1, 1)
VALID_UNTIL = dt.date(2030, 12, 31)


def certificate_number(index: int) -> str:
    return f"YNKJ2024{index:03d}"


def seed_demo_inspectors(*, password: str) -> list[str]:
    inspection_items_load()
    authority = Authority.objects.get(code=AUTHORITY)
    created = []
    officers = list(Officer.objects.filter(authority=authority, user__username__in=OFFICER_INSPECTORS)
                    .select_related("user"))
    officers.sort(key=lambda o: OFFICER_INSPECTORS.index(o.user.username))
    for username, full_name in NEW_INSPECTORS:
        user = demo_user(username=username, full_name=full_name, password=password)
        officer, _ = Officer.objects.update_or_create(user=user, defaults={"authority": authority,
                                                                            "title": "执法检查人员"})
        officers.append(officer)
        created.append(username)
    for index, officer in enumerate(officers, start=1):
        name = officer.user.get_full_name() or officer.user.username
        Inspector.objects.update_or_create(officer=officer, defaults={
            "certificate_number": certificate_number(index), "surname": name[:1], "valid_from": VALID_FROM,
            "valid_until": VALID_UNTIL, "active": True})
    return created
