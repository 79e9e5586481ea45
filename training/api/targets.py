"""API of yearly training targets: `/api/v1/training-targets/` (list, create, update, delete)
and `/api/v1/training-targets/progress/?org=&year=` (actual against target over the unit's
subtree, with the child units that lag), under the access rule: reads through the
selectors, writes through the services (400 with the Vietnamese message, 403 outside the
units where the user may TRAIN, 404 out of reach)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.access import get_visible_or_404
from portal.api.errors import validated
from portal.api.serializers import InputSerializer, UnitBriefSerializer, catalogue_help
from portal.figures import Share
from portal.inputs import parse_year
from portal.models import Organization
from training.api.plans import TrainableUnitField
from training.models import ClassType, TargetIndicator, TrainingTarget
from training.selectors import targets as selectors
from training.services import targets as services

urlpatterns = []

CLASS_TYPE_HELP = catalogue_help(ClassType, "dang-vien-moi")


class TargetSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:training-target-detail")
    unit = UnitBriefSerializer(source="organization")
    indicator_display = serializers.CharField(source="get_indicator_display")
    class_type = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                              help_text=CLASS_TYPE_HELP)

    class Meta:
        model = TrainingTarget
        fields = ["id", "url", "unit", "year", "indicator", "indicator_display", "class_type", "value", "upper",
                  "note", "created_at", "updated_at"]


class TargetWriteSerializer(InputSerializer):
    indicator = serializers.ChoiceField(choices=TargetIndicator.choices)
    class_type = serializers.SlugRelatedField(slug_field="code", queryset=ClassType.objects.all(), required=False,
                                              allow_null=True, help_text=CLASS_TYPE_HELP)
    value = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0,
                                     help_text="Mức tối thiểu: % với chỉ tiêu tỷ lệ, số với chỉ tiêu đếm")
    upper = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class TargetCreateSerializer(TargetWriteSerializer):
    organization = TrainableUnitField(help_text="Mã đơn vị đặt chỉ tiêu")
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class FigureFields(serializers.Serializer):
    actual = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                      help_text="Tỷ lệ % (chỉ tiêu tỷ lệ) hoặc số đếm; null khi chưa có ai để tính")
    done = serializers.IntegerField(allow_null=True, help_text="Tử số của tỷ lệ; null với chỉ tiêu đếm")
    total = serializers.IntegerField(allow_null=True, help_text="Mẫu số của tỷ lệ; null với chỉ tiêu đếm")

    def to_representation(self, row):
        share = row.figure if isinstance(row.figure, Share) else None
        return {**super().to_representation(row), "done": share.done if share else None,
                "total": share.total if share else None}


class ChildProgressSerializer(FigureFields):
    unit = UnitBriefSerializer()
    lagging = serializers.BooleanField(help_text="Dưới mức chỉ tiêu (chỉ tiêu tỷ lệ)")


class ProgressSerializer(FigureFields):
    target = TargetSerializer()
    met = serializers.BooleanField(allow_null=True, help_text="Đạt chỉ tiêu; null khi chưa có ai để tính")
    children = ChildProgressSerializer(many=True)


def _row(data) -> services.TargetInput:
    return services.TargetInput(indicator=data["indicator"], value=data["value"], upper=data.get("upper"),
                                class_type=data.get("class_type"), note=data.get("note", ""))


@extend_schema_view(
    list=extend_schema(summary="Chỉ tiêu đào tạo, bồi dưỡng trong phạm vi", parameters=[
        OpenApiParameter("org", str, description="Mã đơn vị (chỉ tiêu của chính đơn vị đó)"),
        OpenApiParameter("year", int, description="Năm"),
    ]),
    retrieve=extend_schema(summary="Một chỉ tiêu"),
    create=extend_schema(summary="Đặt một chỉ tiêu của đơn vị cho một năm", request=TargetCreateSerializer,
                         responses={201: TargetSerializer}),
    update=extend_schema(summary="Sửa chỉ tiêu", request=TargetWriteSerializer, responses={200: TargetSerializer}),
    destroy=extend_schema(summary="Bỏ chỉ tiêu"),
)
class TrainingTargetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TargetSerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def _unit(self, required=False):
        code = self.request.query_params.get("org", "").strip()
        if not code:
            if required:
                raise serializers.ValidationError({"org": [_("Cần mã đơn vị.")]})
            return None
        return get_visible_or_404(Organization.objects.all(), self.request.user, code=code)

    def get_queryset(self):
        return selectors.target_list(self.request.user, organization=self._unit(),
                                     year=parse_year(self.request.query_params.get("year", "")))

    def get_object(self):
        return selectors.target_by_id(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        data = validated(TargetCreateSerializer, request)
        target = services.create_target(organization=data["organization"], year=data["year"], by=request.user,
                                        row=_row(data))
        return Response(self.get_serializer(selectors.target_by_id(request.user, target.pk)).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        target = self.get_object()
        data = validated(TargetWriteSerializer, request)
        services.update_target(target, by=request.user, row=_row(data))
        return Response(self.get_serializer(selectors.target_by_id(request.user, target.pk)).data)

    def destroy(self, request, pk=None):
        services.delete_target(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Thực hiện so với chỉ tiêu trên toàn đơn vị và cấp dưới", parameters=[
        OpenApiParameter("org", str, required=True, description="Mã đơn vị"),
        OpenApiParameter("year", int, description="Năm (mặc định: năm nay)"),
    ], responses={200: ProgressSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def progress(self, request):
        unit = self._unit(required=True)
        year = parse_year(request.query_params.get("year", "")) or timezone.localdate().year
        return Response(ProgressSerializer(selectors.target_progress(unit, year), many=True,
                                           context=self.get_serializer_context()).data)


def register(router) -> None:
    router.register("training-targets", TrainingTargetViewSet, basename="training-target")
