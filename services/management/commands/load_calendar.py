from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from services.calendar import ScheduleError, calendar_load_bundled, calendar_load_schedule


class Command(BaseCommand):
    help = (
        "Load the official working-day calendar. Without arguments: the schedules bundled with "
        "chinesecalendar. With FILE: one year's State Council schedule (see README for the format)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a year's schedule: 'year', 'holiday' and 'workday' lines")
        parser.add_argument("--year", type=int, action="append", help="bundled years to load (default: all)")

    def handle(self, *args, file=None, year=None, **options):
        if file:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            try:
                result = calendar_load_schedule(text=path.read_text(encoding="utf-8"))
            except ScheduleError as exc:
                raise CommandError(f"{file}: {exc}") from exc
        else:
            result = calendar_load_bundled(years=year)
        years = result.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        self.stdout.write(f"calendar: {span} official, {result.days} adjusted days")
