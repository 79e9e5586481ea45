from django.db import migrations

from portal.migration_ops import audit_function, audit_trigger

AUDITED = [
    "portal_user", "portal_orglevel", "portal_partystatus", "portal_positionrole", "portal_staffrole",
    "portal_ethnicity", "portal_theorylevel", "portal_organization", "portal_organizationchange",
    "portal_person", "portal_partystatuschange", "portal_transfer", "portal_position", "portal_grant",
]


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [audit_function(), *[audit_trigger(table) for table in AUDITED]]
