"""Documents filed under codes that were labelled wrongly get the code of what they are.

The old choices offered "A10 Conditions" for narrative reports and "A12 Image"
for photos; in IATI, A10 is Tender and A12 is Activity web page. A narrative
report reviews the project's performance (A07); a photo shows its results
(A08). The other old codes already carried their IATI meaning.
"""

from django.db import migrations

REMAP = {"A10": "A07", "A12": "A08"}


def forwards(apps, schema_editor):
    Document = apps.get_model("projects", "Document")
    for old, new in REMAP.items():
        Document.objects.filter(category=old).update(category=new)


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_iati_fields")]

    # Backwards is a no-op: after the change A10/A12 mean Tender/web page, which may be real.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
