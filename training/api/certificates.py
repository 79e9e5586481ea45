"""API of the certificates area: certificates (list with the filters of the page, detail
with the PDF's download URL and the public verification URL, revoke with a reason), and
issuing a class's certificates (202 with the job). Reads through the area's selectors,
writes through its services, under the same access rule as the pages."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.access import Action, get_visible_or_404, may
from portal.api.errors import validated
from portal.api.serializers import InputSerializer, PersonBriefSerializer, UnitBriefSerializer
from portal.files import download_url
from portal.inputs import parse_id, parse_year
from portal.jobs.api import JobSerializer, accepted
from portal.models import Organization
from training.models import Certificate, TrainingClass
from training.selectors import certificates as selectors
from training.services import certificates as services


class CertificateClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CertificateSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="training-api:certificate-detail")
    register_number = serializers.CharField(read_only=True, help_text="Số in trên giấy, ví dụ 0001/2026")
    person = PersonBriefSerializer(source="enrollment.person")
    learner_organization = UnitBriefSerializer(source="enrollment.learner_organization")
    training_class = CertificateClassSerializer(source="enrollment.training_class")
    organizer = UnitBriefSerializer()
    valid = serializers.BooleanField(read_only=True, help_text="false khi đã bị thu hồi")
    enrollment = serializers.IntegerField(source="enrollment_id")
    download_url = serializers.SerializerMethodField(help_text="Tệp PDF; null khi chưa in xong")
    verification_url = serializers.SerializerMethodField(help_text="Trang xác minh công khai (mã QR trên giấy)")

    class Meta:
        model = Certificate
        fields = ["id", "url", "number", "year", "register_number", "verification_code", "enrollment", "person",
                  "learner_organization", "training_class", "organizer", "issued_on", "valid", "revoked_on",
                  "revoked_reason", "download_url", "verification_url"]

    def get_download_url(self, certificate) -> str | None:
        if not certificate.pdf:
            return None
        return self.context["request"].build_absolute_uri(download_url("certificate", certificate))

    def get_verification_url(self, certificate) -> str:
        return services.verification_url(certificate, self.context["request"].build_absolute_uri("/"))


class RevokeSerializer(InputSerializer):
    reason = serializers.CharField(max_length=services.REVOKE_REASON_MAX,
                                   help_text="Lý do thu hồi (bắt buộc); số giấy được giữ nguyên")


@extend_schema_view(
    list=extend_schema(summary="Giấy chứng nhận trong phạm vi của người dùng", parameters=[
        OpenApiParameter("org", str, description="Mã đơn vị: đơn vị cấp hoặc đơn vị của học viên, gồm cấp dưới"),
        OpenApiParameter("year", int, description="Năm của sổ cấp"),
        OpenApiParameter("class", int, description="Mã số lớp"),
        OpenApiParameter("revoked", str, enum=["1", "0"], description="1: đã thu hồi; 0: còn hiệu lực"),
    ]),
    retrieve=extend_schema(summary="Một giấy chứng nhận, với đường dẫn tải PDF và trang xác minh"),
)
class CertificateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CertificateSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("org", "").strip()
        unit = Organization.objects.filter(code=code).first() if code else None
        if code and unit is None:
            return Certificate.objects.none()
        revoked = params.get("revoked", "")
        if revoked not in {"", "0", "1"}:
            raise serializers.ValidationError({"revoked": [_("Chỉ nhận 1 (đã thu hồi) hoặc 0 (còn hiệu lực).")]})
        return selectors.certificate_list(
            self.request.user, unit=unit, year=parse_year(params.get("year", "")),
            class_id=parse_id(params.get("class", ""), name="class"),
            revoked={"1": True, "0": False}.get(revoked))

    def get_object(self):
        return selectors.certificate_by_id(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="Thu hồi giấy chứng nhận (ghi lý do; số giấy được giữ)", request=RevokeSerializer,
                   responses={200: CertificateSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        certificate = self.get_object()
        if not may(request.user, Action.TRAIN, certificate.organizer):
            raise PermissionDenied(_("Chỉ cán bộ đào tạo của %(unit)s mới thu hồi được giấy chứng nhận này.")
                                   % {"unit": certificate.organizer.name})
        data = validated(RevokeSerializer, request)
        services.revoke(certificate, by=request.user, reason=data["reason"])
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(summary="Cấp giấy chứng nhận cho mọi học viên đạt của lớp (việc chạy nền)", request=None,
               responses={202: JobSerializer})
@api_view(["POST"])
def issue_class_certificates(request, pk):
    training_class = get_visible_or_404(TrainingClass.objects.select_related("organizer", "class_type"),
                                        request.user, pk=pk)
    if not may(request.user, Action.TRAIN, training_class.organizer):
        raise PermissionDenied(_("Chỉ cán bộ đào tạo của %(unit)s mới cấp được giấy chứng nhận của lớp này.")
                               % {"unit": training_class.organizer.name})
    job = services.start_issuing(by=request.user, training_class=training_class,
                                 base_url=request.build_absolute_uri("/"))
    return accepted(job, request)


urlpatterns = [
    path("training-classes/<int:pk>/certificates/", issue_class_certificates, name="training-class-certificates"),
]


def register(router) -> None:
    router.register("certificates", CertificateViewSet, basename="certificate")
