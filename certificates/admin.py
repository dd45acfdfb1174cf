"""Admin for certificates and signing keys. Private keys never appear here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .keys import signing_key_mark_compromised, signing_key_rotate
from .models import Certificate, CertificateEvent, SigningKey


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "authority", "purpose", "status", "not_before", "not_after"]
    list_filter = ["status", "purpose", "authority"]
    fields = ["authority", "purpose", "kid", "status", "not_before", "not_after", "public_key_pem",
              "signing_cert_pem", "root_cert_pem", "created_at", "retired_at", "compromised_at"]
    readonly_fields = fields
    actions = ["rotate", "mark_compromised"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("轮换所选机关的签名密钥"))
    def rotate(self, request, queryset):
        for key in queryset.filter(purpose="document", status="active").select_related("authority"):
            new = signing_key_rotate(authority=key.authority)
            self.message_user(request, _("%(a)s 新密钥 %(k)s") % {"a": key.authority, "k": new.kid}, messages.SUCCESS)

    @admin.action(description=_("标记为已泄露（其所签证照核验为伪造）"))
    def mark_compromised(self, request, queryset):
        for key in queryset:
            signing_key_mark_compromised(key=key)
        self.message_user(request, _("已标记。"), messages.WARNING)


class EventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "reason", "legal_basis"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "holder_name", "authority", "valid_to", "status"]
    list_filter = ["kind", "status", "authority"]
    search_fields = ["number", "identifier", "holder_name", "holder_code"]
    inlines = [EventInline]
    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
