from django.core.management.base import BaseCommand, CommandError

from certificates.keys import signing_key_rotate
from services.models import Authority


class Command(BaseCommand):
    help = "Start a new signing key for an authority; the old one stays published for verification."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="authority code, e.g. yn-kjt")

    def handle(self, *args, authority, **options):
        found = Authority.objects.filter(code=authority).first()
        if found is None:
            codes = ", ".join(Authority.objects.values_list("code", flat=True))
            raise CommandError(f"unknown authority {authority!r}; known: {codes}")
        key = signing_key_rotate(authority=found)
        self.stdout.write(f"{found.code}: new signing key {key.kid}")
