"""Records that the migrations command installed the schema (shown on the dashboard)."""

from django.db import migrations

MESSAGE = "Schema installed by the migrations command"


def record(apps, schema_editor):
    Event = apps.get_model("dashboard", "Event")
    Event.objects.using(schema_editor.connection.alias).create(source="migrate", message=MESSAGE)


def forget(apps, schema_editor):
    Event = apps.get_model("dashboard", "Event")
    Event.objects.using(schema_editor.connection.alias).filter(source="migrate", message=MESSAGE).delete()


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]

    operations = [migrations.RunPython(record, forget)]
