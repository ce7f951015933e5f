from celery import shared_task


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def build_portfolio_export(self, export_id: int) -> dict:
    """Build one queued portfolio export; idempotent, so a retry is safe."""
    from .services import portfolio_export_build

    export = portfolio_export_build(export_id=export_id)
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
