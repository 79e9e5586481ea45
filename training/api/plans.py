"""API of yearly training plans: `/api/v1/training-plans/` (list, detail with its lines and
what was done on each, create and update a draft, submit / approve / return / amend).

Reads go through the area's selectors (the access rule), writes through its services, so
the API refuses exactly what the pages refuse: a wrong state or bad input is a 400 with
the Vietnamese message, a plan in reach that the user may not act on a 403, out of reach 404.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.access import Action, get_visible_or_404, may, restrict
from portal.api.errors import validated
from portal.api.serializers import InputSerializer, UnitBriefSerializer, catalogue_help
from portal.inputs import LAST_YEAR, id_or, parse_year
from portal.models import Organization
from training.models import ClassType, PriorityGroup, TrainingPlan
from training.selectors import plans as selectors
from training.services import plans as services

urlpatterns = []

CLASS_TYPE_HELP = catalogue_help(ClassType, "dang-vien-moi")


class PlanLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    class_type = serializers.CharField(source="class_type.code", read_only=True, help_text=CLASS_TYPE_HELP)
    class_type_name = serializers.CharField(source="class_type.name")
    planned_classes = serializers.IntegerField()
    planned_learners = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True, min_value=1, max_value=4)
    priority_groups = serializers.ListField(child=serializers.ChoiceField(choices=PriorityGroup.choices))
    note = serializers.CharField()
    actual_classes = serializers.IntegerField(help_text="Số lớp đã gắn vào dòng kế hoạch")
    actual_learners = serializers.IntegerField(help_text="Số lượt học viên của các lớp đó")


class PlanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:training-plan-detail")
    unit = UnitBriefSerializer(source="organization")
    status_display = serializers.CharField(source="get_status_display")
    amends = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                help_text="Mã kế hoạch được điều chỉnh; null với lần đầu")
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    planned_classes = serializers.IntegerField(help_text="Tổng số lớp của các dòng")
    planned_learners = serializers.IntegerField(help_text="Tổng số học viên của các dòng")

    class Meta:
        model = TrainingPlan
        fields = ["id", "url", "unit", "year", "version", "amends", "title", "status", "status_display",
                  "planned_classes", "planned_learners", "submitted_by", "submitted_at", "decided_by", "decided_at",
                  "decision_comment", "created_at", "updated_at"]


class PlanDetailSerializer(PlanSerializer):
    lines = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "lines"]

    @extend_schema_field(PlanLineSerializer(many=True))
    def get_lines(self, plan):
        return PlanLineSerializer(selectors.plan_lines(plan), many=True).data


@extend_schema_field(OpenApiTypes.STR)
class TrainableUnitField(serializers.Field):
    """A unit by code or id among those where the user may plan classes (TRAIN): one answer
    for "does not exist" and "not yours"."""

    def to_internal_value(self, data):
        user = self.context["request"].user
        unit_id = id_or(data) if isinstance(data, int | str) else None
        lookup = {"pk": unit_id} if unit_id else {"code": str(data)}
        unit = restrict(Organization.objects.filter(active=True), user).filter(**lookup).first()
        if unit is None or not may(user, Action.TRAIN, unit):
            raise serializers.ValidationError(
                _("Không tìm thấy đơn vị “%(unit)s” trong phạm vi bạn được lập kế hoạch đào tạo.") % {"unit": data})
        return unit

    def to_representation(self, value):
        return value.code


class LineWriteSerializer(InputSerializer):
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                  help_text="Mã dòng đang có (để sửa); bỏ trống với dòng mới")
    class_type = serializers.SlugRelatedField(slug_field="code", queryset=ClassType.objects.all(),
                                              help_text=CLASS_TYPE_HELP)
    planned_classes = serializers.IntegerField(min_value=1, max_value=1000)
    planned_learners = serializers.IntegerField(min_value=1, max_value=1_000_000)
    quarter = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4)
    priority_groups = serializers.ListField(child=serializers.ChoiceField(choices=PriorityGroup.choices),
                                            required=False, max_length=len(PriorityGroup.choices))
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PlanWriteSerializer(InputSerializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    lines = LineWriteSerializer(many=True, required=False, max_length=200,
                                help_text="Toàn bộ các dòng của kế hoạch: dòng không gửi lên sẽ bị xóa")


class PlanCreateSerializer(PlanWriteSerializer):
    organization = TrainableUnitField(help_text="Mã đơn vị lập kế hoạch")
    year = serializers.IntegerField(min_value=2000, max_value=LAST_YEAR)


class PlanDecisionSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def _lines(data) -> list[services.LineInput] | None:
    if "lines" not in data:
        return None
    return [services.LineInput(**line) for line in data["lines"]]


@extend_schema_view(
    list=extend_schema(summary="Kế hoạch đào tạo, bồi dưỡng trong phạm vi", parameters=[
        OpenApiParameter("org", str, description="Mã đơn vị: cả đơn vị và cấp dưới"),
        OpenApiParameter("year", int, description="Năm kế hoạch"),
        OpenApiParameter("status", str, enum=TrainingPlan.Status.values),
    ]),
    retrieve=extend_schema(summary="Một kế hoạch, với các dòng và số đã thực hiện", responses=PlanDetailSerializer),
    create=extend_schema(summary="Lập dự thảo kế hoạch năm của một đơn vị", request=PlanCreateSerializer,
                         responses={201: PlanDetailSerializer}),
    update=extend_schema(summary="Sửa dự thảo hoặc kế hoạch bị trả lại", request=PlanWriteSerializer,
                         responses={200: PlanDetailSerializer}),
    partial_update=extend_schema(summary="Sửa dự thảo hoặc kế hoạch bị trả lại", request=PlanWriteSerializer,
                                 responses={200: PlanDetailSerializer}),
)
class TrainingPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PlanSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("org", "").strip()
        unit = get_visible_or_404(Organization.objects.all(), self.request.user, code=code) if code \
            else None
        status_ = params.get("status", "").strip()
        if status_ and status_ not in TrainingPlan.Status.values:
            raise serializers.ValidationError({"status": [_("Trạng thái không hợp lệ.")]})
        return selectors.plan_list(self.request.user, selectors.PlanFilter(
            organization=unit, year=parse_year(params.get("year", "")), status=status_))

    def get_object(self):
        return selectors.plan_by_id(self.request.user, self.kwargs["pk"])

    def _answer(self, plan, code=status.HTTP_200_OK):
        fresh = selectors.plan_list(self.request.user).get(pk=plan.pk)
        return Response(PlanDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, pk=None):
        return self._answer(self.get_object())

    def create(self, request):
        data = validated(PlanCreateSerializer, request)
        plan = services.create_plan(organization=data["organization"], year=data["year"], by=request.user,
                                    title=data.get("title", ""), lines=_lines(data) or [])
        return self._answer(plan, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        plan = self.get_object()
        data = validated(PlanWriteSerializer, request, partial=partial)
        services.update_plan(plan, by=request.user, title=data.get("title"), lines=_lines(data))
        return self._answer(plan)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def _transition(self, function, **kwargs):
        plan = function(self.get_object(), by=self.request.user, **kwargs)
        return self._answer(plan, status.HTTP_201_CREATED if plan.pk != int(self.kwargs["pk"]) else 200)

    @extend_schema(summary="Trình cấp ủy cấp trên", request=None, responses={200: PlanDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(services.submit_plan)

    @extend_schema(summary="Phê duyệt (cấp ủy cấp trên)", request=PlanDecisionSerializer,
                   responses={200: PlanDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = validated(PlanDecisionSerializer, request)
        return self._transition(services.approve_plan, comment=data.get("comment", ""))

    @extend_schema(summary="Trả lại để sửa, kèm ý kiến (bắt buộc)", request=PlanDecisionSerializer,
                   responses={200: PlanDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = validated(PlanDecisionSerializer, request)
        return self._transition(services.return_plan, comment=data.get("comment", ""))

    @extend_schema(summary="Điều chỉnh: lập bản điều chỉnh (lần mới) của kế hoạch đã duyệt", request=None,
                   responses={201: PlanDetailSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        return self._transition(services.amend_plan)


def register(router) -> None:
    router.register("training-plans", TrainingPlanViewSet, basename="training-plan")
