# The portal's production image: gunicorn for the web, the same image for Celery.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ctportal.settings.production

WORKDIR /app

# Pango, HarfBuzz and Noto fonts: WeasyPrint draws the donor report PDFs, Arabic included.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

# pg_dump and pg_restore for `manage.py backup` and `restore`, from PostgreSQL's own
# Debian repository: they must be of the server's major version (docker-compose: 16).
ARG PG_MAJOR=16
RUN install -d /usr/share/postgresql-common/pgdg \
    && python -c "import urllib.request; urllib.request.urlretrieve('https://www.postgresql.org/media/keys/ACCC4CF8.asc', '/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc')" \
    && . /etc/os-release \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files and message catalogues are built into the image; the key only
# satisfies the production settings during the build and is never used again.
RUN SECRET_KEY=build-time-only-key-not-used-when-the-container-runs-0123456789 \
    ALLOWED_HOSTS=build.invalid DATABASE_URL=postgres://build@build.invalid/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    sh -c 'python manage.py collectstatic --noinput \
        && if find locale -name "*.po" | grep -q .; then python manage.py compilemessages; fi'

RUN useradd --create-home --uid 10001 ctportal \
    && mkdir -p /app/var/media /app/var/backups \
    && chown -R ctportal:ctportal /app/var
USER ctportal

EXPOSE 8000
CMD ["gunicorn", "ctportal.wsgi", "--config", "gunicorn.conf.py"]
