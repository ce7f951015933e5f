"""docker-compose.yml runs several web nodes behind one proxy, and one beat."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX = (ROOT / "deploy" / "nginx" / "ctportal.conf").read_text()


def test_web_publishes_no_port_so_it_can_be_scaled():
    # A published host port would let only one replica start.
    assert "ports" not in SERVICES["web"]
    assert SERVICES["web"]["expose"] == ["8000"]


def test_the_proxy_is_the_official_nginx_image_with_the_portal_configuration():
    proxy = SERVICES["proxy"]
    assert re.fullmatch(r"nginx:1\.(2[89]|[3-9]\d)[\w.-]*", proxy["image"])
    assert proxy["ports"] == ["${PROXY_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8080"]
    assert "./deploy/nginx/ctportal.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"


def test_nginx_spreads_requests_over_every_web_replica_and_appends_the_client():
    assert re.search(r"server web:8000 resolve;", NGINX)
    assert re.search(r"resolver 127\.0\.0\.11 valid=\d+s", NGINX)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX
    assert "listen 8080;" in NGINX


def test_the_trusted_proxies_are_the_tls_proxy_and_nginx():
    environment = SERVICES["web"]["environment"]
    assert environment["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-2}"
    assert environment["DJANGO_SETTINGS_MODULE"] == "ctportal.settings.production"
    assert environment["REDIS_URL"].startswith("redis://")
    assert environment["DATABASE_URL"].startswith("postgres://")


def test_one_beat_and_workers_without_beat():
    assert "beat" in SERVICES["beat"]["command"]
    assert "-B" not in SERVICES["worker"]["command"]
    assert "--beat" not in SERVICES["worker"]["command"]
