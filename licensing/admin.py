"""Admin for applicants and (read-only) cases and their logs."""

from django.contrib import admin

from .metrics.models import CaseMetrics, LegacyCase, LegacyImport
from .models import Applicant, Application, CaseLogEntry, ClockPause, MaterialSubmission, Notice


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "city", "user"]
    list_filter = ["kind", "city"]
    search_fields = ["name", "credit_code", "user__username"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LogInline(ReadOnlyInline):
    model = CaseLogEntry
    fields = ["seq", "at", "actor_label", "verb", "from_state", "to_state", "reason", "hash"]
    readonly_fields = fields


class PauseInline(ReadOnlyInline):
    model = ClockPause
    fields = ["kind", "started_on", "ended_on", "expected_days", "reason", "result"]
    readonly_fields = fields


class SubmissionInline(ReadOnlyInline):
    model = MaterialSubmission
    fields = ["material", "kind", "original_name", "size", "sha256", "document_date", "superseded", "submitted_at"]
    readonly_fields = fields


class NoticeInline(ReadOnlyInline):
    model = Notice
    fields = ["kind", "number", "issued_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Cases change only through the workflow; the admin shows them, including provisional
    deadlines an administrator should watch when entering next year's calendar."""

    list_display = ["case_number", "service_type", "authority", "applicant", "state", "current_due", "provisional"]
    list_filter = ["state", "provisional", "authority", "service_type__code"]
    search_fields = ["case_number", "applicant__name"]
    date_hierarchy = "created_at"
    inlines = [SubmissionInline, PauseInline, NoticeInline, LogInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service_type", "authority", "applicant")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Figures and imported history are written by their commands, not by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaseMetrics)
class CaseMetricsAdmin(ReadOnlyAdmin):
    list_display = ["application", "service_code", "authority", "outcome", "headline_days", "paused_days",
                    "on_time_committed", "on_time_statutory"]
    list_filter = ["service_code", "authority", "outcome", "on_time_committed"]
    search_fields = ["application__case_number"]
    list_select_related = ["application", "authority"]


class LegacyCaseInline(admin.TabularInline):
    model = LegacyCase
    extra = 0
    can_delete = False
    fields = ["line", "service_code", "case_ref", "received_on", "decided_on", "working_days", "materials_count"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegacyImport)
class LegacyImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "rows", "imported_at", "imported_by"]
    inlines = [LegacyCaseInline]

    def has_delete_permission(self, request, obj=None):
        return True  # an import can be withdrawn as a whole
