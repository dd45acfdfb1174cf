from django.core.management.base import BaseCommand, CommandError

from services.models import Authority

from ...models import Inspector
from ...simulation import AUTHORITY, simulate_supervision


class Command(BaseCommand):
    help = ("The demo's supervision year: a 2025 plan of 14 targets and 4 groups drawn from the 15 inspectors, "
            "inspections recorded and published, and a review of 15 case files decided in 2025. Idempotent; needs "
            "seed_demo and simulate_history (2025) first.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args, seed, **options):
        if not Inspector.objects.filter(officer__authority__code=AUTHORITY).exists() or \
                not Authority.objects.filter(code=AUTHORITY).exists():
            raise CommandError("no inspectors: run seed_demo first")
        result = simulate_supervision(seed=seed)
        for line in result.created or ["nothing to do: the supervision year is already there"]:
            self.stdout.write(line)
        plan = result.plan
        self.stdout.write(f"plan {plan.pk}: {len(plan.draw['selected_targets'])} targets, {plan.groups} groups, "
                          f"{len(plan.draw['inspectors_input'])} inspectors; public page /inspection-draws/{plan.pk}/")
        self.stdout.write(f"case review {result.review.pk}: {len(result.review.sample)} of "
                          f"{len(result.review.cases_input)} files; /supervision/reviews/{result.review.pk}/")
