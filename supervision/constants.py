"""Choices of the supervision app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PUBLICATION_LIMIT_WD = 20  # results are public within 20 working days of the inspection (国办发〔2019〕5号)
MIN_GROUP_SIZE = 2  # 细则: at least two inspectors per target


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class FindingResult(models.TextChoices):
    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class Conclusion(models.TextChoices):
    COMPLIANT = "compliant", _("未发现问题")
    RECTIFY = "rectify", _("责令整改")
    NON_COMPLIANT = "non_compliant", _("不符合许可条件")


class InspectionStatus(models.TextChoices):
    PENDING = "pending", _("待检查")
    RECORDED = "recorded", _("待组长审核")
    PUBLISHED = "published", _("已公开")


class InspectionKind(models.TextChoices):
    DRAWN = "drawn", _("抽查")
    FOLLOW_UP = "follow_up", _("整改复查")


class TargetSource(models.TextChoices):
    REGISTER = "register", _("许可证登记")
    MANUAL = "manual", _("手工添加")


class LogVerb(models.TextChoices):
    PLAN_CREATE = "plan_create", _("创建抽查计划")
    DRAW = "draw", _("随机抽取")
    RECORD = "record", _("录入检查结果")
    PUBLISH = "publish", _("公开检查结果")
    REVIEW_CREATE = "review_create", _("创建案卷评查")
    REVIEW_DRAW = "review_draw", _("抽取评查案卷")
    REVIEW_SCORE = "review_score", _("评查打分")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


def grade_for(score: int | None) -> str | None:
    if score is None:
        return None
    if score >= 90:
        return Grade.EXCELLENT
    if score >= 60:
        return Grade.PASS
    return Grade.FAIL


# The 100-point sheet (案卷评查评分表): each automatic check is worth CHECK_POINTS (a check that does
# not apply to the case counts as met), the manual items the rest.
CHECK_POINTS = 5
CHECKS = ["acceptance_in_time", "decision_in_time", "extension_lawful", "notices_complete", "remedies_stated",
          "legal_review_before_refusal", "duties_separated", "log_intact"]
MANUAL_ITEMS = {
    "reasons_adequate": (_("理由充分、适用依据正确"), 25),
    "materials_consistent": (_("材料齐全、前后一致"), 20),
    "documents_standard": (_("文书规范、送达合法"), 15),
}
