from django.core.management.base import BaseCommand

from services.catalog.loader import catalog_load


class Command(BaseCommand):
    help = "Load the published catalog (authorities, service types, materials). Safe to re-run."

    def handle(self, *args, **options):
        result = catalog_load()
        self.stdout.write(
            f"authorities: {result.authorities}; service types created: {len(result.created)}, "
            f"kept (already published): {len(result.kept)}"
        )
