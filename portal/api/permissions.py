"""Who may write through the API (and the admin).

Reading follows `portal.access.restrict`; writing needs more: the unit must lie in a
subtree the user manages (a position or a grant). A user whose reach is only his own
record (a plain member) reads himself but writes nothing.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from portal.access import reach_of
from portal.models import Organization


def can_manage(user, organization: Organization) -> bool:
    return reach_of(user).covers_path(organization.path)


def require_manage(user, organization: Organization) -> None:
    if not can_manage(user, organization):
        raise PermissionDenied(_("Bạn không có quyền cập nhật dữ liệu của đơn vị “%(unit)s”.")
                               % {"unit": organization.name})
