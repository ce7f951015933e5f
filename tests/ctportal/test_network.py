import pytest
from django.test import RequestFactory

from ctportal.network import client_ip


def request(remote="10.0.0.2", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # A forged left-hand entry is never taken.
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.66, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        # Fewer entries than proxies, or garbage: the direct peer.
        (2, "203.0.113.9", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_the_client_is_read_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded=forwarded)) == expected


def test_the_identity_access_log_records_the_client_behind_the_proxy(
    settings, client, users, portfolio
):
    from assistance.models import IdentityAccess
    from tests import factories as f

    settings.TRUSTED_PROXY_COUNT = 1
    worker = users["case_worker_lb"]
    case = f.CaseFactory(
        country_office=portfolio["lebanon"], project=portfolio["p_lb"], registered_by=worker
    )
    client.force_login(worker)
    response = client.post(
        f"/assistance/cases/{case.pk}/identity/",
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9",
    )
    assert response.status_code == 200
    assert IdentityAccess.objects.get(case=case).ip_address == "203.0.113.9"
