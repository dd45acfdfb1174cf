from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from licensing.metrics.services import LEGACY_COLUMNS, LEGACY_OPTIONAL, LegacyImportError, legacy_cases_import


class Command(BaseCommand):
    help = (
        "Import the measured legacy cohort: historical (pre-reform) case records as CSV with the columns "
        f"{', '.join(LEGACY_COLUMNS)} and optionally {', '.join(LEGACY_OPTIONAL)}. All rows or none; bad rows "
        "are reported with their line numbers. Importing the same file again does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8, header line first)")
        parser.add_argument("--replace", action="store_true",
                            help="first remove the earlier legacy cases of the services in this file")

    def handle(self, *args, file, replace, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            result = legacy_cases_import(text=text, file_name=path.name, replace=replace)
        except LegacyImportError as exc:
            for line, message in exc.errors:
                self.stderr.write(f"{path.name}, line {line}: {message}")
            raise CommandError(f"nothing imported: {len(exc.errors)} problem(s) in {path.name}") from exc
        if result.already_imported:
            self.stdout.write(f"{path.name} was already imported ({result.rows} cases); nothing to do")
            return
        if result.replaced:
            self.stdout.write(f"replaced {result.replaced} earlier legacy cases")
        self.stdout.write(f"imported {result.rows} legacy cases from {path.name}: "
                          + ", ".join(f"{code} {n}" for code, n in result.per_service.items()))
