"""APPROVE (the committee's word on the training plans of the units below): given to the
leadership roles the catalogue names, where an administrator has not changed them since."""

import django.contrib.postgres.fields
from django.db import migrations, models


def give_leadership_approve(apps, schema_editor):
    from portal.catalogues import LEADERSHIP, POSITION_ROLES

    codes = [code for code, _name, manages, _committee, actions in POSITION_ROLES if manages and actions == LEADERSHIP]
    for role in apps.get_model("portal.PositionRole").objects.filter(code__in=codes, manages_subtree=True):
        if "approve" not in role.actions:
            role.actions = [*role.actions, "approve"]
            role.save(update_fields=["actions"])


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0008_api_token'),
    ]

    operations = [
        migrations.AlterField(
            model_name='positionrole',
            name='actions',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('publish', 'Ban hành, phổ biến văn bản và triển khai đợt học tập'), ('train', 'Lập kế hoạch và tổ chức lớp bồi dưỡng'), ('approve', 'Phê duyệt kế hoạch đào tạo, bồi dưỡng của cấp dưới'), ('report', 'Lập và xuất báo cáo')], max_length=20), blank=True, default=list, help_text='Việc người giữ chức vụ này được làm ở đơn vị và toàn bộ cấp dưới. Chỉ chức vụ quản lý đơn vị và cấp dưới mới được giao việc.', size=None, verbose_name='được làm'),
        ),
        migrations.AlterField(
            model_name='staffrole',
            name='actions',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('publish', 'Ban hành, phổ biến văn bản và triển khai đợt học tập'), ('train', 'Lập kế hoạch và tổ chức lớp bồi dưỡng'), ('approve', 'Phê duyệt kế hoạch đào tạo, bồi dưỡng của cấp dưới'), ('report', 'Lập và xuất báo cáo')], max_length=20), blank=True, default=list, help_text='Việc người được giao vai trò này được làm ở đơn vị được giao và toàn bộ cấp dưới.', size=None, verbose_name='được làm'),
        ),
        migrations.RunPython(give_leadership_approve, migrations.RunPython.noop),
    ]
