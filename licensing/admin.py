"""Admin for applicants and (read-only) cases and their logs; an approved case whose certificate
failed can be issued again from here."""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import workflow
from .constants import State
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

    # Six short columns fit 1280 px; the authority and the provisional deadline are filters.
    list_display = ["case_number", "service_type", "applicant", "state", "current_due", "issue_problem"]
    list_filter = ["state", "provisional", "issue_error_permanent", "authority", "service_type__code"]
    search_fields = ["case_number", "applicant__name", "original_licence_number"]
    date_hierarchy = "created_at"
    inlines = [SubmissionInline, PauseInline, NoticeInline, LogInline]
    actions = ["issue_again"]
    change_form_template = "admin/licensing/application/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service_type", "authority", "applicant")

    @admin.display(description=gettext_lazy("发证失败原因"))
    def issue_problem(self, application: Application) -> str:
        if application.state != State.APPROVED or not application.issue_error:
            return ""
        if application.issue_error_permanent:
            return application.issue_error
        return _("%(reason)s（将自动重试）") % {"reason": application.issue_error}

    # --- issuing again (the workflow decides who may: the authority's approvers and superusers) ---
    def _issue_again(self, request: HttpRequest, application: Application) -> bool:
        try:
            workflow.application_issue_again(application=application, actor=request.user)
        except workflow.WorkflowError as exc:
            self.message_user(request, f"{application.case_number}：{exc.message}", messages.ERROR)
            return False
        return True

    @admin.action(description=gettext_lazy("重新发证（所选已准予许可的办件）"))
    def issue_again(self, request: HttpRequest, queryset) -> None:
        issued = [a.case_number for a in queryset.order_by("pk") if self._issue_again(request, a)]
        if issued:
            self.message_user(request, _("已颁发：%(cases)s") % {"cases": "、".join(issued)}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.issue_again_view))
        return [path("<int:pk>/issue-again/", view, name="licensing_application_issue_again"), *super().get_urls()]

    def issue_again_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        application = get_object_or_404(Application, pk=pk)
        if not self.has_view_permission(request, application):
            return HttpResponseRedirect(reverse("admin:index"))
        if self._issue_again(request, application):
            self.message_user(request, _("已为 %(case)s 颁发证照。") % {"case": application.case_number},
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:licensing_application_change", args=[pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_issue_again"] = bool(
            obj is not None and obj.state == State.APPROVED and not obj.joint and obj.issue_error
            and workflow.application_can_issue_again(application=obj, user=request.user))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

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
    list_display = ["application", "service_code", "outcome", "headline_days", "paused_days", "on_time_committed"]
    list_filter = ["service_code", "authority", "outcome", "on_time_committed", "on_time_statutory"]
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
