from django.contrib import admin

from .models import Applicant


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "city", "user"]
    list_filter = ["kind", "city"]
    search_fields = ["name", "credit_code", "user__username"]
