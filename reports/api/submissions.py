"""`/api/v1/report-submissions/`: the units' reports a user may see, with their state,
deadline, narrative and the run that was submitted; PATCH writes the narrative (sections,
number, place), and submit / accept / return move the report up the tree.

Reads go through the access rule (outside the reach: 404), writes through the services,
so the API refuses exactly what the pages refuse: a wrong state or bad input is a 400
with the Vietnamese message, a report in reach that the user may not act on a 403."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.errors import validated
from portal.api.serializers import InputSerializer, UnitBriefSerializer
from portal.inputs import parse_year
from reports import submission_selectors as selectors
from reports.models import Submission, SubmissionEvent
from reports.services import submissions as services
from reports.services.submissions import NARRATIVE_MAX_CHARS, NUMBER_MAX_CHARS, PLACE_MAX_CHARS


class SubmissionEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=SubmissionEvent.Action.choices)
    comment = serializers.CharField()
    by = serializers.CharField(source="by.username", default=None, allow_null=True,
                               help_text="Tài khoản làm việc này; null với lịch báo cáo")
    at = serializers.DateTimeField()


class ReportSubmissionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="reports-api:report-submission-detail")
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = UnitBriefSerializer(source="organization")
    period = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                             help_text="Lần lập báo cáo đã nộp: GET /api/v1/report-runs/<id>/")
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    page = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "url", "kind", "unit", "period", "due_on", "status", "status_display", "late", "number",
                  "place", "run", "submitted_by", "submitted_at", "decided_by", "decided_at", "return_comment",
                  "page"]

    @extend_schema_field(serializers.CharField(help_text="Nhãn kỳ báo cáo: 2025, 2021–2025"))
    def get_period(self, submission) -> str:
        return submission.period.label

    def get_page(self, submission) -> str:
        return self.context["request"].build_absolute_uri(selectors.report_url(submission))


class ReportSubmissionDetailSerializer(ReportSubmissionSerializer):
    narrative = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(ReportSubmissionSerializer.Meta):
        fields = [*ReportSubmissionSerializer.Meta.fields, "narrative", "events"]

    @extend_schema_field(serializers.DictField(child=serializers.CharField(),
                                               help_text="Nội dung từng phần (mã phần → văn bản)"))
    def get_narrative(self, submission) -> dict:
        return selectors.effective_narrative(submission)

    @extend_schema_field(SubmissionEventSerializer(many=True))
    def get_events(self, submission) -> list:
        return SubmissionEventSerializer(selectors.events_of(submission), many=True).data


class ReportNarrativeSerializer(InputSerializer):
    narrative = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=NARRATIVE_MAX_CHARS,
                                                                  trim_whitespace=False),
                                      required=False, help_text="Các phần cần lưu: mã phần → văn bản")
    number = serializers.CharField(required=False, allow_blank=True, max_length=NUMBER_MAX_CHARS)
    place = serializers.CharField(required=False, allow_blank=True, max_length=PLACE_MAX_CHARS)


class ReportReturnSerializer(InputSerializer):
    comment = serializers.CharField(max_length=NARRATIVE_MAX_CHARS, help_text="Bắt buộc: đơn vị cần sửa gì")


@extend_schema_view(
    list=extend_schema(summary="Báo cáo của các đơn vị trong phạm vi (trạng thái, hạn nộp)", parameters=[
        OpenApiParameter("kind", str, description="Mã loại báo cáo"),
        OpenApiParameter("unit", str, description="Mã đơn vị (chỉ đơn vị đó)"),
        OpenApiParameter("year", int, description="Năm cuối của kỳ báo cáo"),
        OpenApiParameter("status", str, enum=Submission.Status.values),
        OpenApiParameter("late", bool, description="Chỉ báo cáo nộp muộn"),
    ]),
    retrieve=extend_schema(summary="Một báo cáo: nội dung, diễn biến", responses=ReportSubmissionDetailSerializer),
    partial_update=extend_schema(summary="Lưu nội dung báo cáo (các phần, số, địa danh) khi còn được sửa",
                                 request=ReportNarrativeSerializer, responses={200: ReportSubmissionDetailSerializer}),
)
class ReportSubmissionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReportSubmissionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        submissions = selectors.submissions_visible_to(self.request.user).select_related(
            "submitted_by", "decided_by")
        status_ = params.get("status", "").strip()
        if status_ and status_ not in Submission.Status.values:
            raise serializers.ValidationError({"status": [_("Trạng thái không hợp lệ.")]})
        if unit := params.get("unit", "").strip():
            submissions = submissions.filter(organization__code=unit)
        submissions = selectors.filtered(submissions, selectors.SubmissionFilter(
            kind=params.get("kind", "").strip(), year=parse_year(params.get("year", "")), status=status_,
            late=params.get("late", "").strip().lower() in ("1", "true")))
        return submissions.order_by("-period_end", "kind__sort_order", "organization__path", "pk")

    def get_object(self):
        return selectors.submission_by_id(self.request.user, self.kwargs["pk"])

    def _answer(self, submission):
        fresh = self.get_queryset().get(pk=submission.pk)
        return Response(ReportSubmissionDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None):
        return self._answer(self.get_object())

    def partial_update(self, request, pk=None):
        submission = self.get_object()
        data = validated(ReportNarrativeSerializer, request)
        if not data:
            raise serializers.ValidationError({"narrative": [_("Gửi ít nhất một phần nội dung, số hoặc địa danh.")]})
        with transaction.atomic():  # all the sections or none
            for section, text in data.get("narrative", {}).items():
                submission = services.save_narrative(submission, user=request.user, section=section, text=text)
            if "number" in data or "place" in data:
                submission = services.save_heading(submission, user=request.user,
                                                   number=data.get("number", submission.number),
                                                   place=data.get("place", submission.place))
        return self._answer(submission)

    @extend_schema(summary="Nộp báo cáo lên cấp trên (số liệu và tệp được lập kèm)", request=None,
                   responses={200: ReportSubmissionDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(services.submit(self.get_object(), user=request.user))

    @extend_schema(summary="Nhận báo cáo (cấp trên)", request=None, responses={200: ReportSubmissionDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(services.accept(self.get_object(), user=request.user))

    @extend_schema(summary="Trả lại báo cáo kèm ý kiến (cấp trên)", request=ReportReturnSerializer,
                   responses={200: ReportSubmissionDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = validated(ReportReturnSerializer, request)
        return self._answer(services.return_submission(self.get_object(), user=request.user,
                                                       comment=data["comment"]))


urlpatterns = []


def register(router) -> None:
    router.register("report-submissions", ReportSubmissionViewSet, basename="report-submission")
