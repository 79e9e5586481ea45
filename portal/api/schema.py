"""The OpenAPI schema's own rules: every operation documents the errors it can answer,
so a client (and schemathesis) knows a 400, 401, 403, 404 or 429 is part of the contract."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes

# 400: {"field": ["message"]}, {"non_field_errors": [...]} or {"detail": "..."}; the others {"detail": "..."}.
ERRORS = {
    "400": _("Dữ liệu gửi lên không hợp lệ (kể cả có ký tự NUL): thông báo theo từng trường, "
             "hoặc trong `detail`"),
    "401": _("Chưa đăng nhập, hoặc token không hợp lệ, đã hết hạn hay đã bị thu hồi"),
    "403": _("Không có quyền làm việc này"),
    "404": _("Không tìm thấy, hoặc nằm ngoài phạm vi bạn được xem"),
    "429": _("Quá nhiều yêu cầu: thử lại sau số giây trong header Retry-After"),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            if code not in responses:
                responses[code] = {**self._get_response_for_code(OpenApiTypes.OBJECT, code, direction=direction),
                                   "description": str(description)}
        # A path that matches no route (an id that is not digits) is answered by Django's 404 page.
        responses["404"].setdefault("content", {})["text/html"] = {"schema": {"type": "string"}}
        return responses
