import cProfile
import pstats
import time

import pytest

from tests.bench.test_bench_trainings import load_trainings, sheet
from trainings.import_services import attendance_import_start

pytestmark = pytest.mark.bench


@pytest.mark.django_db
def test_profile_import(django_capture_on_commit_callbacks):
    data = load_trainings()
    upload = sheet(50000)
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_import_start(user=data["admin"], session=data["import_session"], upload=upload)
    prof.disable()
    print("import s", time.perf_counter() - t)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
