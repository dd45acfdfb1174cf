"""好差评 API: the applicant's rating of a closed case, the authority's rectification tasks with their
call-back, and the satisfaction figures for supervisors."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.metrics.selectors import supervised_authority_ids
from licensing.permissions import officer_of, officer_roles

from .. import ratings
from ..constants import RectificationState, Score
from ..models import RectificationTask


class RectificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="rating.application.case_number")
    score = serializers.IntegerField(source="rating.score")
    comment = serializers.CharField(source="rating.comment")
    rated_on = serializers.DateField(source="rating.rated_on")
    due_on = serializers.DateField()
    provisional = serializers.BooleanField()
    state = serializers.ChoiceField(choices=RectificationState.choices)
    overdue = serializers.SerializerMethodField()
    callback_on = serializers.DateField(allow_null=True)
    callback_outcome = serializers.CharField()
    measures = serializers.CharField()

    def get_overdue(self, task) -> bool:
        return task.state == RectificationState.OPEN and task.due_on < timezone.localdate()


class RatingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.case_number")
    score = serializers.ChoiceField(choices=Score.choices)
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()
    bad_review = serializers.SerializerMethodField()
    rectification_due_on = serializers.SerializerMethodField()

    def get_bad_review(self, rating) -> bool:
        return rating.score <= Score.DISSATISFIED

    def get_rectification_due_on(self, rating) -> str | None:
        task = RectificationTask.objects.filter(rating=rating).first()
        return task.due_on.isoformat() if task else None


class RatingView(APIView):
    permission_classes = [IsAuthenticated]

    class RatingInputSerializer(serializers.Serializer):
        score = serializers.IntegerField(help_text="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
        comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=RatingInputSerializer, responses={201: RatingOutput},
                   summary="Rate a closed case once (好差评); 1 or 2 opens a 15-WD rectification")
    def post(self, request: Request, pk: int) -> Response:
        application = ratings.rateable_for(user=request.user, pk=pk)
        if application is None:
            raise Http404
        body = self.RatingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rating = ratings.rating_create(application=application, user=request.user,
                                           score=body.validated_data["score"],
                                           comment=body.validated_data.get("comment", ""))
        except ratings.ReportError as exc:
            return Response({"detail": exc.message, "code": exc.code, **exc.errors}, status=exc.status)
        return Response(RatingOutput(rating).data, status=status.HTTP_201_CREATED)


def rectifications_for(user):
    officer = officer_of(user)
    if officer is None:
        return RectificationTask.objects.none()
    return (RectificationTask.objects.filter(authority_id=officer.authority_id)
            .select_related("rating__application").order_by("state", "due_on", "id"))


class RectificationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RectificationOutput(many=True),
                   summary="Bad reviews' rectification tasks of the officer's authority")
    def get(self, request: Request) -> Response:
        return Response(RectificationOutput(rectifications_for(request.user)[:500], many=True).data)


class CallbackView(APIView):
    permission_classes = [IsAuthenticated]

    class CallbackInputSerializer(serializers.Serializer):
        callback_on = serializers.DateField()
        outcome = serializers.CharField(max_length=4000)
        measures = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=CallbackInputSerializer, responses=RectificationOutput,
                   summary="Record the call-back (回访: date, outcome) that closes a rectification")
    def post(self, request: Request, pk: int) -> Response:
        task = rectifications_for(request.user).filter(pk=pk).first()
        if task is None:
            raise Http404
        body = self.CallbackInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            task = ratings.rectification_close(task=task, actor=request.user, **body.validated_data)
        except ratings.ReportError as exc:
            return Response({"detail": exc.message, "code": exc.code, **exc.errors}, status=exc.status)
        return Response(RectificationOutput(task).data)


class SatisfactionView(APIView):
    permission_classes = [IsAuthenticated]

    class SatisfactionFilterSerializer(serializers.Serializer):
        service = serializers.SlugField(required=False)
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

        def validate(self, data):
            if data.get("start") and data.get("end") and data["end"] < data["start"]:
                raise ValidationError({"end": [_("结束日期不能早于开始日期。")]})
            return data

    class SatisfactionRowSerializer(serializers.Serializer):
        service = serializers.CharField()
        ratings = serializers.IntegerField()
        satisfied_share = serializers.FloatField(allow_null=True, help_text="share 0–1 of scores 4 and 5")
        bad_reviews_open = serializers.IntegerField(help_text="overdue included")
        bad_reviews_overdue = serializers.IntegerField()

    @extend_schema(parameters=[OpenApiParameter("service", str), OpenApiParameter("start", OpenApiTypes.DATE),
                               OpenApiParameter("end", OpenApiTypes.DATE)],
                   responses=SatisfactionRowSerializer(many=True),
                   summary="好差评 per service (rating dates start–end), for supervisors")
    def get(self, request: Request) -> Response:
        officer = officer_of(request.user)
        if officer is None or "supervisor" not in officer_roles(request.user):
            raise PermissionDenied(_("只有监察人员可以查看好差评统计。"), code="forbidden")
        filters = self.SatisfactionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = ratings.satisfaction(authority_ids=supervised_authority_ids(officer=officer),
                                    **filters.validated_data)
        return Response(self.SatisfactionRowSerializer(rows, many=True).data)
