import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from licensing.metrics.simulation import simulate_history, write_legacy_cohort
from licensing.models import Application
from services.models import Officer


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Create a realistic history of cases by calling the real service functions with the clock moved, "
        "and write a legacy (pre-reform) cohort CSV for import_legacy_cases. Needs seed_demo first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day of filings (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", required=True, help="last day of filings (YYYY-MM-DD)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already holds applications")
        parser.add_argument("--cohort", default=str(Path(settings.VAR_DIR) / "legacy_cohort_2022.csv"),
                            help="where to write the legacy cohort CSV (default: var/legacy_cohort_2022.csv)")
        parser.add_argument("--with-certificates", action="store_true",
                            help="let the registered certificate issuer sign a PDF for every approval (slow)")

    def handle(self, *args, start, end, seed, if_empty, cohort, with_certificates, **options):
        start, end = _date(start, "--from"), _date(end, "--to")
        if end < start:
            raise CommandError("--to is before --from")
        today = timezone.localdate()
        if start >= today:
            raise CommandError("the simulated history must start before today")
        if if_empty and Application.objects.exists():
            self.stdout.write("simulate_history: the database already has applications; nothing to do")
            return
        if not Officer.objects.filter(user__username="intake").exists():
            raise CommandError("run `manage.py seed_demo` first (the simulation acts as the demo officers)")
        # Filings stop at --to; the cases still open then are worked on until they close (never past yesterday).
        until = min(today - dt.timedelta(days=1), end + dt.timedelta(days=120))
        result = simulate_history(start=start, end=min(end, until), seed=seed, until=until,
                                  with_certificates=with_certificates)
        path = write_legacy_cohort(Path(cohort), seed=seed)
        filings = sum(result.filings.values())
        self.stdout.write(f"simulated {result.days} days ({start} – {result.last_day}) in {result.seconds:.1f} s "
                          f"({result.cpu_seconds:.1f} s CPU): "
                          f"{filings} filings")
        for code, count in sorted(result.filings.items()):
            self.stdout.write(f"  {code:<26} {count:>4}")
        self.stdout.write("outcomes: " + ", ".join(f"{state} {n}" for state, n in sorted(result.outcomes.items())))
        if result.open_cases:
            self.stdout.write(f"still open at the end: {result.open_cases}")
        for error in result.errors[:20]:
            self.stderr.write(f"  {error}")
        if result.errors:
            self.stderr.write(f"{len(result.errors)} acts were refused by the workflow (see above)")
        self.stdout.write(f"legacy cohort written to {path} (import it with import_legacy_cases)")
