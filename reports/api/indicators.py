"""`/api/v1/indicators/?unit=CODE&year=YYYY[&years=N]&kind=ct17`: the figures of a report
(`reports.indicators.compute_report`), the one computation the dashboard and the files show,
for a unit the user sees. The inputs are checked by `reports.selectors.report_target`, as on
the pages and in the command: 404 for a unit unknown or out of reach, 400 with the
Vietnamese message for an unknown kind, a year not begun or a span the kind does not allow."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from portal.access import Action
from reports.figures_cache import report_figures
from reports.selectors import report_target

urlpatterns = []


class IndicatorViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="Số liệu các chỉ tiêu của một báo cáo cho đơn vị và kỳ báo cáo",
        description="Mỗi chỉ tiêu: các số liệu (mã ổn định, giá trị, tỷ lệ, chỉ tiêu), các bảng theo đơn vị "
                    "trực thuộc và các câu báo cáo. Số liệu tính theo tổ chức và đảng viên tại thời điểm của kỳ.",
        parameters=[
            OpenApiParameter("unit", str, required=True, description="Mã đơn vị (trong phạm vi của người dùng)"),
            OpenApiParameter("year", int, required=True, description="Năm cuối của kỳ báo cáo"),
            OpenApiParameter("years", int, description="Số năm của kỳ (1, 3, 5 tùy loại báo cáo); mặc định kỳ "
                                                       "ngắn nhất"),
            OpenApiParameter("kind", str, description="Mã loại báo cáo: ct17 (mặc định), kl01"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        params = request.query_params
        kind, unit, period = report_target(request.user, params.get("kind") or "ct17", params.get("unit"),
                                           params.get("year"), params.get("years"), action=Action.VIEW)
        return Response(report_figures(kind, unit, period))


def register(router) -> None:
    router.register("indicators", IndicatorViewSet, basename="indicator")
