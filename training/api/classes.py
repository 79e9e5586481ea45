"""API of the classes area: training classes with their lessons (list, detail, create,
update; the lesson attendance sheet and the results of a class), and enrolments (list,
detail with lesson attendance and result; create = nominate; PATCH the result; DELETE
= withdraw). Reads go through the area's selectors, writes through its services: the
access rule and the checks are the pages' own."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.access import Action, get_visible_or_404, may, restrict, units_where
from portal.api.serializers import (
    CatalogueSerializer,
    InputSerializer,
    PersonBriefSerializer,
    UnitBriefSerializer,
)
from portal.inputs import parse_id, parse_year
from portal.models import Organization, Person
from training.models import ClassType, Enrollment, Lecturer, Lesson, LessonAttendance, PlanLine, TrainingClass
from training.selectors import classes as selectors
from training.services import classes as class_services
from training.services import enrollment as services

urlpatterns = []


# --- Serializers -----------------------------------------------------------------------------


class LecturerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(source="person.full_name")


class LessonSerializer(serializers.ModelSerializer):
    lecturer = LecturerBriefSerializer(allow_null=True)

    class Meta:
        model = Lesson
        fields = ["number", "title", "held_on", "periods", "lecturer"]


class TrainingClassBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TrainingClassSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:training-class-detail")
    class_type = CatalogueSerializer()
    organizer = UnitBriefSerializer()
    in_plan = serializers.BooleanField(help_text="Lớp thuộc kế hoạch đã được phê duyệt (được tính); "
                                                 "false: ngoài kế hoạch")
    learners = serializers.IntegerField(source="n_learners")
    lessons = LessonSerializer(many=True)

    class Meta:
        model = TrainingClass
        fields = ["id", "url", "name", "class_type", "organizer", "plan_line", "in_plan", "starts_on", "ends_on",
                  "format", "place", "capacity", "learners", "lessons"]


class LessonWriteSerializer(InputSerializer):
    number = serializers.IntegerField(min_value=1, max_value=999)
    title = serializers.CharField(max_length=300)
    held_on = serializers.DateField()
    periods = serializers.IntegerField(min_value=1, max_value=100)
    lecturer = serializers.IntegerField(required=False, allow_null=True, default=None,
                                        help_text="Mã giảng viên (trong phạm vi được xem)")

    def validate_lecturer(self, pk):
        if pk is None:
            return None
        lecturer = restrict(Lecturer.objects.filter(pk=pk), self.context["request"].user).first()
        if lecturer is None:
            raise serializers.ValidationError(_("Không tìm thấy giảng viên này trong phạm vi bạn được xem."))
        return lecturer


class TrainingClassWriteSerializer(InputSerializer):
    class_type = serializers.SlugRelatedField(slug_field="code", queryset=ClassType.objects.filter(external=False),
                                              help_text="Mã loại lớp (không phải chương trình học bên ngoài)")
    organizer = serializers.CharField(help_text="Mã đơn vị tổ chức (nơi người dùng được tổ chức lớp)")
    plan_line = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="Dòng của kế hoạch đã phê duyệt; null: lớp ngoài kế hoạch")
    name = serializers.CharField(max_length=300)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    format = serializers.ChoiceField(choices=TrainingClass.Format.choices, default=TrainingClass.Format.IN_PERSON)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, max_value=100000)
    lessons = LessonWriteSerializer(many=True, required=False)

    def validate_organizer(self, code):
        unit = units_where(self.context["request"].user, Action.TRAIN).filter(code=code).first()
        if unit is None:
            raise serializers.ValidationError(_("Không tìm thấy đơn vị “%(unit)s” trong phạm vi bạn được tổ chức "
                                                "lớp.") % {"unit": code})
        return unit

    def validate_plan_line(self, pk):
        if pk is None:
            return None
        line = restrict(PlanLine.objects.filter(pk=pk), self.context["request"].user).first()
        if line is None:
            raise serializers.ValidationError(_("Không tìm thấy dòng kế hoạch này trong phạm vi bạn được xem."))
        return line


class AttendanceMarkSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson.number")
    status = serializers.ChoiceField(choices=LessonAttendance.Status.choices)
    reason = serializers.CharField()


class EnrollmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:enrollment-detail")
    training_class = TrainingClassBriefSerializer()
    person = PersonBriefSerializer()
    learner_organization = UnitBriefSerializer()
    certified = serializers.BooleanField(help_text="Có giấy chứng nhận còn hiệu lực")

    class Meta:
        model = Enrollment
        fields = ["id", "url", "training_class", "person", "learner_organization", "nominated_at", "score",
                  "result", "result_recorded_at", "certified"]


class EnrollmentDetailSerializer(EnrollmentSerializer):
    attendance = AttendanceMarkSerializer(many=True, help_text="Điểm danh từng bài đã ghi")

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "attendance"]


class NominationSerializer(InputSerializer):
    training_class = serializers.IntegerField(help_text="Mã lớp")
    person = serializers.IntegerField(help_text="Mã người được cử")

    def validate_training_class(self, pk):
        found = restrict(TrainingClass.objects.filter(pk=pk), self.context["request"].user).first()
        if found is None:
            raise serializers.ValidationError(_("Không tìm thấy lớp này trong phạm vi bạn được xem."))
        return found

    def validate_person(self, pk):
        person = restrict(Person.objects.select_related("organization"), self.context["request"].user) \
            .filter(pk=pk).first()
        if person is None:
            raise serializers.ValidationError(_("Không tìm thấy người có mã %(id)s trong phạm vi bạn được xem.")
                                              % {"id": pk})
        return person


class ResultWriteSerializer(InputSerializer):
    score = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None,
                                  help_text="Điểm từ 0 đến 10, ví dụ \"7,5\" hoặc 7.5; lớp có kiểm tra thì "
                                            "kết quả tự tính theo điểm đạt")
    result = serializers.ChoiceField(choices=[("", "—"), *Enrollment.Result.choices], required=False,
                                     allow_blank=True, default="",
                                     help_text="Chỉ với lớp không có kiểm tra cuối khóa")

    def to_internal_value(self, data):
        # A number is accepted as well as the Vietnamese "7,5".
        if isinstance(data, dict) and isinstance(data.get("score"), int | float) \
                and not isinstance(data.get("score"), bool):
            data = {**data, "score": str(data["score"])}
        return super().to_internal_value(data)


class ResultRowSerializer(ResultWriteSerializer):
    enrollment = serializers.IntegerField(help_text="Mã học viên của lớp (enrollment)")


class ResultsWriteSerializer(InputSerializer):
    rows = ResultRowSerializer(many=True)


class ResultsSummarySerializer(serializers.Serializer):
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    blank = serializers.IntegerField()
    total = serializers.IntegerField()


class SheetMarkSerializer(InputSerializer):
    enrollment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LessonAttendance.Status.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ClassSheetWriteSerializer(InputSerializer):
    lesson = serializers.IntegerField(min_value=1, max_value=999, help_text="Số của bài")
    rows = SheetMarkSerializer(many=True, help_text="Cả danh sách lớp: mỗi học viên đúng một dòng")


class ClassSheetRowSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField()
    full_name = serializers.CharField()
    status = serializers.ChoiceField(choices=LessonAttendance.Status.choices)
    reason = serializers.CharField()
    recorded = serializers.BooleanField(help_text="false: chưa ghi (mặc định có mặt)")


class ClassSheetSerializer(serializers.Serializer):
    lesson = serializers.IntegerField()
    summary = serializers.DictField(child=serializers.IntegerField())
    rows = ClassSheetRowSerializer(many=True)


def _sheet(training_class, lesson) -> dict:
    rows = selectors.attendance_sheet(training_class, lesson)
    return {"lesson": lesson.number, "summary": selectors.sheet_summary(r.status for r in rows), "rows": [
        {"enrollment": r.enrollment_id, "full_name": r.full_name, "status": r.status, "reason": r.reason,
         "recorded": r.recorded} for r in rows]}


def _require_train(user, training_class):
    if not may(user, Action.TRAIN, training_class.organizer):
        raise PermissionDenied(_("Chỉ cán bộ đào tạo của %(unit)s mới làm được việc này.")
                               % {"unit": training_class.organizer.name})


def _filter_params():
    return [
        OpenApiParameter("org", str, description="Mã đơn vị: cả đơn vị và cấp dưới"),
        OpenApiParameter("year", int, description="Năm khai giảng"),
        OpenApiParameter("type", str, description="Mã loại lớp"),
        OpenApiParameter("plan", str, enum=["in", "out"], description="in: trong kế hoạch; out: ngoài kế hoạch"),
    ]


def _common_filters(params):
    """Unit (None when the code names nothing: the caller answers an empty list), year, type, plan."""
    code = params.get("org", "").strip()
    unit = Organization.objects.filter(code=code).first() if code else None
    type_code = params.get("type", "").strip()
    class_type = ClassType.objects.filter(code=type_code).first() if type_code else None
    unknown = bool(code and unit is None) or bool(type_code and class_type is None)
    return unknown, {"organization": unit, "year": parse_year(params.get("year", "")), "class_type": class_type,
                     "in_plan": {"in": True, "out": False}.get(params.get("plan", ""))}


# --- Views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Lớp bồi dưỡng trong phạm vi của người dùng",
                       parameters=[*_filter_params(), OpenApiParameter("q", str, description="Tên lớp")]),
    retrieve=extend_schema(summary="Một lớp, với các bài học"),
)
class TrainingClassViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TrainingClassSerializer

    def _lessons(self, classes):
        return classes.prefetch_related(Prefetch("lessons", queryset=Lesson.objects.select_related(
            "lecturer__person").order_by("number")))

    def get_queryset(self):
        unknown, filters = _common_filters(self.request.query_params)
        if unknown:
            return TrainingClass.objects.none()
        query = self.request.query_params.get("q", "").strip()[:100]
        return self._lessons(selectors.class_list(self.request.user, selectors.ClassFilter(**filters, query=query)))

    def get_object(self):
        return selectors.class_by_id(self.request.user, self.kwargs["pk"])

    def _answer(self, training_class, code=status.HTTP_200_OK):
        fresh = self._lessons(selectors.class_list(self.request.user)).get(pk=training_class.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request, pk=None):
        return self._answer(self.get_object())

    @extend_schema(summary="Mở lớp mới", request=TrainingClassWriteSerializer, responses={201: TrainingClassSerializer})
    def create(self, request):
        serializer = TrainingClassWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lessons = [class_services.LessonData(**row) for row in data.pop("lessons", [])]
        training_class = class_services.create_class(user=request.user, lessons=lessons, **data)
        return self._answer(training_class, status.HTTP_201_CREATED)

    @extend_schema(summary="Sửa lớp (lessons, khi gửi, thay cả danh sách bài)", request=TrainingClassWriteSerializer,
                   responses={200: TrainingClassSerializer})
    def update(self, request, pk=None, partial=False):
        training_class = self.get_object()
        _require_train(request.user, training_class)
        serializer = TrainingClassWriteSerializer(data=request.data, partial=partial, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lessons = data.pop("lessons", None)
        if lessons is not None:
            lessons = [class_services.LessonData(**row) for row in lessons]
        class_services.update_class(training_class, user=request.user, lessons=lessons, **data)
        return self._answer(training_class)

    @extend_schema(summary="Sửa một phần lớp", request=TrainingClassWriteSerializer,
                   responses={200: TrainingClassSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(methods=["GET"], summary="Bảng điểm danh một bài của lớp",
                   parameters=[OpenApiParameter("lesson", int, description="Số của bài (mặc định bài 1)")],
                   responses={200: ClassSheetSerializer})
    @extend_schema(methods=["POST"], summary="Ghi cả bảng điểm danh một bài trong một yêu cầu",
                   request=ClassSheetWriteSerializer, responses={200: ClassSheetSerializer, 400: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        training_class = self.get_object()
        _require_train(request.user, training_class)
        if request.method == "GET":
            number = parse_id(request.query_params.get("lesson", ""), name="lesson") or 1
            lesson = selectors.lesson_by_number(training_class, number)
            if lesson is None:
                return Response({"lesson": [_("Lớp không có bài số %(n)s.") % {"n": number}]},
                                status=status.HTTP_400_BAD_REQUEST)
            return Response(_sheet(training_class, lesson))
        serializer = ClassSheetWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lesson = selectors.lesson_by_number(training_class, data["lesson"])
        if lesson is None:
            return Response({"lesson": [_("Lớp không có bài số %(n)s.") % {"n": data["lesson"]}]},
                            status=status.HTTP_400_BAD_REQUEST)
        marks = [services.Mark(row["enrollment"], row["status"], row["reason"]) for row in data["rows"]]
        services.record_lesson_attendance(training_class=training_class, lesson=lesson, by=request.user, marks=marks)
        return Response(_sheet(training_class, lesson))

    @extend_schema(summary="Ghi điểm và kết quả của nhiều học viên trong một yêu cầu",
                   request=ResultsWriteSerializer, responses={200: ResultsSummarySerializer, 400: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        training_class = self.get_object()
        _require_train(request.user, training_class)
        serializer = ResultsWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        lines = [services.ResultLine(row["enrollment"], row["score"], row["result"])
                 for row in serializer.validated_data["rows"]]
        return Response(services.record_results(training_class=training_class, by=request.user, lines=lines))


@extend_schema_view(
    list=extend_schema(summary="Học viên các lớp (lượt cử đi học) trong phạm vi của người dùng", parameters=[
        OpenApiParameter("class", int, description="Mã lớp"), *_filter_params(),
        OpenApiParameter("result", str, enum=["dat", "khong_dat", "none"], description="none: chưa có kết quả"),
        OpenApiParameter("certified", str, enum=["1", "0"], description="Có giấy chứng nhận còn hiệu lực"),
    ]),
    retrieve=extend_schema(summary="Một học viên của lớp, với điểm danh từng bài và kết quả",
                           responses={200: EnrollmentDetailSerializer}),
)
class EnrollmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EnrollmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        unknown, filters = _common_filters(params)
        class_id = parse_id(params.get("class", ""), name="class")
        training_class = TrainingClass.objects.filter(pk=class_id).first() if class_id else None
        if unknown or (class_id and training_class is None):
            return Enrollment.objects.none()
        result = params.get("result", "")
        return selectors.enrollment_list(self.request.user, selectors.EnrollmentFilter(
            training_class=training_class, result=result if result in {"dat", "khong_dat", "none"} else None,
            certified={"1": True, "0": False}.get(params.get("certified", "")), **filters))

    def _detail(self, pk):
        rows = selectors.enrollment_list(self.request.user).prefetch_related(
            Prefetch("attendance", queryset=LessonAttendance.objects.select_related("lesson")
                     .order_by("lesson__number")))
        return get_visible_or_404(rows, self.request.user, pk=pk)

    def retrieve(self, request, pk=None):
        return Response(EnrollmentDetailSerializer(self._detail(pk), context={"request": request}).data)

    @extend_schema(summary="Cử một người vào lớp", request=NominationSerializer,
                   responses={201: EnrollmentDetailSerializer, 400: OpenApiTypes.OBJECT})
    def create(self, request):
        serializer = NominationSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        (enrollment,) = services.nominate(training_class=data["training_class"], by=request.user,
                                          people=[data["person"]])
        return Response(EnrollmentDetailSerializer(self._detail(enrollment.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Ghi điểm, kết quả của học viên", request=ResultWriteSerializer,
                   responses={200: EnrollmentDetailSerializer, 400: OpenApiTypes.OBJECT})
    def partial_update(self, request, pk=None):
        enrollment = selectors.enrollment_by_id(request.user, pk)
        _require_train(request.user, enrollment.training_class)
        serializer = ResultWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.record_results(training_class=enrollment.training_class, by=request.user,
                                lines=[services.ResultLine(enrollment.pk, data["score"], data["result"])])
        return Response(EnrollmentDetailSerializer(self._detail(enrollment.pk), context={"request": request}).data)

    @extend_schema(summary="Rút học viên khỏi lớp (trước khi có kết quả)", responses={204: None})
    def destroy(self, request, pk=None):
        enrollment = selectors.enrollment_by_id(request.user, pk)
        services.withdraw(enrollment=enrollment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("training-classes", TrainingClassViewSet, basename="training-class")
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
