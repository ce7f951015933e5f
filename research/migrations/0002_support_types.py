from django.db import migrations

SUPPORT_TYPES = [
    ("drafting", "Drafting"),
    ("review", "Review"),
    ("consultation", "Consultation"),
    ("training", "Training"),
]


def create(apps, schema_editor):
    support_type = apps.get_model("research", "SupportType")
    for code, name in SUPPORT_TYPES:
        support_type.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("research", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
