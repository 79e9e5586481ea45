"""API of the commitments area: `register(router)` adds its viewsets; `urlpatterns` holds extra routes.

Reads go through the area's selectors (the access rule), writes through its services,
so the API refuses exactly what the pages refuse: a wrong state or bad input is a 400
with the Vietnamese message, someone else's commitment in reach a 403, out of reach 404.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.errors import validated
from portal.api.serializers import (
    CatalogueSerializer,
    InputSerializer,
    PersonBriefSerializer,
    UnitBriefSerializer,
    catalogue_help,
)
from portal.inputs import LAST_YEAR, parse_year
from portal.selectors import own_person
from resolutions.models import Commitment, RatingLevel, Theme
from resolutions.selectors import commitments as selectors
from resolutions.selectors.commitments import SECTION_FIELDS
from resolutions.services import commitments as services
from resolutions.services.commitments import COMMITMENTS_SINCE

urlpatterns = []


class ThemeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CommitmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="study-api:commitment-detail")
    person = PersonBriefSerializer()
    unit = UnitBriefSerializer(source="person.organization")
    theme = ThemeBriefSerializer(allow_null=True)
    status_display = serializers.CharField(source="get_status_display")
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                               help_text="Tên đăng nhập của người duyệt; null khi chưa duyệt")
    self_rating = CatalogueSerializer(allow_null=True, help_text=catalogue_help(RatingLevel, "tot"))
    rating = CatalogueSerializer(allow_null=True, help_text=catalogue_help(RatingLevel, "tot"))
    rated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                            help_text="Tên đăng nhập của người xếp loại; null khi chưa xếp loại")

    class Meta:
        model = Commitment
        fields = ["id", "url", "person", "unit", "year", "theme", *SECTION_FIELDS, "status", "status_display",
                  "submitted_at", "review_comment", "reviewed_by", "reviewed_at", "self_assessment",
                  "self_rating", "rating", "rated_by", "rated_at", "created_at", "updated_at"]


@extend_schema_field(OpenApiTypes.INT)
class YearThemeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Theme.objects.filter(kind=Theme.Kind.YEAR)


def _section_fields():
    return {name: serializers.CharField(required=False, allow_blank=True, max_length=10000) for name in SECTION_FIELDS}


class CommitmentWriteSerializer(InputSerializer):
    theme = YearThemeField(required=False, allow_null=True)

    def get_fields(self):
        return {**super().get_fields(), **_section_fields()}


class CommitmentCreateSerializer(CommitmentWriteSerializer):
    year = serializers.IntegerField(min_value=COMMITMENTS_SINCE, max_value=LAST_YEAR)


class CommentSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RateSerializer(InputSerializer):
    rating = serializers.SlugRelatedField(slug_field="code", queryset=RatingLevel.objects.all(),
                                          help_text=catalogue_help(RatingLevel, "tot"))


class SelfAssessmentSerializer(InputSerializer):
    self_assessment = serializers.CharField(allow_blank=True, max_length=10000)
    self_rating = serializers.SlugRelatedField(slug_field="code", queryset=RatingLevel.objects.all(),
                                               help_text=catalogue_help(RatingLevel, "tot"))


@extend_schema_view(
    list=extend_schema(summary="Bản cam kết: của mình và của những người trong phạm vi", parameters=[
        OpenApiParameter("year", int, description="Năm"),
        OpenApiParameter("unit", str, description="Mã đơn vị: cả đơn vị và cấp dưới"),
        OpenApiParameter("status", str, enum=Commitment.Status.values),
    ]),
    retrieve=extend_schema(summary="Một bản cam kết"),
    create=extend_schema(summary="Lập bản nháp cam kết của chính mình", request=CommitmentCreateSerializer,
                         responses={201: CommitmentSerializer}),
    update=extend_schema(summary="Sửa bản nháp hoặc bản bị trả lại", request=CommitmentWriteSerializer,
                         responses={200: CommitmentSerializer}),
    partial_update=extend_schema(summary="Sửa bản nháp hoặc bản bị trả lại", request=CommitmentWriteSerializer,
                                 responses={200: CommitmentSerializer}),
)
class CommitmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CommitmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("unit", "").strip()
        return selectors.commitment_list(
            self.request.user,
            year=parse_year(params.get("year", ""), first=COMMITMENTS_SINCE),
            unit=selectors.unit_by_code(self.request.user, code) if code else None,
            status=params.get("status", "").strip(),
        )

    def get_object(self):
        return selectors.commitment_by_id(self.request.user, self.kwargs["pk"])

    def _answer(self, commitment, code=status.HTTP_200_OK):
        fresh = selectors.commitment_by_id(self.request.user, commitment.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        data = validated(CommitmentCreateSerializer, request)
        person = own_person(request.user)
        if person is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Tài khoản của bạn chưa gắn với hồ sơ cá nhân nên chưa lập được bản cam kết.")]})
        year = data.pop("year")
        commitment = services.create_commitment(person=person, year=year, by=request.user, **data)
        return self._answer(commitment, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        commitment = self.get_object()
        data = validated(CommitmentWriteSerializer, request, partial=partial)
        services.update_commitment(commitment, by=request.user, **data)
        return self._answer(commitment)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def _transition(self, function, **kwargs):
        commitment = self.get_object()
        function(commitment, by=self.request.user, **kwargs)
        return self._answer(commitment)

    @extend_schema(summary="Nộp cho chi bộ", request=None, responses={200: CommitmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(services.submit_commitment)

    @extend_schema(summary="Trả lại để sửa, kèm ý kiến", request=CommentSerializer,
                   responses={200: CommitmentSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = validated(CommentSerializer, request)
        return self._transition(services.return_commitment, comment=data.get("comment", ""))

    @extend_schema(summary="Duyệt", request=CommentSerializer, responses={200: CommitmentSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = validated(CommentSerializer, request)
        return self._transition(services.accept_commitment, comment=data.get("comment", ""))

    @extend_schema(summary="Tự đánh giá, tự xếp loại cuối năm", request=SelfAssessmentSerializer,
                   responses={200: CommitmentSerializer})
    @action(detail=True, methods=["post"], url_path="self-assessment", url_name="self-assessment")
    def self_assessment(self, request, pk=None):
        data = validated(SelfAssessmentSerializer, request)
        return self._transition(services.self_assess, **data)

    @extend_schema(summary="Xếp loại của chi bộ (bản đã duyệt, cuối năm)", request=RateSerializer,
                   responses={200: CommitmentSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        data = validated(RateSerializer, request)
        return self._transition(services.rate_commitment, **data)


def register(router) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("commitments", CommitmentViewSet, basename="commitment")
