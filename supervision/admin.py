"""Admin for the inspection list (versioned, with its check points), the directories and the
records; draws, inspections and the supervision log are read-only here."""

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CaseReview,
    CheckPoint,
    DeclaredInterest,
    Inspection,
    InspectionItem,
    InspectionPlan,
    Inspector,
    ManualTarget,
    SupervisionLogEntry,
)


class CheckPointInline(admin.TabularInline):
    model = CheckPoint
    extra = 1


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "code", "version", "status", "licence_kinds"]
    list_filter = ["status"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [CheckPointInline]


class DeclaredInterestInline(admin.TabularInline):
    model = DeclaredInterest
    extra = 1


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["certificate_number", "surname", "officer", "valid_from", "valid_until", "active"]
    list_filter = ["active", "officer__authority"]
    search_fields = ["certificate_number", "officer__user__username", "officer__user__first_name"]
    autocomplete_fields = ["officer"]
    inlines = [DeclaredInterestInline]


@admin.register(ManualTarget)
class ManualTargetAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "authority", "active"]
    list_filter = ["authority", "active"]
    search_fields = ["name", "credit_code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "year", "authority", "targets_count", "groups", "group_size", "drawn_at"]
    list_filter = ["year", "authority"]
    exclude = ["seed"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["target_name", "target_code", "plan", "kind", "status", "inspected_on", "published_on",
                    "publish_due"]
    list_filter = ["status", "kind", "plan"]
    search_fields = ["target_name", "target_code"]


@admin.register(CaseReview)
class CaseReviewAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "authority", "sample_size", "drawn_at"]
    exclude = ["seed"]


@admin.register(SupervisionLogEntry)
class SupervisionLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["subject", "seq", "at", "actor_label", "verb"]
    list_filter = ["verb"]
    search_fields = ["subject"]
