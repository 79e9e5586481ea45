from django.db import migrations


def load(apps, schema_editor):
    from portal import catalogues

    catalogues.load(apps)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_audit_triggers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
