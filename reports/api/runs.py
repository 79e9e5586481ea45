"""`/api/v1/report-runs/`: the report runs a user may see (figures, state through the job,
files with download URLs), and starting one (202 with the job, whose progress is read at
/api/v1/jobs/<id>/). The inputs are checked by `reports.selectors.report_target`, as on
the pages and in the command."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets

from portal.api.errors import validated
from portal.api.serializers import InputSerializer, UnitBriefSerializer
from portal.files import download_url
from portal.jobs.api import JobSerializer, accepted
from reports import runs_selectors as selectors
from reports.models import ReportRun
from reports.selectors import report_target
from reports.services.runs import start_run


class ReportRunFileSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="xlsx, docx hoặc pdf")
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Dung lượng (byte)")
    sha256 = serializers.CharField()
    download = serializers.SerializerMethodField()

    def get_download(self, report_file) -> str:
        return self.context["request"].build_absolute_uri(download_url(selectors.DOWNLOAD_KEY, report_file))


class ReportRunSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization = UnitBriefSerializer()
    period = serializers.SerializerMethodField()
    status = serializers.CharField(source="job.status", default=None, help_text="Trạng thái của việc chạy nền")
    progress = serializers.IntegerField(source="job.progress", default=None)
    message = serializers.CharField(source="job.message", default=None, help_text="Bước đang làm")
    job = serializers.IntegerField(source="job_id", allow_null=True, help_text="GET /api/v1/jobs/<id>/")
    files = ReportRunFileSerializer(many=True)

    class Meta:
        model = ReportRun
        fields = ["id", "kind", "organization", "period", "status", "progress", "message", "job", "number", "place",
                  "created_at", "computed_at", "files"]

    @extend_schema_field(inline_serializer("ReportRunPeriod", {
        "start": serializers.DateField(), "end": serializers.DateField(), "label": serializers.CharField()}))
    def get_period(self, run) -> dict:
        return {"start": run.period_start, "end": run.period_end, "label": run.period.label}


class ReportRunDetailSerializer(ReportRunSerializer):
    figures = serializers.JSONField(read_only=True, help_text="Số liệu như đã tính (null khi chưa tính xong)")
    narrative = serializers.JSONField(read_only=True, help_text="Nội dung các phần, như khi yêu cầu lập")

    class Meta(ReportRunSerializer.Meta):
        fields = [*ReportRunSerializer.Meta.fields, "narrative", "figures"]


class ReportRunStartSerializer(InputSerializer):
    kind = serializers.CharField(max_length=40, help_text="Mã loại báo cáo: ct17, kl01")
    unit = serializers.CharField(max_length=40, help_text="Mã đơn vị (trong phạm vi của người dùng)")
    year = serializers.CharField(max_length=10, help_text="Năm cuối của kỳ báo cáo")
    years = serializers.CharField(max_length=2, required=False, allow_blank=True,
                                  help_text="Số năm của kỳ (1, 3, 5 tùy loại báo cáo); mặc định kỳ ngắn nhất")


@extend_schema_view(
    list=extend_schema(summary="Các lần lập báo cáo trong phạm vi của người dùng (mới nhất trước)", parameters=[
        OpenApiParameter("kind", str, description="Mã loại báo cáo"),
        OpenApiParameter("unit", str, description="Mã đơn vị (chỉ đơn vị đó, không gồm cấp dưới)"),
    ]),
    retrieve=extend_schema(summary="Một lần lập báo cáo: số liệu, trạng thái, tệp XLSX, DOCX, PDF",
                           responses={200: ReportRunDetailSerializer}),
    create=extend_schema(summary="Lập báo cáo (việc chạy nền): trả 202 với việc, xem tiến độ ở /api/v1/jobs/<id>/",
                         request=ReportRunStartSerializer, responses={202: JobSerializer, 400: OpenApiTypes.OBJECT}),
)
class ReportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    serializer_class = ReportRunSerializer

    def get_queryset(self):
        runs = selectors.with_details(selectors.runs_visible_to(self.request.user))
        params = self.request.query_params
        if kind := params.get("kind", "").strip():
            runs = runs.filter(kind__code=kind)
        if unit := params.get("unit", "").strip():
            runs = runs.filter(organization__code=unit)
        return runs

    def get_serializer_class(self):
        return ReportRunDetailSerializer if self.action == "retrieve" else ReportRunSerializer

    def get_object(self):
        return selectors.run_for(self.request.user, self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        data = validated(ReportRunStartSerializer, request)
        kind, unit, period = report_target(request.user, data["kind"], data["unit"], data["year"], data.get("years"))
        return accepted(start_run(user=request.user, kind=kind, unit=unit, period=period), request)


urlpatterns = []


def register(router) -> None:
    router.register("report-runs", ReportRunViewSet, basename="report-run")
