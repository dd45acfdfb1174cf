import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates.core.trustlist import TrustListError
from certificates.offline import load_trust_list, verify_offline


class Command(BaseCommand):
    help = (
        "Verify a certificate offline: from a PDF, an image of its QR code, the digits or the URL. The "
        "signature is checked against a trust list file (and status list files, if given) without the "
        "database. Exit status 0 only for a valid certificate."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="PDF file, PNG/JPEG image, verification URL or its digits")
        parser.add_argument("--trust-list", help="trust-list.json (or the signed .cose with --publisher-key); "
                            "default: build it from this installation's keys")
        parser.add_argument("--publisher-key", help="JSON file with the pinned publisher JWK (for a signed list)")
        parser.add_argument("--status-list", action="append", default=[], help="a key's status list (.cose)")

    def _texts(self, source: str) -> list[str]:
        stripped = source.strip()
        if stripped.isdigit() or "/C/" in stripped.upper():
            return [stripped]
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{source}: neither a file nor a verification URL or digits")
        from certificates.core.qrdecode import decode_qr_from_image, decode_qr_from_pdf

        data = path.read_bytes()
        texts = decode_qr_from_pdf(data) if data.startswith(b"%PDF") else decode_qr_from_image(data)
        if not texts:
            raise CommandError(f"{source}: no QR code found")
        return texts

    def _keys(self, options) -> dict:
        if options["trust_list"]:
            pinned = None
            if options["publisher_key"]:
                pinned = json.loads(Path(options["publisher_key"]).read_text())
                pinned = pinned.get("jwk", pinned)
            try:
                return load_trust_list(Path(options["trust_list"]), pinned=pinned)
            except (OSError, ValueError, TrustListError) as exc:
                raise CommandError(f"trust list: {exc}") from exc
        from certificates.core.trustlist import parse_trust_list
        from certificates.verification import trust_list_document

        return parse_trust_list(trust_list_document())

    def handle(self, *args, **options):
        keys = self._keys(options)
        status_lists = []
        for name in options["status_list"]:
            try:
                status_lists.append(Path(name).read_bytes())
            except OSError as exc:
                raise CommandError(f"status list: {exc}") from exc
        result = verify_offline(self._texts(options["source"])[0], keys_by_kid=keys, status_lists=status_lists,
                                today=timezone.localdate())
        self.stdout.write(f"verdict: {result.verdict}")
        if result.claims:
            c = result.claims
            self.stdout.write(f"certificate: {c.kind} {c.number}, holder {c.holder_name} ({c.holder_code}), "
                              f"valid {c.valid_from} to {c.valid_to}, issuer {c.iss}, key {result.kid.hex()}")
        if result.reason:
            self.stdout.write(f"reason: {result.reason}")
        for note in result.unknowable:
            self.stdout.write(f"offline cannot know: {note}")
        if result.verdict != "valid":
            raise CommandError(f"not valid: {result.verdict}")
