"""API of the sessions area: study sessions (list, detail, create, update) and each
session's attendance sheet (read it; post or put the whole sheet in one request).
Reads go through the area's selectors, writes through its services: the access rule
and the checks are the pages' own."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.access import reach_of, restrict
from portal.api.permissions import require_manage
from portal.api.serializers import InputSerializer, LocalTimeField, ManagedUnitField, UnitBriefSerializer
from portal.inputs import parse_year
from portal.models import Organization
from resolutions.models import Attendance, Document, StudyCampaign, StudySession
from resolutions.selectors import sessions as selectors
from resolutions.services import sessions as services

urlpatterns = []


# --- Serializers -----------------------------------------------------------------------------


class AttendanceCountsSerializer(serializers.Serializer):
    present = serializers.IntegerField()
    excused = serializers.IntegerField()
    absent = serializers.IntegerField()
    recorded = serializers.IntegerField()


class SessionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="study-api:study-session-detail")
    organization = UnitBriefSerializer()
    starts_at = LocalTimeField(read_only=True, allow_null=True)
    documents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    attendance = serializers.SerializerMethodField()

    class Meta:
        model = StudySession
        fields = ["id", "url", "organization", "kind", "held_on", "starts_at", "format", "place", "bridge_points",
                  "presenter", "documents", "campaign", "notes", "attendance"]

    @extend_schema_field(AttendanceCountsSerializer)
    def get_attendance(self, session) -> dict:
        return {"present": session.n_present, "excused": session.n_excused, "absent": session.n_absent,
                "recorded": session.n_rows}


class SessionWriteSerializer(InputSerializer):
    organization = ManagedUnitField()
    kind = serializers.ChoiceField(choices=StudySession.Kind.choices, default=StudySession.Kind.REGULAR)
    held_on = serializers.DateField()
    starts_at = LocalTimeField(required=False, allow_null=True, default=None)
    format = serializers.ChoiceField(choices=StudySession.Format.choices, default=StudySession.Format.IN_PERSON)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    bridge_points = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True,
                                             default=None)
    presenter = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    documents = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    campaign = serializers.IntegerField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_documents(self, ids):
        found = list(restrict(Document.objects.filter(pk__in=ids), self.context["request"].user))
        if len(found) != len(set(ids)):
            raise serializers.ValidationError(_("Có văn bản không tìm thấy trong phạm vi bạn được xem."))
        return found

    def validate_campaign(self, pk):
        if pk is None:
            return None
        campaign = restrict(StudyCampaign.objects.filter(pk=pk), self.context["request"].user).first()
        if campaign is None:
            raise serializers.ValidationError(_("Không tìm thấy đợt học tập này trong phạm vi bạn được xem."))
        return campaign


class SheetRowSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    full_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    reason = serializers.CharField()
    method = serializers.ChoiceField(choices=Attendance.Method.choices, allow_null=True,
                                     help_text="null: chưa ghi (mặc định có mặt)")
    checked_in_at = serializers.DateTimeField(allow_null=True)


class SheetSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    summary = serializers.DictField(child=serializers.IntegerField())
    rows = SheetRowSerializer(many=True)


class MarkSerializer(InputSerializer):
    person = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SheetWriteSerializer(InputSerializer):
    rows = MarkSerializer(many=True, help_text="Cả danh sách: mỗi người phải dự đúng một dòng")


def _sheet(session) -> dict:
    rows = selectors.attendance_sheet(session)
    return {"session": session.pk, "summary": selectors.sheet_summary(rows), "rows": [
        {"person": r.person_id, "full_name": r.full_name, "status": r.status, "reason": r.reason,
         "method": r.method, "checked_in_at": r.checked_in_at} for r in rows]}


# --- Views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Buổi sinh hoạt, học tập trong phạm vi của người dùng", parameters=[
        OpenApiParameter("unit", str, description="Mã đơn vị: cả đơn vị và cấp dưới"),
        OpenApiParameter("year", int, description="Năm diễn ra"),
    ]),
    retrieve=extend_schema(summary="Một buổi sinh hoạt"),
    create=extend_schema(summary="Ghi buổi sinh hoạt mới", request=SessionWriteSerializer,
                         responses={201: SessionSerializer}),
    update=extend_schema(summary="Sửa buổi sinh hoạt", request=SessionWriteSerializer,
                         responses={200: SessionSerializer}),
    partial_update=extend_schema(summary="Sửa một phần buổi sinh hoạt", request=SessionWriteSerializer,
                                 responses={200: SessionSerializer}),
)
class StudySessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("unit", "").strip()
        year = parse_year(params.get("year", ""))
        # The sessions are narrowed to the reach already; the unit only narrows further.
        unit = Organization.objects.filter(code=code).first() if code else None
        if code and unit is None:
            return StudySession.objects.none()
        sessions = selectors.session_list(self.request.user, selectors.SessionFilter(organization=unit, year=year))
        return sessions.prefetch_related("documents")

    def get_object(self):
        return selectors.session_by_id(self.request.user, self.kwargs["pk"])

    def _answer(self, session, code=status.HTTP_200_OK):
        fresh = selectors.session_list(self.request.user).prefetch_related("documents").get(pk=session.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        serializer = SessionWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        session = services.create_session(user=request.user, **serializer.validated_data)
        return self._answer(session, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        session = self.get_object()
        require_manage(request.user, session.organization)
        serializer = SessionWriteSerializer(data=request.data, partial=partial, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        documents = data.pop("documents", None)
        services.update_session(session, user=request.user, documents=documents, **data)
        return self._answer(session)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(methods=["GET"], summary="Bảng điểm danh của buổi: mọi người phải dự",
                   responses={200: SheetSerializer})
    @extend_schema(methods=["POST", "PUT"], summary="Ghi cả bảng điểm danh trong một yêu cầu",
                   request=SheetWriteSerializer, responses={200: SheetSerializer, 400: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post", "put"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        if request.method == "GET":
            # The sheet names the unit's people: for those who may see them, not for every member.
            if not reach_of(request.user).covers_path(session.organization.path):
                raise PermissionDenied(_("Bạn chỉ xem được điểm danh của chính mình."))
            return Response(_sheet(session))
        require_manage(request.user, session.organization)
        serializer = SheetWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        marks = [services.Mark(row["person"], row["status"], row["reason"])
                 for row in serializer.validated_data["rows"]]
        services.record_attendance(session=session, by=request.user, marks=marks)
        return Response(_sheet(session))


def register(router) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("study-sessions", StudySessionViewSet, basename="study-session")
