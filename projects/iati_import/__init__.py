"""Importing IATI 2.03 activity files: reading, planning and writing."""

from .facts import Problem
from .planning import ImportPlan, plan_import
from .reading import read_activities
from .services import ImportOutcome, iati_import

__all__ = [
    "ImportOutcome",
    "ImportPlan",
    "Problem",
    "iati_import",
    "plan_import",
    "read_activities",
]
