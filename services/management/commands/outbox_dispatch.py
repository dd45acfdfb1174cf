import time

from django.core.management.base import BaseCommand, CommandError

from services.models import OutboxJob, OutboxState
from services.tasks import OUTBOX_BATCH, outbox_redispatch


class Command(BaseCommand):
    help = (
        "Deliver, in this process, the outbox jobs that are due: never delivered after their commit (a "
        "crash, a lost message or connection) or waiting for their next attempt. What celery beat's "
        "periodic outbox_redispatch does; for setups without beat (development, in-process tasks) run it "
        "from cron, or keep it running with --every. Safe next to other dispatchers (row locks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, metavar="SECONDS",
                            help="keep running, delivering the due jobs every SECONDS (default: once)")

    def handle(self, *args, every=None, **options):
        if every is not None and not every > 0:
            raise CommandError(f"--every: {every} is not a positive number of seconds")
        while True:
            delivered = 0
            for _batch in range(50):  # batch after batch until nothing is due (a bound: jobs that keep raising)
                count = outbox_redispatch()
                delivered += count
                if count < OUTBOX_BATCH:
                    break
            failed = OutboxJob.objects.filter(state=OutboxState.FAILED).count()
            pending = OutboxJob.objects.filter(state=OutboxState.PENDING).count()
            self.stdout.write(f"delivered: {delivered}; pending: {pending}; failed for good: {failed}")
            if every is None:
                return
            time.sleep(every)
