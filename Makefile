# ctportal — run `make run` to serve the portal, `make test` to run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=

.PHONY: run test bench faults loadtest lint check messages install demo worker clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m pytest -m bench -s -p no:randomly $(PYTEST_ARGS) tests/bench

# Kills and restarts Redis, the worker, gunicorn workers and database connections under
# load (its own Redis, worker and gunicorn on 127.0.0.1; PostgreSQL database FAULTS_DB).
faults: $(STAMP)
	$(PY) scripts/faults.py

# Mixed roles under stepped load against the production settings (its own Redis, worker
# and gunicorn on 127.0.0.1; PostgreSQL database LOADTEST_DB). LOADTEST_ARGS=--small: quick run.
loadtest: $(STAMP)
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

# Several web nodes: two gunicorn servers with the production settings on 127.0.0.1:8681
# and 8682, one worker and its own Redis (6393), over the PostgreSQL database NODES_DB.
.PHONY: nodes-check restore-check
nodes-check: $(STAMP)
	$(PY) scripts/nodes_check.py

# A backup restored into fresh PostgreSQL (RESTORE_DB) and SQLite databases, checked.
restore-check: $(STAMP)
	$(PY) scripts/restore_check.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(MANAGE) makemigrations --check --dry-run

check: lint
	DJANGO_SETTINGS_MODULE=ctportal.settings.production \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	IDENTITY_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	ALLOWED_HOSTS=ctportal.example.org DATABASE_URL=postgres://ctportal@db.invalid/ctportal \
	REDIS_URL=redis://redis.invalid:6379/0 $(MANAGE) check --deploy --fail-level WARNING

messages: $(STAMP)
	$(MANAGE) makemessages -l ar -l fr --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compilemessages --ignore '.venv/*'

worker: $(STAMP)
	$(VENV)/bin/celery -A ctportal worker -B -l info

clean:
	rm -rf $(VENV) var/ctportal.sqlite3 var/static
