"""`/api/v1/jobs/`: the jobs a user may see, one job with its files, cancel. Other apps
answer 202 with `accepted(job, request)` when they start long work."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.files import download_url
from portal.jobs import selectors, services
from portal.jobs.models import Job, JobFile


class JobFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = JobFile
        fields = ["name", "content_type", "size", "download"]

    def get_download(self, job_file) -> str:
        return self.context["request"].build_absolute_uri(download_url("job-file", job_file))


class JobSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:job-detail")
    kind_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    files = JobFileSerializer(many=True, read_only=True)

    class Meta:
        model = Job
        fields = ["id", "url", "kind", "kind_label", "title", "params", "organization", "status", "status_label", "progress",
                  "message", "error", "attempts", "created_at", "started_at", "finished_at", "files"]


def accepted(job: Job, request) -> Response:
    """202 Accepted with the job as GET /api/v1/jobs/<id>/ shows it."""
    job = selectors.job_for(request.user, job.pk)
    return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="Việc chạy nền mà người dùng được xem (mới nhất trước)"),
    retrieve=extend_schema(summary="Một việc: trạng thái, tiến độ, bước đang làm, tệp kết quả"),
)
class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer

    def get_queryset(self):
        return selectors.visible_jobs(self.request.user).select_related("organization").prefetch_related("files")

    @extend_schema(summary="Hủy một việc đang chờ hoặc đang chạy", request=None, responses={200: JobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self.get_object()
        services.cancel_job(job)
        return Response(self.get_serializer(selectors.job_for(request.user, job.pk)).data)
