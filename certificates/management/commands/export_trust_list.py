from pathlib import Path

from django.core.management.base import BaseCommand

from certificates.core.trustlist import canonical_json
from certificates.models import SigningKey
from certificates.verification import signed_status_list, signed_trust_list, trust_list_document


class Command(BaseCommand):
    help = "Write the trust list (JSON and signed) and every key's status list into a folder for offline use."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        document = trust_list_document()
        (out / "trust-list.json").write_bytes(canonical_json(document))
        (out / "trust-list.cose").write_bytes(signed_trust_list(document))
        for key in SigningKey.objects.filter(purpose="document").exclude(status="compromised"):
            (out / f"status-{key.kid}.cose").write_bytes(signed_status_list(key))
        self.stdout.write(f"written to {out}")
