"""Named actions (portal.access.Action) on the roles of the catalogue.

Publishing used to be a rule in code: managers of a unit (positions whose role manages
a subtree, grants whose role may edit records) and tuyên giáo grants. It is now the
PUBLISH action of those roles, so every role that could publish before still can; the
other actions (REPORT, TRAIN) are new and come from portal/catalogues.py for the roles
it knows. Codes an administrator added keep exactly what they had."""

import django.contrib.postgres.fields
from django.db import migrations, models

PUBLISHED_BEFORE = "tuyengiao"  # the role code the old rule named


def set_actions(apps, schema_editor):
    from portal.catalogues import POSITION_ROLES, STAFF_ROLES

    catalogue = {
        "portal.PositionRole": ("manages_subtree", {row[0]: row[4] for row in POSITION_ROLES}),
        "portal.StaffRole": ("may_edit_records", {row[0]: row[3] for row in STAFF_ROLES}),
    }
    for label, (manages_flag, actions_by_code) in catalogue.items():
        for role in apps.get_model(label).objects.all():
            published = getattr(role, manages_flag) or role.code == PUBLISHED_BEFORE
            actions = [str(a) for a in actions_by_code.get(role.code, []) if a != "publish"]
            if label == "portal.PositionRole" and not role.manages_subtree:
                actions = []  # such a position reaches no unit (constraint below)
            role.actions = (["publish"] if published else []) + actions
            role.save(update_fields=["actions"])


ACTION_CHOICES = [("publish", "Ban hành, phổ biến văn bản và triển khai đợt học tập"),
                  ("train", "Lập kế hoạch và tổ chức lớp bồi dưỡng"), ("report", "Lập và xuất báo cáo")]


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0006_catalogue_codes_unicode"),
    ]

    operations = [
        migrations.AddField(
            model_name="positionrole",
            name="actions",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=ACTION_CHOICES, max_length=20), blank=True, default=list,
                help_text="Việc người giữ chức vụ này được làm ở đơn vị và toàn bộ cấp dưới. "
                          "Chỉ chức vụ quản lý đơn vị và cấp dưới mới được giao việc.",
                size=None, verbose_name="được làm"),
        ),
        migrations.AddField(
            model_name="staffrole",
            name="actions",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(choices=ACTION_CHOICES, max_length=20), blank=True, default=list,
                help_text="Việc người được giao vai trò này được làm ở đơn vị được giao và toàn bộ cấp dưới.",
                size=None, verbose_name="được làm"),
        ),
        migrations.AlterField(
            model_name="staffrole",
            name="may_edit_records",
            field=models.BooleanField(
                default=False,
                help_text="Người được giao vai trò này được sửa hồ sơ đảng viên, chức vụ của đơn vị và cấp dưới; "
                          "các vai trò khác chỉ được xem.",
                verbose_name="được cập nhật hồ sơ"),
        ),
        migrations.RunPython(set_actions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="positionrole",
            constraint=models.CheckConstraint(
                condition=models.Q(("manages_subtree", True), ("actions", []), _connector="OR"),
                name="positionrole_actions_need_subtree",
                violation_error_message="Chỉ chức vụ quản lý đơn vị và cấp dưới mới được giao việc; "
                                        "bỏ chọn các việc hoặc đánh dấu “quản lý đơn vị và cấp dưới”."),
        ),
    ]
