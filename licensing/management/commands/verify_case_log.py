from django.core.management.base import BaseCommand, CommandError

from licensing.caselog import verify_case_log
from licensing.models import Application


class Command(BaseCommand):
    help = "Recompute the hash chain of every case log; name the first row that does not match."

    def add_arguments(self, parser):
        parser.add_argument("--case", action="append", help="only these case numbers")

    def handle(self, *args, case=None, **options):
        ids = None
        if case:
            ids = list(Application.objects.filter(case_number__in=case).values_list("pk", flat=True))
            if len(ids) != len(set(case)):
                raise CommandError("unknown case number among: " + ", ".join(case))
        checked, breaks = verify_case_log(application_ids=ids)
        for item in breaks:
            self.stderr.write(f"{item.case_number}: row #{item.seq} {item.problem}")
        if breaks:
            raise CommandError(f"{len(breaks)} case log(s) altered; {checked} rows checked")
        self.stdout.write(f"case log intact: {checked} rows checked")
