"""Applicants, applications and their clocks, the case log, notices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from services.validators import validate_credit_code


class ApplicantKind(models.TextChoices):
    ORGANISATION = "organisation", _("单位（科研院所、企业）")
    EMPLOYER = "employer", _("聘用外国人的用人单位")


class Applicant(models.Model):
    """An organisation that files applications; its account is the person acting for it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="applicant"
    )
    kind = models.CharField(_("类型"), max_length=14, choices=ApplicantKind.choices)
    name = models.CharField(_("单位名称"), max_length=160)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    legal_representative = models.CharField(_("法定代表人"), max_length=60)
    city = models.CharField(_("所在城市"), max_length=40)
    address = models.CharField(_("地址"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=60)
    contact_phone = models.CharField(_("联系电话"), max_length=40)

    class Meta:
        verbose_name = _("申请人")
        verbose_name_plural = _("申请人")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
