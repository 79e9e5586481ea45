from django.db import migrations

from portal.migration_ops import audit_trigger

AUDITED = ["reports_reportkind", "reports_reportrun", "reports_reportfile", "reports_submission"]


def load(apps, schema_editor):
    from reports import catalogues

    catalogues.load(apps)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [*[audit_trigger(table) for table in AUDITED], migrations.RunPython(load, migrations.RunPython.noop)]
