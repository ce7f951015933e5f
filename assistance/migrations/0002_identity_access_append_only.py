"""On PostgreSQL, the database itself refuses to change or delete access-log rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION assistance_identityaccess_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The identity access log is append-only.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assistance_identityaccess_append_only
    BEFORE UPDATE OR DELETE ON assistance_identityaccess
    FOR EACH ROW EXECUTE FUNCTION assistance_identityaccess_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS assistance_identityaccess_append_only ON assistance_identityaccess;
DROP FUNCTION IF EXISTS assistance_identityaccess_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
