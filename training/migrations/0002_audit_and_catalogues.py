from django.db import migrations

from portal.migration_ops import audit_trigger

AUDITED = [
    "training_classtype", "training_classtyperule", "training_trainingplan", "training_planline", "training_lecturer",
    "training_trainingclass", "training_lesson", "training_enrollment", "training_lessonattendance",
    "training_certificate", "training_externalresult", "training_trainingtarget",
]


def load(apps, schema_editor):
    from training import catalogues

    catalogues.load(apps)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial"), ("portal", "0008_api_token")]

    operations = [*[audit_trigger(table) for table in AUDITED], migrations.RunPython(load, migrations.RunPython.noop)]
