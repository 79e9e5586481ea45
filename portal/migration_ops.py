"""Row history by database trigger (DESIGN.md §3: bulk writes cannot bypass it).

Domain apps add `audit_trigger("app_model")` to a migration of theirs for each table
people change.
"""

from django.db import migrations

AUDIT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION portal_audit_row() RETURNS trigger AS $$
DECLARE
    actor text := NULLIF(current_setting('portal.actor_id', true), '');
    ctx text := COALESCE(current_setting('portal.audit_context', true), '');
    old_row jsonb;
    new_row jsonb;
BEGIN
    -- Secrets and bookkeeping columns are never copied into the history.
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - 'password' - 'last_login'; END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - 'password' - 'last_login'; END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, o.value), jsonb_object_agg(n.key, n.value)
          INTO old_row, new_row
          FROM jsonb_each(new_row) n JOIN jsonb_each(old_row) o USING (key)
         WHERE n.value IS DISTINCT FROM o.value AND n.key <> 'updated_at';
        IF old_row IS NULL THEN RETURN NEW; END IF;
    END IF;
    INSERT INTO portal_rowhistory (table_name, row_id, action, changed_at, actor_id, context, old, new)
    VALUES (TG_TABLE_NAME, COALESCE((new_row->>'id'), (old_row->>'id'),
                                    (to_jsonb(COALESCE(NEW, OLD))->>'id'))::bigint,
            left(TG_OP, 1), clock_timestamp(), actor::bigint, ctx, old_row, new_row);
    RETURN COALESCE(NEW, OLD);
END
$$ LANGUAGE plpgsql;
"""


def audit_trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION portal_audit_row();",
        f"DROP TRIGGER IF EXISTS {table}_audit ON {table};",
    )


def audit_function() -> migrations.RunSQL:
    return migrations.RunSQL(AUDIT_FUNCTION, "DROP FUNCTION IF EXISTS portal_audit_row() CASCADE;")
