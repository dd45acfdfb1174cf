"""Admin for the catalog, the calendar, authorities and staff. Published service type versions
are read-only; "draft a new version" copies one for editing."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .calendar import invalidate_calendar
from .constants import DaySource
from .models import (
    Authority,
    CalendarDay,
    CalendarYear,
    CommitmentText,
    LocalAuthority,
    Material,
    Officer,
    OutboxJob,
    OutboxState,
    ServiceType,
    StaffRole,
)
from .services import service_type_new_version, service_type_publish
from .tasks import outbox_retry


class VersionActions:
    """Admin actions for versioned rows (service types, inspection items): publish the chosen drafts, or copy
    each as a new draft version. The admin names how: `version_publish(obj)` and `version_copy(obj)`."""

    actions = ["publish", "new_version"]

    @admin.action(description=_("发布所选草稿版本"))
    def publish(self, request, queryset):
        for obj in queryset:
            try:
                self.version_publish(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {'；'.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("已发布：%s") % obj, messages.SUCCESS)

    @admin.action(description=_("复制为新版本（草稿）"))
    def new_version(self, request, queryset):
        for obj in queryset:
            try:
                draft = self.version_copy(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {'；'.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("已创建草稿：%s") % draft, messages.SUCCESS)


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "code", "credit_code", "city", "complaint_phone"]
    search_fields = ["name_zh", "name_en", "code", "credit_code"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "authority", "role_list", "title"]
    list_filter = ["authority", "roles"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    filter_horizontal = ["roles"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "authority").prefetch_related("roles")

    @admin.display(description=_("角色"))
    def role_list(self, officer: Officer) -> str:
        return "、".join(str(role) for role in officer.roles.all())


class FrozenInlineMixin:
    """Inlines of a published version are shown, never changed."""

    def _frozen(self, obj) -> bool:
        return obj is not None and obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class MaterialInline(FrozenInlineMixin, admin.TabularInline):
    model = Material
    extra = 0
    fields = ["order", "code", "name_zh", "name_en", "mode", "required", "legacy", "shared", "file_types",
              "max_size_mb", "max_age_days", "replacement", "replacement_en"]
    show_change_link = True


class LocalAuthorityInline(FrozenInlineMixin, admin.TabularInline):
    model = LocalAuthority
    extra = 0


@admin.register(ServiceType)
class ServiceTypeAdmin(VersionActions, admin.ModelAdmin):
    # Six columns fit 1280 px; the other limits and the validity are on the detail page.
    list_display = ["name_zh", "code", "version", "status", "committed_limit", "material_count"]
    list_filter = ["status", "matter", "authority", "certificate_kind"]
    search_fields = ["code", "name_zh", "name_en", "item_code"]
    inlines = [LocalAuthorityInline, MaterialInline]
    readonly_fields = ["status", "published_at", "valid_to"]
    fieldsets = [
        (None, {"fields": ["code", "version", "status", "valid_from", "valid_to", "published_at", "item_code",
                           "name_zh", "name_en", "matter", "authority", "components", "order"]}),
        (_("依据与条件"), {"fields": ["legal_basis", "legal_basis_en", "conditions", "conditions_en"]}),
        (_("时限（工作日）"), {"fields": ["acceptance_limit", "committed_limit", "category_limits", "statutory_limit",
                                      "extension_limit", "issuance_limit", "warning_days", "legacy_limit",
                                      "pause_allowed", "extension_allowed"]}),
        (_("证照与收费"), {"fields": ["certificate_kind", "validity_rule", "validity_years", "fee"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("authority").annotate(_materials=Count("materials"))

    @admin.display(description=_("材料数"), ordering="_materials")
    def material_count(self, obj: ServiceType) -> int:
        return obj._materials

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def version_publish(self, service_type):
        service_type_publish(service_type=service_type)

    def version_copy(self, service_type):
        return service_type_new_version(service_type=service_type)


class CommitmentTextInline(admin.StackedInline):
    model = CommitmentText
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False  # a signed text never changes; add a new version instead


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "code", "service_type", "mode", "required", "max_age_days"]
    list_filter = ["mode", "required", "legacy", "shared", "service_type__code"]
    search_fields = ["name_zh", "name_en", "code"]
    inlines = [CommitmentTextInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service_type")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.service_type.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.service_type.is_frozen:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "official", "notice", "updated_at"]
    list_filter = ["official"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_calendar({obj.year})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_calendar({obj.year})

    def delete_queryset(self, request, queryset):
        years = set(queryset.values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        invalidate_calendar(years)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source", "date"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        obj.source = DaySource.ADMIN
        super().save_model(request, obj, form, change)
        invalidate_calendar({obj.date.year})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_calendar({obj.date.year})

    def delete_queryset(self, request, queryset):
        years = set(queryset.values_list("date__year", flat=True))
        super().delete_queryset(request, queryset)
        invalidate_calendar(years)


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was delivered, what waits for its next attempt, and what failed
    for good with its last error; "retry now" delivers the chosen jobs at once."""

    list_display = ["id", "kind", "state", "attempts", "short_error", "created_at", "next_attempt"]
    list_filter = ["state", "name"]
    search_fields = ["name", "last_error"]
    ordering = ["-created_at"]
    actions = ["retry_now"]
    readonly_fields = ["name", "kwargs", "state", "attempts", "due_at", "last_error", "created_at", "done_at"]

    @admin.display(description=_("任务"), ordering="name")
    def kind(self, obj: OutboxJob) -> str:
        return obj.name.rsplit(".", 1)[-1]

    @admin.display(description=_("最近错误"))
    def short_error(self, obj: OutboxJob) -> str:
        return obj.last_error[:120] + ("…" if len(obj.last_error) > 120 else "")

    @admin.display(description=_("下次投递时间"), ordering="due_at")
    def next_attempt(self, obj: OutboxJob):
        return obj.due_at if obj.state == OutboxState.PENDING else None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("services.change_outboxjob")

    @admin.action(description=_("立即重试所选任务"), permissions=["retry"])
    def retry_now(self, request, queryset):
        counts = outbox_retry(job_ids=list(queryset.values_list("pk", flat=True)))
        level = messages.ERROR if counts[OutboxState.FAILED] else messages.SUCCESS
        self.message_user(request, _("已重试：完成 %(done)d 项，待重试 %(pending)d 项，失败 %(failed)d 项。") % {
            "done": counts[OutboxState.DONE], "pending": counts[OutboxState.PENDING],
            "failed": counts[OutboxState.FAILED]}, level)
