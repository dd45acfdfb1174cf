"""Input serializers (field errors → 400) and payload builders of the supervision API."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from django.utils.translation import gettext_lazy as _

from ..constants import Conclusion, FindingResult
from ..models import Inspection
from ..selectors import publication_days_left, publication_late, target_context


class PlanInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    item = serializers.CharField(max_length=60, help_text=_("检查事项代码"))
    targets_count = serializers.IntegerField(min_value=1, max_value=10000)
    groups = serializers.IntegerField(min_value=1, max_value=200)
    group_size = serializers.IntegerField(min_value=2, max_value=20)


class PlanCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    seed_commitment = serializers.CharField()


class FindingInput(serializers.Serializer):
    item = serializers.CharField(max_length=60, help_text=_("检查要点代码"))
    result = serializers.ChoiceField(choices=FindingResult.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RecordInput(serializers.Serializer):
    inspected_on = serializers.DateField()
    findings = FindingInput(many=True, allow_empty=False)
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    rectify_by = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewInput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    sample_size = serializers.IntegerField(min_value=1, max_value=1000)


class ScoreInput(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=100))
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SanctionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("suspend", _("暂扣")), ("propose-revocation", _("提请撤销"))])
    legal_basis = serializers.CharField(max_length=2000)


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField()


class AssignmentOutput(serializers.Serializer):
    target = serializers.CharField()
    group = serializers.IntegerField(allow_null=True)
    inspection = serializers.IntegerField(allow_null=True)
    substitutions = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class ResultOutput(serializers.Serializer):
    inspection = serializers.IntegerField()
    target = serializers.CharField()
    kind = serializers.CharField()
    inspected_on = serializers.DateField()
    conclusion = serializers.CharField()
    findings = serializers.ListField(child=serializers.DictField())
    rectify_by = serializers.DateField(allow_null=True)
    published_on = serializers.DateField()


class PublicDrawOutput(serializers.Serializer):
    """The public record of a draw (tongban-draw-v1)."""

    plan = serializers.DictField()
    algorithm = serializers.CharField()
    seed_commitment = serializers.CharField()
    seed = serializers.CharField(allow_null=True)
    drawn_at = serializers.DateTimeField(allow_null=True)
    draw_date = serializers.DateField(allow_null=True)
    targets_input = serializers.ListField(child=serializers.CharField())
    inspectors_input = serializers.ListField(child=serializers.CharField())
    conflicts = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    selected_targets = serializers.ListField(child=serializers.CharField())
    groups = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    reserve = serializers.ListField(child=serializers.CharField())
    assignments = AssignmentOutput(many=True)
    inspector_surnames = serializers.DictField(child=serializers.CharField())
    target_names = serializers.DictField(child=serializers.CharField())
    results = ResultOutput(many=True)


class PlanSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    item = serializers.CharField()
    seed_commitment = serializers.CharField()
    drawn_at = serializers.DateTimeField(allow_null=True)


class CheckPointOutput(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class ItemOutput(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    licence_kinds = serializers.ListField(child=serializers.CharField())
    check_points = CheckPointOutput(many=True)


class PublicReviewOutput(serializers.Serializer):
    """The public record of a case-file review: case numbers only."""

    id = serializers.IntegerField()
    algorithm = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    sample_size = serializers.IntegerField()
    seed_commitment = serializers.CharField()
    seed = serializers.CharField(allow_null=True)
    drawn_at = serializers.DateTimeField(allow_null=True)
    cases_input = serializers.ListField(child=serializers.CharField())
    sample = serializers.ListField(child=serializers.CharField())


class CheckOutput(serializers.Serializer):
    passed = serializers.BooleanField(allow_null=True)
    evidence = serializers.DictField()


class ReviewedFileOutput(serializers.Serializer):
    case_number = serializers.CharField()
    service = serializers.CharField()
    state = serializers.CharField()
    checks = serializers.DictField(child=CheckOutput())
    scores = serializers.DictField(child=serializers.IntegerField())
    comment = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_null=True)


class ReviewDetailOutput(PublicReviewOutput):
    files = ReviewedFileOutput(many=True)


class InspectionOutput(serializers.Serializer):
    """Documented shape of an inspection task (built by inspection_payload)."""

    id = serializers.IntegerField()
    plan = serializers.IntegerField()
    kind = serializers.CharField()
    target = serializers.DictField()
    group = serializers.IntegerField(allow_null=True)
    leader = serializers.DictField()
    members = serializers.ListField(child=serializers.DictField())
    status = serializers.CharField()
    inspected_on = serializers.DateField(allow_null=True)
    conclusion = serializers.CharField()
    findings = serializers.ListField(child=serializers.DictField())
    rectify_by = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    publish_due = serializers.DateField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    publication_late = serializers.BooleanField()
    past_inspections = serializers.ListField(child=serializers.DictField())
    annual_reports = serializers.ListField(child=serializers.DictField())


def inspection_payload(inspection: Inspection, *, today: dt.date, context: bool = True) -> dict:
    members = [{"id": m.inspector.certificate_number, "surname": m.inspector.surname,
                "substitute_for": m.substitute_for.certificate_number if m.substitute_for_id else None}
               for m in inspection.memberships.all()]
    body = {
        "id": inspection.pk, "plan": inspection.plan_id, "plan_title": inspection.plan.title,
        "year": inspection.plan.year, "kind": inspection.kind, "parent": inspection.parent_id,
        "item": inspection.plan.item.code, "target": {"credit_code": inspection.target_code,
                                                       "name": inspection.target_name},
        "group": inspection.group,
        "leader": {"id": inspection.leader.certificate_number, "surname": inspection.leader.surname},
        "members": members, "status": inspection.status, "inspected_on": inspection.inspected_on,
        "conclusion": inspection.conclusion, "findings": inspection.findings, "rectify_by": inspection.rectify_by,
        "due_on": inspection.due_on, "publish_due": inspection.publish_due, "published_on": inspection.published_on,
        "publication_late": publication_late(inspection, today=today),
        "publication_days_left": publication_days_left(inspection, today=today),
        "attachments": [{"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size,
                         "sha256": a.sha256} for a in inspection.attachments.all()],
    }
    if context:
        extra = target_context(inspection.target_code, authority_id=inspection.plan.authority_id,
                               exclude=inspection.pk)
        body["target"]["licences"] = extra["licences"]
        body["past_inspections"] = extra["past_inspections"]
        body["annual_reports"] = extra["annual_reports"]
    return body
