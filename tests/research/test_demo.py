from io import StringIO

from django.core.management import call_command

from research.demo import HANDBOOK_AR, HANDBOOK_EN
from research.models import AwarenessActivity, LegislativeSupport, ResearchOutput
from research.search import search_outputs


def load() -> str:
    out = StringIO()
    call_command("load_demo", "--no-users", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_demo_holds_the_seeds_research_and_legislation(db):
    load()
    arabic = ResearchOutput.objects.get(title=HANDBOOK_AR)
    assert arabic.language == "ar"
    assert arabic.translation_of.title == HANDBOOK_EN
    assert arabic.publication_date.isoformat() == "2008-12-14"
    assert ResearchOutput.objects.get(title__startswith="Research project").partners.get().acronym
    iraq = ResearchOutput.objects.get(title__contains="Iraq")
    assert iraq.projects.get().code == "CT.IQ.2008.MAP"
    syria = LegislativeSupport.objects.with_stage().get(country__code="SY")
    assert [s.stage for s in syria.stages.all()] == ["drafting", "submitted", "adopted"]
    assert syria.current_stage == "adopted"
    assert syria.reference == "Legislative Decree No. 3 of 2010"
    assert LegislativeSupport.objects.filter(country__isnull=True).count() == 2
    assert AwarenessActivity.objects.filter(projects__code="CT.PAVE.2013").count() == 2
    assert AwarenessActivity.objects.filter(projects__code="CT.BH.2008").exists()


def test_a_second_run_adds_nothing(db):
    load()
    before = (
        ResearchOutput.objects.count(),
        LegislativeSupport.objects.count(),
        AwarenessActivity.objects.count(),
        ResearchOutput.history.count(),
    )
    assert "0 research, legislative and awareness records created" in load()
    after = (
        ResearchOutput.objects.count(),
        LegislativeSupport.objects.count(),
        AwarenessActivity.objects.count(),
        ResearchOutput.history.count(),
    )
    assert before == after


def test_the_arabic_handbook_is_found_by_an_arabic_word(db):
    load()
    titles = search_outputs(ResearchOutput.objects.all(), "لضحايا").values_list("title", flat=True)
    assert list(titles) == [HANDBOOK_AR]
