"""`manage.py verify_case_log [--case N] [--roots DIR_OR_URL [--publisher-key JWK_FILE]]`."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from licensing.caselog import RootError, root_readers, verify_against_root, verify_case_log
from licensing.models import Application

MAX_ROOT_FILE = 64 * 1024
MAX_INDEX = 16 * 1024 * 1024


def _fetch(url: str, limit: int) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the operator names the URL
        data = response.read(limit + 1)
    if len(data) > limit:
        raise CommandError(f"{url}: larger than {limit} bytes")
    return data


def published_root_files(source: str) -> list[tuple[str, bytes]]:
    """(name, bytes) of every root: the `.cose` files of a directory, or those the index URL lists."""
    if source.startswith(("http://", "https://")):
        index = json.loads(_fetch(source, MAX_INDEX))
        entries = index.get("roots") if isinstance(index, dict) else None
        if not isinstance(entries, list):
            raise CommandError(f"{source}: not a log-root index (no 'roots' list)")
        files = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                raise CommandError(f"{source}: an index entry has no url")
            url = urllib.parse.urljoin(source, entry["url"])
            files.append((url, _fetch(url, MAX_ROOT_FILE)))
        return files
    directory = Path(source)
    if not directory.is_dir():
        raise CommandError(f"{source}: neither a directory nor an http(s) URL")
    return [(path.name, path.read_bytes()) for path in sorted(directory.glob("*.cose"))]


class Command(BaseCommand):
    help = ("Check every case log: the hash chain, the head kept on the case (a removed tail, an added row, a "
            "deleted log) and the case's state against its last row; with --roots, also against the published "
            "daily Merkle roots, which a chain recomputed inside the database no longer matches.")

    def add_arguments(self, parser):
        parser.add_argument("--case", action="append", help="only these case numbers")
        parser.add_argument("--roots", metavar="DIR_OR_URL",
                            help="a directory of published YYYY-MM-DD.cose roots, or the URL of the root index "
                                 "(/.well-known/tongban/log-roots/)")
        parser.add_argument("--publisher-key", metavar="JWK_FILE",
                            help="pin the publisher's public key (publisher-key.json) instead of trusting the "
                                 "keys in the database")

    def handle(self, *args, case=None, roots=None, publisher_key=None, **options):
        ids = None
        if case:
            ids = list(Application.objects.filter(case_number__in=case).values_list("pk", flat=True))
            if len(ids) != len(set(case)):
                raise CommandError("unknown case number among: " + ", ".join(case))
        checked, breaks = verify_case_log(application_ids=ids)
        for item in breaks:
            where = f"row #{item.seq} " if item.seq else ""
            self.stderr.write(f"{item.case_number}: {where}{item.problem}")
        failures = len({b.application_id for b in breaks})
        summary = f"{checked} rows checked"
        if roots:
            pinned = None
            if publisher_key:
                document = json.loads(Path(publisher_key).read_text())
                pinned = document.get("jwk", document) if isinstance(document, dict) else None
            files = published_root_files(roots)
            if not files:
                raise CommandError(f"{roots}: no published roots found")
            wanted = set(case or ())
            bad_roots = 0
            for name, data in files:
                try:
                    published = root_readers.read(data, pinned_jwk=pinned)
                except RootError as exc:
                    self.stderr.write(f"{name}: not a genuine published root: {exc}")
                    bad_roots += 1
                    continue
                mismatches = [m for m in verify_against_root(published)
                              if not wanted or not m.case_number or m.case_number in wanted]
                for m in mismatches:
                    who = f"{m.case_number}: row #{m.seq} " if m.case_number else ""
                    self.stderr.write(f"root {published.date}: {who}{m.problem}")
                bad_roots += bool(mismatches)
            failures += bad_roots
            summary += f"; {len(files)} published root(s) checked, {bad_roots} not matched"
        if failures:
            raise CommandError(f"case log altered ({len(breaks)} problem(s)); {summary}")
        self.stdout.write(f"case log intact: {summary}")
