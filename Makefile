# Solidarity — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: screenshots run test install lock lock-check backup restore lint check-deploy migrations-check messages messages-check worker beat bench faults clean

# Dependencies come from uv.lock: exact versions with their hashes, for every
# platform (README, "Locked dependencies"). uv itself is the one thing pip
# installs, at the version below (the Dockerfile pins the same: UV_VERSION).
UV_VERSION := 0.13.9
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

# --locked: refuse a uv.lock that no longer matches pyproject.toml (run
# `make lock`). --inexact: keep uv, which the lock does not list.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --extra dev --no-install-project
	touch $(STAMP)

install: $(STAMP)

# After editing pyproject.toml: re-resolve, keeping every pin that still fits.
# UPGRADE=1 moves every pin to the newest allowed; UV_OFFLINE=1 uses only
# uv's cache (no network).
lock: $(UV)
	$(UV) lock $(if $(UPGRADE),--upgrade)

# CI: uv.lock must match pyproject.toml.
lock-check: $(UV)
	$(UV) lock --check

# The embedded default: SQLite under var/, Celery eager, no Redis, debug on.
# Links in the console's e-mails and the printed sign-in address follow PORT.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	# Static files as production serves them: hashed, gzip/Brotli, by WhiteNoise.
	DJANGO_DEBUG=1 DJANGO_STATIC_COMPRESSED=1 $(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Serving on http://$(HOST):$(PORT)/ — stop with Ctrl-C."
	# HTML gzipped too, as Caddy's `encode` does in production (README, "Design").
	DJANGO_DEBUG=1 DJANGO_STATIC_COMPRESSED=1 DJANGO_COMPRESS_HTML=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite on whatever DATABASE_URL / REDIS_URL say (embedded default
# when unset). Browser tests need Debian's chromium: see README.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The design screenshots (README, "Design"): 8 pages at 1280 and 390 px into
# tests/e2e/screenshots/design/, from a running `make run` (BASE to change).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --base $(or $(BASE),http://$(HOST):$(PORT))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production settings must pass Django's deployment checklist.
check-deploy: $(STAMP)
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=solidarity.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The database and media into one archive in BACKUP_DIR (keeps BACKUP_KEEP);
# restore into a fresh, empty database: `make restore ARCHIVE=path` (default:
# the newest). Both use the environment's settings, like the site does.
backup: $(STAMP)
	$(BIN)/python manage.py backup

restore: $(STAMP)
	$(BIN)/python manage.py restore $(or $(ARCHIVE),latest)

# Translations (README: "Languages"). `messages` extracts every string of the
# code into locale/{be,ru} (keeping what is translated; new entries arrive
# empty or fuzzy) and compiles the .mo files with Babel; `messages-check`
# fails while any entry is missing, empty, fuzzy or not compiled.
MESSAGES_IGNORE := --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles \
	--ignore=var --ignore=static/vendor --ignore=node_modules
messages: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l be -l ru --no-obsolete $(MESSAGES_IGNORE)
	@if grep -rqs --include=*.js "gettext(" static/js; then \
	  DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -d djangojs -l be -l ru --no-obsolete $(MESSAGES_IGNORE); fi
	DJANGO_DEBUG=1 $(BIN)/python manage.py messages_compile

messages-check: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py messages_check

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

# Load and scale figures against PostgreSQL, Redis, gunicorn and a worker
# (see BENCHMARKS.md). Not part of `make test`. BENCH_PRESET=full for 1M actions.
bench: $(STAMP)
	$(BIN)/python bench/run.py --preset $(or $(BENCH_PRESET),small)

# Fault injection on a private production-like stack (its own PostgreSQL,
# Redis, SMTP sink, gunicorn, worker and beat on loopback): see README.
faults: $(STAMP)
	$(BIN)/python -m faults.run

clean:
	rm -rf $(VENV) staticfiles var/test-media
