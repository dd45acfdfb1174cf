"""Admin for the inspection list (versioned, with its check points), the directories and the
records; draws, inspections and the supervision log are read-only here."""

from django.contrib import admin
from django.http import HttpRequest

from services.admin import VersionActions

from .constants import ItemStatus
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
from .services import inspection_item_new_version, inspection_item_publish


def _frozen(obj) -> bool:
    return obj is not None and obj.status != ItemStatus.DRAFT


class CheckPointInline(admin.TabularInline):
    """A published version's check points are shown, never changed."""

    model = CheckPoint
    extra = 1

    def has_add_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(InspectionItem)
class InspectionItemAdmin(VersionActions, admin.ModelAdmin):
    """Versioned like the catalog: a published version is frozen; copy it into a draft to change it."""

    list_display = ["name_zh", "code", "version", "status", "licence_kinds"]
    list_filter = ["status"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [CheckPointInline]
    readonly_fields = ["status"]

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def version_publish(self, item):
        inspection_item_publish(item=item)

    def version_copy(self, item):
        return inspection_item_new_version(item=item)


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
    list_display = ["title", "year", "authority", "targets_count", "groups", "drawn_at"]
    list_filter = ["year", "authority"]
    exclude = ["seed"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["target_name", "plan", "kind", "status", "inspected_on", "publish_due"]
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
