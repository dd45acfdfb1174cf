from django.contrib import admin

from .models import CancellationTask, LicenceReminder, ServicePolicy


@admin.register(ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    list_display = ("service_code", "renewal_window_months", "renewal_window_days")


@admin.register(LicenceReminder)
class LicenceReminderAdmin(admin.ModelAdmin):
    list_display = ("number", "valid_to", "kind", "due_on", "sent_on")
    list_filter = ("kind",)
    search_fields = ("number",)
    readonly_fields = [f.name for f in LicenceReminder._meta.fields]


@admin.register(CancellationTask)
class CancellationTaskAdmin(admin.ModelAdmin):
    list_display = ("certificate", "authority", "opened_on", "state", "published_on")
    list_filter = ("state", "authority")
    readonly_fields = ("certificate", "authority", "opened_on", "confirmed_by", "confirmed_at")
