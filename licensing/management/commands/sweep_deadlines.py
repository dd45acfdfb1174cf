import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from licensing.workflow import deadlines_sweep


class Command(BaseCommand):
    help = (
        "Deemed acceptances (Art. 32), yellow warnings and overdue flags with their notices. Idempotent; "
        "safe to run from several machines at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="the day to sweep as (YYYY-MM-DD); default: today in Asia/Shanghai")

    def handle(self, *args, as_of=None, **options):
        on = None
        if as_of:
            try:
                on = dt.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)") from exc
        result = deadlines_sweep(on=on)
        self.stdout.write(
            f"deemed accepted: {result.deemed_accepted}; yellow warnings: {result.warned}; "
            f"overdue: {result.overdue}"
        )
