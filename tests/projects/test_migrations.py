import importlib

from django.apps import apps

from projects import models as pm
from tests import factories as f

remap = importlib.import_module("projects.migrations.0005_document_categories_iati_meaning")


def test_documents_filed_under_mislabelled_codes_get_their_iati_code(db):
    report = f.DocumentFactory(category="A10")  # was offered as "Conditions", a narrative report
    photo = f.DocumentFactory(category="A12")  # was offered as "Image"
    objectives = f.DocumentFactory(category="A02")

    remap.forwards(apps, None)

    categories = dict(pm.Document.objects.values_list("pk", "category"))
    assert categories == {report.pk: "A07", photo.pk: "A08", objectives.pk: "A02"}


def test_document_categories_say_what_iati_means():
    labels = {code: str(label) for code, label in pm.DocumentCategory.choices}
    assert labels["A04"] == "Conditions"
    assert labels["A10"] == "Tender"
    assert labels["A12"] == "Activity web page"
