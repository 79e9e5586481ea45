"""`/api/v1/imports/`: upload a file for a target (its preview, or 202 with the job that checks
a large file), read an import with its preview, confirm it, download a format's template. The
same services as the pages (portal.spreadsheets.imports); the serializers only shape JSON."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from portal.api.errors import validated
from portal.files import download_url
from portal.jobs.api import JobSerializer, accepted
from portal.spreadsheets import imports, selectors
from portal.spreadsheets.download import XLSX, template_response
from portal.spreadsheets.models import ImportBatch
from portal.spreadsheets.safety import SpreadsheetRefused


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=gettext_lazy("Số thứ tự của dòng trong bảng tính, như Excel hiện"))
    column = serializers.CharField(help_text=gettext_lazy("Tên cột; rỗng khi lỗi thuộc cả dòng"))
    value = serializers.CharField(help_text=gettext_lazy("Giá trị như đã ghi trong tệp"))
    reason = serializers.CharField()


class ImportChangeSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    label = serializers.CharField()
    fields = serializers.ListField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text=gettext_lazy("[tên cột, giá trị cũ, giá trị mới]; giá trị cũ rỗng "
                                                          "khi thêm mới"))


class ImportPreviewSerializer(serializers.Serializer):
    header = serializers.ListField(child=serializers.CharField())
    created = ImportChangeSerializer(many=True, help_text=gettext_lazy("Những dòng sẽ thêm (tối đa 200 dòng đầu)"))
    changed = ImportChangeSerializer(many=True, help_text=gettext_lazy("Những dòng sẽ sửa (tối đa 200 dòng đầu)"))
    problems = ImportProblemSerializer(many=True)


class ImportSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    problems = serializers.IntegerField()
    bad_rows = serializers.IntegerField()
    written = serializers.DictField(child=serializers.IntegerField(), required=False,
                                    help_text=gettext_lazy("Số đã ghi, khi đã nhập"))


class ImportBatchSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:import-detail")
    format = serializers.CharField(source="format_code")
    format_label = serializers.SerializerMethodField()
    target = serializers.CharField(source="target_id", help_text=gettext_lazy(
        "Đích nhập: mã đơn vị (people, documents) hoặc số của buổi sinh hoạt (attendance), của lớp (results)"))
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    summary = ImportSummarySerializer(read_only=True)
    rejected_file = serializers.SerializerMethodField(help_text=gettext_lazy(
        "Tệp Excel các dòng lỗi (dòng gốc và cột “Lý do”), khi có"))
    job = serializers.HyperlinkedRelatedField(view_name="api:job-detail", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ImportBatch
        fields = ["id", "url", "format", "format_label", "target", "organization", "filename", "status",
                  "status_label", "summary", "error", "rejected_file", "job", "created_by", "created_at",
                  "applied_at"]

    def get_format_label(self, batch) -> str:
        return str(imports.get_format(batch.format_code).label)

    def get_rejected_file(self, batch) -> str | None:
        if not batch.rejected_file:
            return None
        return self.context["request"].build_absolute_uri(download_url("import-rejected", batch))


class ImportBatchDetailSerializer(ImportBatchSerializer):
    preview = ImportPreviewSerializer(read_only=True, help_text=gettext_lazy(
        "Bản xem trước: những dòng sẽ thêm, sẽ sửa (cũ → mới) và mọi dòng lỗi"))

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "preview"]


class ImportUploadSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[], help_text=gettext_lazy(
        "people, attendance, results hoặc documents"))
    target = serializers.CharField(max_length=60, help_text=gettext_lazy(
        "Mã đơn vị (people, documents) hoặc số của buổi sinh hoạt (attendance), của lớp (results)"))
    file = serializers.FileField(help_text=gettext_lazy("Tệp .xlsx hoặc .csv"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(fmt.code, fmt.label) for fmt in imports.all_formats()]


FORMAT_PARAMETER = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="people, attendance, results hoặc documents")


@extend_schema_view(
    list=extend_schema(summary="Các lần nhập tệp mà người dùng được xem (mới nhất trước)"),
    retrieve=extend_schema(summary="Một lần nhập: trạng thái, tóm tắt và bản xem trước"),
)
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ImportBatchSerializer

    def get_queryset(self):
        return imports.visible_batches(self.request.user).select_related("organization", "created_by")

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def _answer(self, batch, request, created=False) -> Response:
        """The batch as GET shows it; 202 with the job while a job checks or writes it."""
        if batch.job_id and batch.status in (ImportBatch.Status.PLANNING, ImportBatch.Status.APPLYING):
            response = accepted(batch.job, request)
            response["Location"] = reverse("api:import-detail", args=[batch.pk], request=request)
            return response
        batch = selectors.batch_for(request.user, batch.pk)
        return Response(ImportBatchDetailSerializer(batch, context={"request": request}).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Tải tệp lên để kiểm tra: trả về bản xem trước (chưa ghi gì)",
        description="Tệp lớn (nhiều hơn IMPORT_JOB_ROWS dòng) được kiểm tra bằng một việc chạy nền: trả 202 "
                    "với việc đó, header Location chỉ tới lần nhập. Cùng tệp cho cùng đích đã nhập rồi: "
                    "trả 200 với lần nhập đó.",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchDetailSerializer, 200: ImportBatchDetailSerializer, 202: JobSerializer})
    def create(self, request):
        data = validated(ImportUploadSerializer, request)
        upload = data["file"]
        try:
            batch = imports.stage_import(user=request.user, format_code=data["format"], target_id=data["target"],
                                         upload=upload, filename=upload.name)
        except SpreadsheetRefused as refused:
            raise serializers.ValidationError({"file": [str(refused)]}) from None
        return self._answer(batch, request, created=batch.status not in (ImportBatch.Status.APPLIED,
                                                                          ImportBatch.Status.APPLYING))

    @extend_schema(summary="Xác nhận nhập: ghi tất cả hoặc không ghi gì",
                   description="Từ chối (400) lần nhập còn dòng lỗi, chưa kiểm tra xong hoặc đã nhập rồi. "
                               "Tệp lớn được ghi bằng một việc chạy nền: trả 202 với việc đó.",
                   request=None, responses={200: ImportBatchDetailSerializer, 202: JobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        batch = imports.confirm_import(self.get_object(), user=request.user)
        return self._answer(batch, request)

    @extend_schema(summary="Tệp mẫu để điền (Excel, tiêu đề cột tiếng Việt và dòng ví dụ)",
                   parameters=[FORMAT_PARAMETER],
                   responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=False, methods=["get"], url_path=r"templates/(?P<code>[a-z_]+)", url_name="template",
            pagination_class=None, filter_backends=[])
    def template(self, request, code=None):
        return template_response(selectors.format_or_404(code))
