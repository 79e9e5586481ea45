"""API of the documents area: documents (with search and filters) and their PDF
attachments, themes, study campaigns and their follow-up. Reads go through the area's
selectors, writes through its services, so the access rule and the checks (number-symbol,
PDF type and size, who may publish) are the pages' own."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.access import Action, restrict, units_where
from portal.api.errors import validated
from portal.api.serializers import InputSerializer, UnitBriefSerializer, catalogue_help
from portal.files import download_url
from portal.inputs import FIRST_YEAR, LAST_YEAR, parse_id, parse_year
from portal.jobs.api import JobSerializer, accepted
from resolutions import exports
from resolutions.models import Audience, Document, DocumentKind, StudyCampaign, Theme
from resolutions.selectors import documents as selectors
from resolutions.selectors.documents import DocumentFilter
from resolutions.services import documents as services

urlpatterns = []


# --- Output ----------------------------------------------------------------------------------


KIND_HELP = catalogue_help(DocumentKind, "NQ")


class KindSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=KIND_HELP)
    name = serializers.CharField()


class ThemeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="study-api:study-theme-detail")
    kind = serializers.ChoiceField(choices=Theme.Kind.choices, read_only=True)

    class Meta:
        model = Theme
        fields = ["id", "url", "kind", "title", "term", "year", "summary"]


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField()

    def get_download(self, attachment) -> str:
        return self.context["request"].build_absolute_uri(download_url("attachment", attachment))


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="study-api:study-document-detail")
    kind = KindSerializer()
    organization = UnitBriefSerializer()
    attachment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "url", "kind", "number_symbol", "issuing_body", "issued_on", "title", "summary",
                  "organization", "attachment_count"]


class DocumentDetailSerializer(DocumentSerializer):
    themes = ThemeSerializer(many=True)
    attachments = AttachmentSerializer(many=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "themes", "attachments"]


class CampaignSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="study-api:study-campaign-detail")
    organization = UnitBriefSerializer()
    document = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    theme = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = StudyCampaign
        fields = ["id", "url", "title", "organization", "document", "theme", "audience", "starts_on", "deadline"]


class UnitProgressSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    depth = serializers.IntegerField(help_text="Độ sâu dưới đơn vị triển khai")
    parent_id = serializers.IntegerField(allow_null=True)
    sessions = serializers.IntegerField()
    sessions_on_time = serializers.IntegerField()
    first_held_on = serializers.DateField(allow_null=True)
    expected = serializers.IntegerField()
    attended = serializers.IntegerField()
    subtree_expected = serializers.IntegerField()
    subtree_attended = serializers.IntegerField()
    subtree_share = serializers.FloatField(allow_null=True)
    subtree_units = serializers.IntegerField()
    subtree_done = serializers.IntegerField()
    subtree_late = serializers.IntegerField()
    covered = serializers.BooleanField()
    late = serializers.BooleanField()
    dissolved_on = serializers.DateField(
        allow_null=True, help_text="Ngày đơn vị ngừng hoạt động (giải thể, sáp nhập) trong đợt: số liệu của nó tính "
                                   "đến ngày đó và không cộng vào cấp trên (đảng viên được tính ở đơn vị mới)")


# --- Input -----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PublishableUnitField(serializers.Field):
    """A unit by code, only among those the user may publish to: one answer for "does
    not exist" and "not yours"."""

    def to_internal_value(self, data):
        unit = units_where(self.context["request"].user, Action.PUBLISH).filter(code=str(data)).first()
        if unit is None:
            raise serializers.ValidationError(
                _("Không tìm thấy đơn vị “%(unit)s” trong phạm vi bạn được phổ biến văn bản.") % {"unit": data})
        return unit

    def to_representation(self, value):
        return value.code


class VisibleField(serializers.PrimaryKeyRelatedField):
    """An object by id, among those the user may see."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Không tìm thấy mục có mã {pk_value} trong phạm vi bạn được xem."),
        "incorrect_type": gettext_lazy("Cần một mã số."),
    }

    def get_queryset(self):
        return restrict(self.queryset.model.objects.all(), self.context["request"].user)


class DocumentWriteSerializer(InputSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=DocumentKind.objects.all(), help_text=KIND_HELP,
                                        error_messages={"does_not_exist": gettext_lazy("Không có loại văn bản “{value}”.")})
    number_symbol = serializers.CharField(max_length=60)
    issuing_body = serializers.CharField(max_length=200)
    issued_on = serializers.DateField()
    title = serializers.CharField(max_length=500)
    summary = serializers.CharField(required=False, allow_blank=True)
    organization = PublishableUnitField()
    themes = VisibleField(queryset=Theme.objects.all(), many=True, required=False)


class AttachmentUploadSerializer(InputSerializer):
    file = serializers.FileField()


class ThemeWriteSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=Theme.Kind.choices)
    title = serializers.CharField(max_length=500)
    term = serializers.CharField(max_length=40)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    summary = serializers.CharField(required=False, allow_blank=True)


class CampaignWriteSerializer(InputSerializer):
    title = serializers.CharField(max_length=300)
    organization = PublishableUnitField()
    document = VisibleField(queryset=Document.objects.all(), required=False, allow_null=True)
    theme = VisibleField(queryset=Theme.objects.all(), required=False, allow_null=True)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.MEMBERS)
    starts_on = serializers.DateField()
    deadline = serializers.DateField()


# --- Viewsets --------------------------------------------------------------------------------


_DOCUMENT_PARAMS = [
    OpenApiParameter("q", str, description="Tìm theo loại, số, ký hiệu, trích yếu, tóm tắt, cơ quan ban hành, như "
                     "người dùng gọi văn bản (“nghị quyết 35”, “NQ 35”, “35/NQ-TW”); không phân biệt dấu; "
                     "kết quả xếp theo mức liên quan"),
    OpenApiParameter("kind", str, description=KIND_HELP),
    OpenApiParameter("year", int, description="Năm ban hành"),
    OpenApiParameter("theme", int, description="Mã chuyên đề"),
]


@extend_schema_view(
    list=extend_schema(summary="Văn bản học tập trong phạm vi người dùng", parameters=_DOCUMENT_PARAMS),
    retrieve=extend_schema(summary="Một văn bản, kèm chuyên đề và tệp đính kèm"),
    create=extend_schema(request=DocumentWriteSerializer, responses={201: DocumentDetailSerializer}),
    update=extend_schema(request=DocumentWriteSerializer, responses={200: DocumentDetailSerializer}),
    partial_update=extend_schema(request=DocumentWriteSerializer, responses={200: DocumentDetailSerializer}),
)
class DocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.documents_list(self.request.user, DocumentFilter(
            query=params.get("q", "").strip(), kind=params.get("kind", "").strip(),
            year=parse_year(params.get("year", "")), theme=parse_id(params.get("theme", ""), name="theme")))

    def _respond(self, pk, code=status.HTTP_200_OK):
        document = selectors.document_detail(self.request.user, pk)
        data = {**DocumentSerializer(document["document"], context={"request": self.request}).data,
                "attachment_count": len(document["attachments"]),
                "themes": ThemeSerializer(document["themes"], many=True, context={"request": self.request}).data,
                "attachments": AttachmentSerializer(document["attachments"], many=True,
                                                    context={"request": self.request}).data}
        return Response(data, status=code)

    @extend_schema(responses=DocumentDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._respond(pk)

    def create(self, request):
        data = validated(DocumentWriteSerializer, request)
        document = services.save_document(by=request.user, themes=data.pop("themes", []), **data)
        return self._respond(document.pk, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        document = selectors.document_by_id(request.user, pk)
        data = validated(DocumentWriteSerializer, request, partial=partial)
        services.save_document(by=request.user, document=document, themes=data.pop("themes", None), **data)
        return self._respond(document.pk)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Đính kèm một tệp PDF (multipart, trường `file`)", request={
        "multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        document = selectors.document_by_id(request.user, pk)
        data = validated(AttachmentUploadSerializer, request)
        attachment = services.add_attachment(by=request.user, document=document, upload=data["file"])
        return Response(AttachmentSerializer(attachment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Chuyên đề toàn khóa và hằng năm (chuyên đề năm nay trước)", parameters=[
        OpenApiParameter("q", str, description="Tìm trong tên và nội dung chuyên đề; không phân biệt dấu; "
                                               "kết quả xếp theo mức liên quan")]),
    create=extend_schema(request=ThemeWriteSerializer, responses={201: ThemeSerializer}),
    update=extend_schema(request=ThemeWriteSerializer, responses={200: ThemeSerializer}),
    partial_update=extend_schema(request=ThemeWriteSerializer, responses={200: ThemeSerializer}),
)
class ThemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ThemeSerializer
    pagination_class = None  # a handful a term

    def get_queryset(self):
        return restrict(Theme.objects.all(), self.request.user)

    def list(self, request):
        themes = selectors.themes_list(query=request.query_params.get("q", "").strip())
        return Response(self.get_serializer(themes, many=True).data)

    def get_object(self):
        return selectors.theme_by_id(self.request.user, self.kwargs["pk"])

    def create(self, request):
        data = validated(ThemeWriteSerializer, request)
        theme = services.save_theme(by=request.user, **data)
        return Response(self.get_serializer(theme).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        theme = self.get_object()
        data = validated(ThemeWriteSerializer, request, partial=partial)
        theme = services.save_theme(by=request.user, theme=theme, **data)
        return Response(self.get_serializer(theme).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


class CampaignExportSerializer(InputSerializer):
    format = serializers.ChoiceField(choices=exports.FORMAT_CHOICES)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                 help_text="Mã đơn vị cần xuất (mặc định: đơn vị triển khai, hoặc đơn vị bạn phụ trách)")


@extend_schema_view(
    list=extend_schema(summary="Đợt học tập gửi đến đơn vị của người dùng", parameters=[
        OpenApiParameter("current", bool, description="Chỉ các đợt chưa hết hạn")]),
    retrieve=extend_schema(summary="Một đợt học tập"),
    create=extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer}),
)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        current = self.request.query_params.get("current", "").lower() in {"1", "true", "yes", "on"}
        return selectors.campaigns_list(self.request.user, current_only=current)

    def get_object(self):
        return selectors.campaign_by_id(self.request.user, self.kwargs["pk"])

    def create(self, request):
        data = validated(CampaignWriteSerializer, request)
        campaign = services.save_campaign(by=request.user, **data)
        return Response(self.get_serializer(selectors.campaign_by_id(request.user, campaign.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Tiến độ theo đơn vị (như trang theo dõi)", responses=UnitProgressSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # every unit of the campaign, in tree order
    def progress(self, request, pk=None):
        rows = selectors.campaign_progress(campaign=self.get_object(), viewer=request.user)
        return Response(UnitProgressSerializer(rows, many=True).data)

    @extend_schema(summary="Xuất tiến độ ra Excel hoặc PDF (việc chạy nền)", request=CampaignExportSerializer,
                   responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        data = validated(CampaignExportSerializer, request)
        job = exports.start_export(by=request.user, campaign=self.get_object(), file_format=data["format"],
                                   unit_code=data.get("unit") or None)
        return accepted(job, request)


def register(router) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("documents", DocumentViewSet, basename="study-document")
    router.register("themes", ThemeViewSet, basename="study-theme")
    router.register("study-campaigns", CampaignViewSet, basename="study-campaign")

