from django.db import migrations

AUDIENCES = [
    ("police", "Police"),
    ("prosecutors", "Prosecutors"),
    ("judges", "Judges"),
    ("immigration", "Immigration officials"),
    ("border_guards", "Border guards"),
    ("coast_guards", "Coast guards"),
    ("labour_inspectors", "Labour inspectors"),
    ("health", "Health workers"),
    ("social_workers", "Social workers"),
    ("shelter_staff", "Shelter staff"),
    ("media", "Media"),
    ("ngo_staff", "NGO staff"),
    ("religious_leaders", "Religious leaders"),
    ("policy_makers", "Legislators and policy makers"),
    ("diplomats", "Diplomats"),
]


def create_audiences(apps, schema_editor):
    Audience = apps.get_model("trainings", "Audience")
    for code, name in AUDIENCES:
        Audience.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial")]

    operations = [migrations.RunPython(create_audiences, migrations.RunPython.noop)]
