"""Choices shared by the catalog: roles, matters, material modes, certificate kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("受理")
    REVIEWER = "reviewer", _("审核")
    APPROVER = "approver", _("审批")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核")
    SUPERVISOR = "supervisor", _("监察")


class Matter(models.TextChoices):
    NEW = "new", _("新办")
    CHANGE = "change", _("变更")
    RENEWAL = "renewal", _("延续")
    CANCELLATION = "cancellation", _("注销")
    JOINT = "joint", _("联办")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class MaterialMode(models.TextChoices):
    UPLOAD = "upload", _("上传")
    COMMITMENT = "commitment", _("告知承诺")
    SHARED_DATA = "shared_data", _("部门共享数据")
    ABOLISHED = "abolished", _("已取消")


class CertificateKind(models.TextChoices):
    NONE = "", _("无证照")
    SCXK = "SCXK", _("实验动物生产许可证")
    SYXK = "SYXK", _("实验动物使用许可证")
    WORK_PERMIT = "work_permit", _("外国人工作许可证")
    RESIDENCE_PERMIT = "residence_permit", _("工作类居留许可")


class ValidityRule(models.TextChoices):
    NONE = "", _("无有效期")
    YEARS_MINUS_ONE_DAY = "years_minus_one_day", _("自颁发之日起若干年，至周年前一日止")
    SAME_AS_PREDECESSOR = "same_as_predecessor", _("沿用原证有效期")
    CONTRACT_TERM = "contract_term", _("按劳动合同期限，最长若干年")


class DaySource(models.TextChoices):
    BUNDLED = "bundled", _("随系统发布（国务院办公厅通知）")
    ADMIN = "admin", _("管理员录入")


FILE_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
