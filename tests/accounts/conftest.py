import pytest
from django_otp.oath import TOTP

from ctportal.access import Role
from tests import factories as f

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"


def code(device) -> str:
    """What the authenticator app shows now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def people(portfolio):
    lebanon = portfolio["lebanon"]
    return {
        "analyst": f.UserFactory(username="ana", role=Role.ANALYST),
        "worker": f.UserFactory(
            username="worker", role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon
        ),
        "admin": f.UserFactory(
            username="root", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
        ),
    }
