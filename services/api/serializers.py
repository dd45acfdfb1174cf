"""Shapes of the public service guide and calendar API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from django.utils.translation import gettext_lazy as _

from services import selectors
from services.models import Authority, Material, ServiceType


class AuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["code", "name_zh", "name_en", "credit_code", "address", "complaint_phone"]


class MaterialSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    replacement = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "code", "name", "name_zh", "name_en", "mode", "required", "legacy", "shared", "max_age_days",
            "file_types", "max_size_mb", "replacement", "tracks",
        ]

    def get_name(self, material: Material) -> str:
        return material.name_en if self.context.get("lang") == "en" else material.name_zh

    def get_replacement(self, material: Material) -> str:
        return material.replacement_en if self.context.get("lang") == "en" else material.replacement


class LimitsSerializer(serializers.Serializer):
    acceptance = serializers.IntegerField()
    committed = serializers.IntegerField()
    statutory = serializers.IntegerField()
    extension = serializers.IntegerField()
    issuance = serializers.IntegerField()
    legacy = serializers.IntegerField(allow_null=True)
    by_category = serializers.DictField(child=serializers.IntegerField())


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    authority = AuthoritySerializer()
    local_authorities = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()
    legacy_materials_count = serializers.SerializerMethodField()
    current_materials_count = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta:
        model = ServiceType
        fields = [
            "code", "version", "name", "name_zh", "name_en", "item_code", "matter", "authority",
            "local_authorities", "legal_basis", "legal_basis_en", "limits", "legacy_materials_count",
            "current_materials_count", "pause_allowed", "extension_allowed", "certificate_kind",
            "validity_rule", "validity_years", "fee", "components", "valid_from", "materials",
        ]

    def get_name(self, service_type: ServiceType) -> str:
        return service_type.name_en if self.context.get("lang") == "en" else service_type.name_zh

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_local_authorities(self, service_type: ServiceType) -> dict[str, str]:
        return {local.city: local.authority.code for local in service_type.local_authorities.all()}

    @extend_schema_field(LimitsSerializer)
    def get_limits(self, service_type: ServiceType) -> dict:
        return {
            "acceptance": service_type.acceptance_limit,
            "committed": service_type.committed_limit,
            "statutory": service_type.statutory_limit,
            "extension": service_type.extension_limit if service_type.extension_allowed else 0,
            "issuance": service_type.issuance_limit,
            "legacy": selectors.legacy_limit(service_type=service_type),
            "by_category": service_type.category_limits,
        }

    def get_legacy_materials_count(self, service_type: ServiceType) -> int:
        return selectors.materials_counts(service_type=service_type)[0]

    def get_current_materials_count(self, service_type: ServiceType) -> int:
        return selectors.materials_counts(service_type=service_type)[1]

    @extend_schema_field(MaterialSerializer(many=True))
    def get_materials(self, service_type: ServiceType) -> list[dict]:
        return MaterialSerializer(service_type.materials.all(), many=True, context=self.context).data


class AddWorkingDaysQuery(serializers.Serializer):
    start = serializers.DateField(help_text=_("起算日 YYYY-MM-DD"))
    days = serializers.IntegerField(min_value=0, max_value=2000)


class AddWorkingDaysResult(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    due = serializers.DateField()
    provisional = serializers.BooleanField()


class WorkingDaysQuery(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict) -> dict:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("结束日期不能早于开始日期。")]}, code="end_before_start")
        return attrs


class WorkingDaysResult(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    working_days = serializers.IntegerField()
    provisional = serializers.BooleanField()

