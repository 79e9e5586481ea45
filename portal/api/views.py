"""API viewsets: each reads through `portal.selectors` (so the access rule and the
filters are the HTML pages' own) and writes through `portal.services`."""

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.urls import get_resolver
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal import selectors, services, tokens
from portal.api import serializers as s
from portal.api.errors import validated
from portal.api.permissions import require_manage
from portal.models import Ethnicity, PartyStatus, TheoryLevel
from portal.selectors import PeopleFilter


def _list_route_names(resolver, namespace="") -> list[str]:
    """Every `…-list` route name of the URL configuration, with its namespace."""
    names = [f"{namespace}{name}" for name in resolver.reverse_dict if isinstance(name, str) and name.endswith("-list")]
    for child_namespace, (_prefix, child) in resolver.namespace_dict.items():
        names += _list_route_names(child, f"{namespace}{child_namespace}:")
    return names


class ApiRoot(APIView):
    """Điểm vào của API: danh sách các tài nguyên, theo tên trong đường dẫn."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, format=None):
        # Read from the URL configuration, so every app's endpoints under this root appear
        # by themselves (portal imports no domain app).
        root = reverse("api:root")
        entries = {}
        for name in [*_list_route_names(get_resolver()), "api:token", "api:schema", "api:docs"]:
            path = reverse(name)
            if path.startswith(root) and path != root:
                key = path[len(root):].strip("/").split("/")[-1]
                entries[key] = reverse(name, request=request, format=format)
        return Response(dict(sorted(entries.items())))


class TokenThrottle(ScopedRateThrottle):
    # Read the rates on each request, not once at import, so a changed setting applies.
    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the name DRF looks up
        return api_settings.DEFAULT_THROTTLE_RATES


class ObtainToken(APIView):
    """Đổi tên đăng nhập và mật khẩu lấy một token mới (header `Authorization: Token …`).
    Token chỉ hiện một lần, hết hạn sau `expires_at`; thu hồi ở trang Token API của tài khoản."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    throttle_scope = "token"

    def throttled(self, request, wait):
        exc = Throttled(detail=_("Quá nhiều lần yêu cầu token. Thử lại sau %(n)d giây.") % {"n": wait or 60})
        exc.wait = wait  # keeps the Retry-After header
        raise exc

    def _locked_out(self, django_request):
        """Too many wrong passwords (django-axes): answered here, in the negotiated format,
        instead of by axes' middleware, whose lockout page is HTML whatever the client."""
        django_request.axes_locked_out = False
        cool_off = get_cool_off(django_request)
        wait = int(cool_off.total_seconds()) if cool_off else None
        exc = Throttled(detail=_("Đăng nhập sai quá nhiều lần nên tài khoản tạm bị khoá. Thử lại sau %(n)d phút.")
                        % {"n": max(1, (wait or 0) // 60)})
        exc.wait = wait
        raise exc

    @extend_schema(request=s.TokenRequestSerializer, responses={200: s.TokenSerializer})
    def post(self, request):
        data = validated(s.TokenRequestSerializer, request)
        user = authenticate(request=request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            self._locked_out(request._request)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Tên đăng nhập hoặc mật khẩu không đúng.")]})
        token, key = tokens.issue(user, data.get("name") or _("Token API"))
        return Response({"token": key, "expires_at": token.expires_at})


@extend_schema_view(
    list=extend_schema(summary="Tổ chức đảng trong phạm vi của người dùng"),
    retrieve=extend_schema(summary="Một tổ chức đảng, theo mã đơn vị"),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganizationSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.units_visible_to(self.request.user).select_related("level", "parent").order_by("path")

    def get_object(self):
        return selectors.unit_by_code(self.request.user, self.kwargs["code"])

    @extend_schema(summary="Các đơn vị trực thuộc đang hoạt động", responses=s.ChildUnitSerializer(many=True))
    @action(detail=True, serializer_class=s.ChildUnitSerializer)
    def children(self, request, code=None):
        units = selectors.child_units(request.user, self.get_object()).select_related("parent")
        page = self.paginate_queryset(units)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


_PEOPLE_PARAMS = [
    OpenApiParameter("q", str, description="Tìm theo họ tên, không phân biệt dấu"),
    OpenApiParameter("unit", str, description="Mã đơn vị: cả đơn vị và cấp dưới (như trang danh sách)"),
    OpenApiParameter("party_status", str, description=s.catalogue_help(PartyStatus, "chinh-thuc")),
    OpenApiParameter("gender", str, enum=["nam", "nu"]),
    OpenApiParameter("ethnicity", str, description=s.catalogue_help(Ethnicity, "kinh")),
    OpenApiParameter("theory_level", str, description=s.catalogue_help(TheoryLevel, "trung-cap")),
    OpenApiParameter("minorities_only", bool, description="Chỉ người dân tộc thiểu số"),
]


@extend_schema_view(
    list=extend_schema(summary="Danh sách người, có tìm kiếm và lọc", parameters=_PEOPLE_PARAMS),
    retrieve=extend_schema(summary="Hồ sơ một người (việc đọc được ghi nhật ký)"),
    create=extend_schema(request=s.PersonWriteSerializer, responses={201: s.PersonSerializer}),
    update=extend_schema(request=s.PersonWriteSerializer, responses={200: s.PersonSerializer}),
    partial_update=extend_schema(request=s.PersonWriteSerializer, responses={200: s.PersonSerializer}),
)
class PersonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PersonSerializer

    def _filters(self) -> PeopleFilter:
        params = self.request.query_params
        code = params.get("unit", "").strip()
        return PeopleFilter(
            query=params.get("q", "").strip(),
            organization=selectors.unit_by_code(self.request.user, code) if code else None,
            party_status=params.get("party_status", "").strip(),
            gender=params.get("gender", "").strip(),
            ethnicity=params.get("ethnicity", "").strip(),
            theory_level=params.get("theory_level", "").strip(),
            minorities_only=params.get("minorities_only", "").lower() in {"1", "true", "on", "yes"},
        )

    def get_queryset(self):
        return selectors.people_list(self.request.user, self._filters())

    def get_object(self):
        return selectors.person_by_id(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        person = self.get_object()
        services.log_person_read(user=request.user, person=person, via="api")
        return Response(self.get_serializer(person).data)

    def create(self, request):
        data = validated(s.PersonWriteSerializer, request)
        person = services.create_person(**data)
        return Response(self.get_serializer(selectors.person_by_id(request.user, person.pk)).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        person = self.get_object()
        require_manage(request.user, person.organization)
        data = validated(s.PersonWriteSerializer, request, partial=partial)
        services.update_person(person, **data)
        return Response(self.get_serializer(selectors.person_by_id(request.user, person.pk)).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


@extend_schema_view(
    list=extend_schema(summary="Chức vụ đảng", parameters=[
        OpenApiParameter("organization", str, description="Mã đơn vị (chỉ đơn vị đó)"),
        OpenApiParameter("current", bool, description="Chỉ chức vụ đang giữ hôm nay"),
    ]),
    create=extend_schema(request=s.PositionWriteSerializer, responses={201: s.PositionSerializer}),
)
class PositionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PositionSerializer

    def get_queryset(self):
        params = self.request.query_params
        code = params.get("organization", "").strip()
        return selectors.positions_list(
            self.request.user,
            organization=selectors.unit_by_code(self.request.user, code) if code else None,
            current=params.get("current", "").lower() in {"1", "true", "on", "yes"},
        )

    def get_object(self):
        return selectors.position_by_id(self.request.user, self.kwargs["pk"])

    def create(self, request):
        data = validated(s.PositionWriteSerializer, request)
        position = services.create_position(**data)
        return Response(self.get_serializer(selectors.position_by_id(request.user, position.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Kết thúc chức vụ", request=s.PositionEndSerializer, responses={200: s.PositionSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        position = self.get_object()
        require_manage(request.user, position.organization)
        data = validated(s.PositionEndSerializer, request)
        services.end_position(position, ended_on=data["ended_on"])
        return Response(self.get_serializer(selectors.position_by_id(request.user, position.pk)).data)
