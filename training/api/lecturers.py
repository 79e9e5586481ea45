"""API of the lecturers area: lecturers (list with the lectures of a year, detail with the
lectures of every year, create, update) through the area's selectors and services, under
the access rule of the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.access import Action, restrict, units_where
from portal.api.errors import validated
from portal.api.serializers import InputSerializer, PersonBriefSerializer, UnitBriefSerializer
from portal.inputs import parse_year
from portal.models import Organization, Person
from training.models import Lecturer
from training.selectors import lecturers as selectors
from training.services import lecturers as services


class YearLecturesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    lectures = serializers.IntegerField()


class LecturerSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:lecturer-detail")
    person = PersonBriefSerializer()
    organization = UnitBriefSerializer()
    lectures = serializers.SerializerMethodField(help_text="Số buổi lên lớp trong năm `year` (mọi lớp)")
    lectures_counted = serializers.SerializerMethodField(
        help_text="Số buổi lên lớp trong năm `year`, ở lớp thuộc kế hoạch đã phê duyệt")

    class Meta:
        model = Lecturer
        fields = ["id", "url", "person", "organization", "kind", "qualification", "meets_standard",
                  "standard_checked_on", "started_on", "ended_on", "lectures", "lectures_counted"]

    def get_lectures(self, lecturer) -> int:
        return lecturer.lectures

    def get_lectures_counted(self, lecturer) -> int:
        return lecturer.lectures_counted


class LecturerDetailSerializer(LecturerSerializer):
    lectures_per_year = serializers.SerializerMethodField()

    class Meta(LecturerSerializer.Meta):
        fields = [*LecturerSerializer.Meta.fields, "lectures_per_year"]

    @extend_schema_field(YearLecturesSerializer(many=True))
    def get_lectures_per_year(self, lecturer) -> list[dict]:
        return selectors.lectures_per_year(lecturer)


@extend_schema_field(OpenApiTypes.STR)
class TrainUnitField(serializers.SlugRelatedField):
    """A unit's code where the user may TRAIN (plan and run classes, keep lecturers)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return units_where(self.context["request"].user, Action.TRAIN)


class LecturerWriteSerializer(InputSerializer):
    person = serializers.IntegerField(help_text="Mã số người (trong phạm vi người dùng được xem)")
    organization = TrainUnitField(help_text="Mã đơn vị quản lý giảng viên")
    kind = serializers.ChoiceField(choices=Lecturer.Kind.choices)
    qualification = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    meets_standard = serializers.BooleanField(required=False, default=False)
    standard_checked_on = serializers.DateField(required=False, allow_null=True, default=None)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_person(self, pk):
        person = restrict(Person.objects.filter(pk=pk), self.context["request"].user).first()
        if person is None:
            raise serializers.ValidationError(_("Không tìm thấy người này trong phạm vi bạn được xem."))
        return person


class LecturerUpdateSerializer(LecturerWriteSerializer):
    person = None  # the person stays


def _year(request) -> int:
    return parse_year(request.query_params.get("year", "")) or timezone.localdate().year


@extend_schema_view(
    list=extend_schema(summary="Giảng viên, báo cáo viên trong phạm vi, với số buổi lên lớp của năm", parameters=[
        OpenApiParameter("org", str, description="Mã đơn vị: cả đơn vị và cấp dưới"),
        OpenApiParameter("kind", str, enum=Lecturer.Kind.values, description="Loại giảng viên"),
        OpenApiParameter("standard", str, enum=["1", "0"], description="1: đạt chuẩn; 0: chưa đạt"),
        OpenApiParameter("year", int, description="Năm đếm số buổi lên lớp (mặc định năm nay)"),
    ]),
    retrieve=extend_schema(summary="Một giảng viên, với số buổi lên lớp từng năm", parameters=[
        OpenApiParameter("year", int, description="Năm của `lectures` (mặc định năm nay)")],
        responses={200: LecturerDetailSerializer}),
    create=extend_schema(summary="Đăng ký giảng viên", request=LecturerWriteSerializer,
                         responses={201: LecturerDetailSerializer}),
    update=extend_schema(summary="Sửa giảng viên", request=LecturerUpdateSerializer,
                         responses={200: LecturerDetailSerializer}),
    partial_update=extend_schema(summary="Sửa một phần giảng viên", request=LecturerUpdateSerializer,
                                 responses={200: LecturerDetailSerializer}),
)
class LecturerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LecturerSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("org", "").strip()
        unit = Organization.objects.filter(code=code).first() if code else None
        if code and unit is None:
            return Lecturer.objects.none()
        kind, standard = params.get("kind", ""), params.get("standard", "")
        errors = {}
        if kind and kind not in Lecturer.Kind.values:
            errors["kind"] = [_("Loại giảng viên không hợp lệ.")]
        if standard not in {"", "0", "1"}:
            errors["standard"] = [_("Chỉ nhận 1 (đạt chuẩn) hoặc 0 (chưa đạt).")]
        if errors:
            raise serializers.ValidationError(errors)
        return selectors.lecturer_list(self.request.user, year=_year(self.request), unit=unit, kind=kind or None,
                                       standard={"1": True, "0": False}.get(standard))

    def _detail(self, pk, code=status.HTTP_200_OK):
        selectors.lecturer_by_id(self.request.user, pk)  # 404 outside the reach
        lecturer = selectors.with_lectures(Lecturer.objects.select_related("person", "organization"),
                                           _year(self.request)).get(pk=pk)
        return Response(LecturerDetailSerializer(lecturer, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    def create(self, request):
        data = validated(LecturerWriteSerializer, request)
        lecturer = services.create_lecturer(by=request.user, **data)
        return self._detail(lecturer.pk, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        lecturer = selectors.lecturer_by_id(request.user, pk)
        data = validated(LecturerUpdateSerializer, request, partial=partial)
        services.update_lecturer(lecturer, by=request.user, **data)
        return self._detail(lecturer.pk)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


def register(router) -> None:
    router.register("lecturers", LecturerViewSet, basename="lecturer")


urlpatterns = []
