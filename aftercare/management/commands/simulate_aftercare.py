from django.core.management.base import BaseCommand, CommandError

from services.models import Officer


class Command(BaseCommand):
    help = ("Stage the demo's life after the licence: licences near expiry with their reminders, renewals (one "
            "deemed granted), an expiry and a cancellation, commitment checks (one false), the 2025 annual reports "
            "(some missing) and ratings with a bad review in progress. Idempotent; run after simulate_history.")

    def handle(self, *args, **options):
        from aftercare.demo import simulate_aftercare

        if not Officer.objects.filter(user__username="reviewer").exists():
            raise CommandError("run `manage.py seed_demo` first (the demo officers act here)")
        simulate_aftercare(out=self.stdout)
