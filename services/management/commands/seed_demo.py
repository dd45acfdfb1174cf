from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from licensing.models import Applicant, ApplicantKind
from services.models import Authority, Officer, StaffRole
from services.validators import credit_code_check_char

ALL_ROLES = ["intake", "reviewer", "approver", "legal_reviewer", "supervisor"]

OFFICERS = [
    # username, full name, authority, roles
    ("intake", "李受理", "yn-kjt", ["intake"]),
    ("reviewer", "王审核", "yn-kjt", ["reviewer"]),
    ("approver", "张审批", "yn-kjt", ["approver"]),
    ("legal", "赵法制", "yn-kjt", ["legal_reviewer"]),
    ("supervisor", "陈监察", "yn-kjt", ["supervisor"]),
    ("kunming-intake", "刘受理", "km-kjj", ["intake"]),
    ("exit-entry", "杨出入境", "yn-crj", ALL_ROLES),
]

APPLICANTS = [
    ("applicant", "周申报", ApplicantKind.ORGANISATION, "云南省生物医药研究所", "12530400MB0D1234", "玉溪市",
     "云南省玉溪市红塔区九龙街道研发路8号", "孙所长"),
    ("employer", "吴人事", ApplicantKind.EMPLOYER, "云南高原智造科技有限公司", "91530100MA6K8899", "昆明市",
     "云南省昆明市高新区科医路16号", "马总经理"),
]

DEMO_ACCOUNTS = [(u, n) for u, n, *_ in OFFICERS] + [(u, n) for u, n, *_ in APPLICANTS] + [("admin", "系统管理员")]


class Command(BaseCommand):
    help = "Load the catalog and the calendar, and create the demo accounts (password: DEMO_PASSWORD)."

    def handle(self, *args, **options):
        call_command("load_catalog", stdout=self.stdout)
        call_command("load_calendar", stdout=self.stdout)
        with transaction.atomic():
            self._accounts(settings.TONGBAN_DEMO_PASSWORD)
        self.stdout.write("demo accounts: " + ", ".join(u for u, _ in DEMO_ACCOUNTS))

    def _user(self, username: str, full_name: str, password: str, **flags):
        user, created = get_user_model().objects.get_or_create(username=username)
        user.first_name = full_name
        user.email = f"{username}@demo.tongban.invalid"
        for flag, value in flags.items():
            setattr(user, flag, value)
        if created or not user.has_usable_password():
            user.set_password(password)
        user.save()
        return user

    def _accounts(self, password: str) -> None:
        roles = {role.code: role for role in StaffRole.objects.all()}
        for username, full_name, authority_code, role_codes in OFFICERS:
            user = self._user(username, full_name, password)
            officer, _ = Officer.objects.update_or_create(
                user=user, defaults={"authority": Authority.objects.get(code=authority_code)}
            )
            officer.roles.set([roles[code] for code in role_codes])
        for username, full_name, kind, unit, seed, city, address, legal_rep in APPLICANTS:
            user = self._user(username, full_name, password)
            Applicant.objects.update_or_create(
                user=user,
                defaults={
                    "kind": kind, "name": unit, "credit_code": seed + "0" + credit_code_check_char(seed + "0"),
                    "legal_representative": legal_rep, "city": city, "address": address,
                    "contact_name": full_name, "contact_phone": "0871-6000" + str(len(username)).zfill(4),
                },
            )
        self._user("admin", "系统管理员", password, is_staff=True, is_superuser=True)
