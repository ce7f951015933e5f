from django.db import migrations

AREAS = [
    ("prevention", "Prevention"),
    ("protection", "Protection"),
    ("prosecution", "Prosecution"),
    ("partnership", "Partnership"),
    ("research", "Research"),
]


def create_areas(apps, schema_editor):
    ThematicArea = apps.get_model("projects", "ThematicArea")
    for code, name in AREAS:
        ThematicArea.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_areas, migrations.RunPython.noop)]
