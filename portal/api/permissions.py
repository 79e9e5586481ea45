"""Who may write through the API (and the admin).

Reading follows `portal.access.restrict`; writing follows `portal.access.can_manage`.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from portal.access import can_manage
from portal.models import Organization


def require_manage(user, organization: Organization) -> None:
    if not can_manage(user, organization):
        raise PermissionDenied(_("Bạn không có quyền cập nhật dữ liệu của đơn vị “%(unit)s”.")
                               % {"unit": organization.name})
