from django.db import migrations

from portal.migration_ops import audit_trigger

AUDITED = [
    "resolutions_documentkind", "resolutions_ratinglevel", "resolutions_theme", "resolutions_document",
    "resolutions_attachment", "resolutions_studycampaign", "resolutions_studysession", "resolutions_attendance",
    "resolutions_unitstudysettings", "resolutions_commitment",
]


def load(apps, schema_editor):
    from resolutions import catalogues

    catalogues.load(apps)


class Migration(migrations.Migration):
    dependencies = [("resolutions", "0001_initial"), ("portal", "0002_audit_triggers")]

    operations = [*[audit_trigger(table) for table in AUDITED], migrations.RunPython(load, migrations.RunPython.noop)]
