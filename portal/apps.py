from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Tổ chức, đảng viên")

    def ready(self):
        from portal import access, models

        access.register(models.Organization, org_field="")
        access.register(models.Person, org_field="organization", person_field="")
        access.register(models.Position, org_field="organization", person_field="person")
        # A transfer concerns the unit the member leaves as much as the one he joins.
        access.register(models.Transfer, org_field=("from_organization", "to_organization"), person_field="person")
        access.register(models.PartyStatusChange, org_field="person__organization", person_field="person")
        access.register(models.Grant, org_field="organization")
        access.register(models.OrganizationChange, org_field="organization")
        access.register(models.OrganizationPeriod, org_field="organization")
        access.register(models.PersonReadLog, org_field="person__organization")
        access.register(models.Notification, user_field="user")

        from portal import exports  # noqa: F401 - registers the people lists' exports
        from portal.navigation import USER_MENU, NavItem, register

        register(
            NavItem(_("Tổng quan"), "dashboard", order=10),
            NavItem(_("Đơn vị"), "unit_tree", order=20, active=("unit_detail",)),
            NavItem(_("Đảng viên"), "person_list", order=30, active=("person_detail",)),
            NavItem(_("Quản trị"), "admin:index", order=1000, visible=lambda user: user.is_staff),
            NavItem(_("Đổi mật khẩu"), "password_change", order=10, section=USER_MENU),
            NavItem(_("Tài liệu API"), "api:docs", order=20, section=USER_MENU),
            NavItem(_("Token API"), "token_list", order=30, section=USER_MENU),
        )
