from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from services.demo import demo_seeders, demo_user
from services.models import Authority, Officer, StaffRole

# Each authority can take a case from intake to decision with separation of duties: the officer who
# recommends is not the approver, and whoever proposes a refusal is not the legal reviewer.
OFFICERS = [
    # username, full name, authority, roles
    ("intake", "李受理", "yn-kjt", ["intake"]),
    ("reviewer", "王审核", "yn-kjt", ["reviewer"]),
    ("approver", "张审批", "yn-kjt", ["approver"]),
    ("legal", "赵法制", "yn-kjt", ["legal_reviewer"]),
    ("supervisor", "陈监察", "yn-kjt", ["supervisor"]),
    ("exit-entry", "杨出入境", "yn-crj", ["intake", "reviewer"]),
    ("exit-entry-approver", "郑审批", "yn-crj", ["approver"]),
    ("exit-entry-legal", "何法制", "yn-crj", ["legal_reviewer"]),
    ("kunming-intake", "刘受理", "km-kjj", ["intake"]),
    ("kunming-reviewer", "黄审核", "km-kjj", ["reviewer"]),
    ("kunming-approver", "钱审批", "km-kjj", ["approver"]),
    ("kunming-legal", "冯法制", "km-kjj", ["legal_reviewer"]),
]


def is_production() -> bool:
    """Running under config.settings.production (or a settings module built on it)."""
    return getattr(settings, "TONGBAN_PRODUCTION", False)


class Command(BaseCommand):
    help = (
        "Load the catalog and the calendar, and create or update the demo accounts (password: DEMO_PASSWORD): "
        "officers here, the other apps' accounts through their registered demo seeders."
    )

    def handle(self, *args, **options):
        if is_production():
            raise CommandError(
                "seed_demo creates accounts with the public demo password and refuses to run under production "
                "settings. Load the catalog and the calendar (manage.py load_catalog, manage.py load_calendar) "
                "and create the first administrator with manage.py createsuperuser."
            )
        call_command("load_catalog", stdout=self.stdout)
        call_command("load_calendar", stdout=self.stdout)
        with transaction.atomic():
            usernames = self._accounts(settings.TONGBAN_DEMO_PASSWORD)
        self.stdout.write("demo accounts: " + ", ".join(usernames))

    def _accounts(self, password: str) -> list[str]:
        roles = {role.code: role for role in StaffRole.objects.all()}
        for username, full_name, authority_code, role_codes in OFFICERS:
            user = demo_user(username=username, full_name=full_name, password=password)
            officer, _ = Officer.objects.update_or_create(
                user=user, defaults={"authority": Authority.objects.get(code=authority_code)}
            )
            officer.roles.set([roles[code] for code in role_codes])
        usernames = [username for username, *_ in OFFICERS]
        for seeder in demo_seeders:
            usernames += seeder(password=password)
        demo_user(username="admin", full_name="系统管理员", password=password, is_staff=True, is_superuser=True)
        return [*usernames, "admin"]
