import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from licensing.constants import FINAL_STATES, State
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
        parser.add_argument("--until", help="stop working on cases on this day (default: drain them, up to "
                            "yesterday); with --until today the cases filed lately are left open in their states")
        parser.add_argument("--if-no-open", action="store_true",
                            help="do nothing when the database already holds open cases")

    def handle(self, *args, start, end, seed, if_empty, cohort, with_certificates, until=None, if_no_open=False,
               **options):
        today = timezone.localdate()
        start = today - dt.timedelta(days=int(start[1:])) if start.startswith("-") else _date(start, "--from")
        end = today if end == "today" else _date(end, "--to")
        if end < start:
            raise CommandError("--to is before --from")
        if start >= today:
            raise CommandError("the simulated history must start before today")
        if if_empty and Application.objects.exists():
            self.stdout.write("simulate_history: the database already has applications; nothing to do")
            return
        if if_no_open and Application.objects.exclude(state__in=[*FINAL_STATES, State.DRAFT]).exists():
            self.stdout.write("simulate_history: the database already has open cases; nothing to do")
            return
        if not Officer.objects.filter(user__username="intake").exists():
            raise CommandError("run `manage.py seed_demo` first (the simulation acts as the demo officers)")
        # Filings stop at --to; the cases still open then are worked on until they close (never past yesterday).
        if until == "today":
            until = today
        elif until:
            until = min(_date(until, "--until"), today)
        else:
            until = min(today - dt.timedelta(days=1), end + dt.timedelta(days=120))
        result = simulate_history(start=start, end=min(end, until), seed=seed, until=until,
                                  with_certificates=with_certificates)
        path = write_legacy_cohort(Path(cohort), seed=seed) if cohort else None
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
        if path:
            self.stdout.write(f"legacy cohort written to {path} (import it with import_legacy_cases)")
