from celery import shared_task
from django.db import OperationalError

from ctportal.jobs import TASK_OPTIONS


@shared_task(autoretry_for=(ConnectionError, OperationalError), retry_backoff=True, **TASK_OPTIONS)
def build_portfolio_export(self, export_id: int, attempt: int | None = None) -> dict:
    """Build one attempt of a queued portfolio export; a repeat or an old attempt does nothing."""
    from .services import portfolio_export_build

    export = portfolio_export_build(export_id=export_id, attempt=attempt, task=self)
    return {"id": export.pk, "status": export.status, "projects": export.project_count}


@shared_task
def scheduled_portfolio_export() -> list[int]:
    """Nightly IATI file of the whole portfolio for every administrator."""
    from accounts.models import User
    from ctportal.access import Role

    from .models import PortfolioExport
    from .services import portfolio_export_request

    admins = User.objects.filter(is_active=True, role=Role.ADMINISTRATOR)
    return [
        portfolio_export_request(user=admin, fmt=PortfolioExport.Format.IATI).pk for admin in admins
    ]
