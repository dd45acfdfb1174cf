"""Writes of the metrics: a case's figures when it is decided or closed, their recomputation, and
the import of the measured legacy cohort (CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from licensing.clock import Pause
from licensing.constants import DECIDED_STATES, FINAL_STATES, SubmissionKind
from licensing.models import Application, ClockPause, MaterialSubmission
from services import selectors as catalog
from services.calendar import get_calendar
from services.models import ServiceType
from services.workdays import OutOfRange

from . import rollup
from .figures import CaseDates, case_figures, joint_figures
from .models import CaseMetrics, LegacyCase, LegacyImport

RECORDED_STATES = FINAL_STATES | DECIDED_STATES


def _dates(application: Application, pauses: list[Pause]) -> CaseDates:
    service_type = application.service_type
    closed_on = timezone.localdate(application.closed_at) if application.closed_at else None
    return CaseDates(
        received_on=application.received_on, accepted_on=application.accepted_on,
        decided_on=application.decided_on, issued_on=application.issued_on, pauses=pauses,
        committed_limit=catalog.committed_limit(service_type=service_type, category=application.category),
        statutory_limit=service_type.statutory_limit, extension_days=application.extension_days,
        closed_on=closed_on,
    )


def _pauses_by_application(ids: list[int]) -> dict[int, list[Pause]]:
    pauses: dict[int, list[Pause]] = {pk: [] for pk in ids}
    for pk, start, end in (ClockPause.objects.filter(application_id__in=ids).order_by("started_on")
                           .values_list("application_id", "started_on", "ended_on")):
        pauses[pk].append(Pause(start, end))
    return pauses


def _materials(filing_id: int) -> tuple[int, int]:
    counts = MaterialSubmission.objects.filter(application_id=filing_id, superseded=False).aggregate(
        uploads=Count("pk", filter=Q(kind=SubmissionKind.UPLOAD)),
        commitments=Count("pk", filter=Q(kind=SubmissionKind.COMMITMENT)),
    )
    return counts["uploads"], counts["commitments"]


def _upsert(application: Application, figures, dates: CaseDates, materials: tuple[int, int],
            moves: list) -> CaseMetrics:
    """Write the row; the rollup buckets it leaves and enters are appended to `moves`."""
    counted = application.state in DECIDED_STATES and figures.headline is not None
    closed_on = dates.closed_on
    period_on = application.decided_on or closed_on or application.received_on or timezone.localdate()
    values = {
        "service_type_id": application.service_type_id, "service_code": application.service_type.code,
        "authority_id": application.authority_id, "category": application.category, "joint": application.joint,
        "track": application.parent_id is not None, "outcome": application.state, "counted": counted,
        "received_on": application.received_on, "accepted_on": application.accepted_on,
        "decided_on": application.decided_on, "issued_on": application.issued_on, "closed_on": closed_on,
        "period_on": period_on, "deemed_accepted": application.deemed_accepted,
        "receipt_to_acceptance": figures.receipt_to_acceptance,
        "acceptance_to_decision": figures.acceptance_to_decision,
        "decision_to_issuance": figures.decision_to_issuance, "receipt_to_issuance": figures.receipt_to_issuance,
        "headline_days": figures.headline, "paused_days": figures.paused,
        "extension_days": application.extension_days, "correction_rounds": application.correction_rounds,
        "committed_limit": dates.committed_limit, "statutory_limit": dates.statutory_limit,
        "on_time_committed": figures.on_time_committed, "on_time_statutory": figures.on_time_statutory,
        "trips": 0,  # every step of a Tongban case is online: nobody has to come to a counter
        "materials_submitted": materials[0], "commitments_signed": materials[1],
    }
    values["computed_at"] = timezone.now()
    # The old figures under the row lock: the rollup moves this case from their buckets to the new ones.
    rows = CaseMetrics.objects.select_for_update().filter(application_id=application.pk)
    old = rows.values(*rollup.ROW_FIELDS).first()
    if old is None:
        row = CaseMetrics.objects.create(application_id=application.pk, **values)
    else:
        rows.update(**values)
        row = CaseMetrics(application_id=application.pk, **values)
    moves.append((rollup.row_buckets(old), rollup.row_buckets(values)))
    return row


def _apply(moves: list) -> None:
    """All the rows' bucket moves in one statement, in one order: a joint filing and its tracks
    recorded by two transactions at once cannot take the same buckets in opposite orders."""
    rollup.rollup_apply(remove=[b for remove, _add in moves for b in remove],
                        add=[b for _remove, add in moves for b in add])


@transaction.atomic
def case_metrics_record(*, application: Application) -> CaseMetrics | None:
    """Compute and store the figures of a decided or closed application (None while it is open).
    `application` is taken as saved (the workflow passes the instance it holds under the row lock).
    A joint filing also records its tracks; a track's materials are those of its filing."""
    if application.state not in RECORDED_STATES:
        return None
    calendar = get_calendar()
    moves: list = []
    if application.joint:
        tracks = list(application.tracks.select_related("service_type").order_by("pk"))
        pauses = _pauses_by_application([application.pk, *[t.pk for t in tracks]])
        materials = _materials(application.pk)
        track_dates = [_dates(t, pauses[t.pk]) for t in tracks]
        for track, dates in zip(tracks, track_dates, strict=True):
            if track.state in RECORDED_STATES:
                _upsert(track, case_figures(calendar, dates), dates, materials, moves)
        dates = _dates(application, [])
        figures = joint_figures(calendar, received_on=application.received_on, tracks=track_dates,
                                committed_limit=dates.committed_limit, statutory_limit=dates.statutory_limit,
                                extension_days=dates.extension_days)
        row = _upsert(application, figures, dates, materials, moves)
    else:
        dates = _dates(application, _pauses_by_application([application.pk])[application.pk])
        materials = _materials(application.parent_id or application.pk)
        row = _upsert(application, case_figures(calendar, dates), dates, materials, moves)
    _apply(moves)
    return row


def case_metrics_recompute(*, service_code: str = "") -> int:
    """Recompute every stored row from its application (after a calendar correction, say), then
    rebuild the rollup from the rows (of the service, or all)."""
    applications = Application.objects.filings().filter(state__in=RECORDED_STATES)
    if service_code:
        applications = applications.filter(Q(service_type__code=service_code) |
                                           Q(tracks__service_type__code=service_code)).distinct()
    done = 0
    for application in applications.select_related("service_type").iterator(chunk_size=500):
        case_metrics_record(application=application)
        done += 1
    rollup.rollup_rebuild(service_code=service_code)
    return done


# --- the measured legacy cohort ----------------------------------------------------------------

LEGACY_COLUMNS = ["service", "received_on", "decided_on", "materials_count"]
LEGACY_OPTIONAL = ["paused_days", "case_ref"]


class LegacyImportError(ValueError):
    """The file was not imported; `errors` lists (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {line}: {message}" for line, message in errors))
        self.errors = errors


@dataclass
class LegacyImportResult:
    batch: LegacyImport | None
    rows: int = 0
    already_imported: bool = False
    replaced: int = 0
    per_service: dict[str, int] = field(default_factory=dict)


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def _parse_int(value: str, *, default: int | None = None) -> int:
    value = (value or "").strip()
    if not value and default is not None:
        return default
    number = int(value)
    if number < 0:
        raise ValueError("negative")
    return number


def legacy_rows_parse(text: str) -> tuple[list[LegacyCase], list[tuple[int, str]]]:
    """Parse and check the CSV (header line first); returns the unsaved rows and the errors."""
    errors: list[tuple[int, str]] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in LEGACY_COLUMNS if c not in header]
    if missing:
        return [], [(1, f"missing column(s): {', '.join(missing)}; expected "
                        f"{','.join(LEGACY_COLUMNS + LEGACY_OPTIONAL)}")]
    reader.fieldnames = header
    known = set(ServiceType.objects.values_list("code", flat=True))
    calendar = get_calendar()
    rows: list[LegacyCase] = []
    for record in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue
        service = (record.get("service") or "").strip()
        problems = []
        if service not in known:
            problems.append(f"unknown service {service!r}")
        received = decided = None
        try:
            received = _parse_date(record.get("received_on") or "")
        except ValueError:
            problems.append(f"received_on {record.get('received_on')!r} is not a date (YYYY-MM-DD)")
        try:
            decided = _parse_date(record.get("decided_on") or "")
        except ValueError:
            problems.append(f"decided_on {record.get('decided_on')!r} is not a date (YYYY-MM-DD)")
        try:
            materials = _parse_int(record.get("materials_count") or "")
        except ValueError:
            problems.append(f"materials_count {record.get('materials_count')!r} is not a whole number >= 0")
        try:
            paused = _parse_int(record.get("paused_days") or "", default=0)
        except ValueError:
            problems.append(f"paused_days {record.get('paused_days')!r} is not a whole number >= 0")
        span = None
        if received and decided:
            if decided < received:
                problems.append("decided_on is before received_on")
            else:
                try:
                    span = calendar.working_days(received, decided)
                except OutOfRange as exc:
                    problems.append(str(exc))
        if span is not None and not problems and paused > span:
            problems.append(f"paused_days {paused} exceeds the {span} working days between the dates")
        if problems:
            errors.extend((line, p) for p in problems)
            continue
        rows.append(LegacyCase(line=line, service_code=service, case_ref=(record.get("case_ref") or "").strip()[:60],
                               received_on=received, decided_on=decided, materials_count=materials,
                               paused_days=paused, working_days=span - paused))
    if not rows and not errors:
        errors.append((1, "the file has no data rows"))
    return rows, errors


@transaction.atomic
def legacy_cases_import(*, text: str, file_name: str, actor=None, replace: bool = False) -> LegacyImportResult:
    """Import a legacy cohort: all rows or none (LegacyImportError names every bad line). The same
    file twice is a no-op; `replace` first removes earlier rows of the services the file holds."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = LegacyImport.objects.filter(sha256=digest).first()
    if existing is not None and not replace:
        return LegacyImportResult(batch=existing, rows=existing.rows, already_imported=True)
    rows, errors = legacy_rows_parse(text)
    if errors:
        raise LegacyImportError(errors)
    replaced = 0
    services = sorted({r.service_code for r in rows})
    if replace:
        replaced = LegacyCase.objects.filter(service_code__in=services).count()
        LegacyCase.objects.filter(service_code__in=services).delete()
        LegacyImport.objects.filter(cases__isnull=True).delete()
        LegacyImport.objects.filter(sha256=digest).delete()
    batch = LegacyImport.objects.create(file_name=file_name[:200], sha256=digest, rows=len(rows), imported_by=actor)
    for row in rows:
        row.batch = batch
    LegacyCase.objects.bulk_create(rows, batch_size=1000)
    per_service = {code: sum(1 for r in rows if r.service_code == code) for code in services}
    return LegacyImportResult(batch=batch, rows=len(rows), replaced=replaced, per_service=per_service)
