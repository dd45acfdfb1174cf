from django.core.management.base import BaseCommand

from certificates.keys import keys_init


class Command(BaseCommand):
    help = "Create a signing key (root + document-signing certificate) for every authority that has none."

    def handle(self, *args, **options):
        for key in keys_init():
            owner = key.authority.code if key.authority else "trust-list publisher"
            self.stdout.write(f"{owner}: key {key.kid} ({key.status}), verifies until {key.not_after:%Y-%m-%d}")
