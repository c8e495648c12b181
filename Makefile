# Solidarity — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint check-deploy migrations-check messages messages-check worker beat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The embedded default: SQLite under var/, Celery eager, no Redis, debug on.
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ — stop with Ctrl-C."
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite on whatever DATABASE_URL / REDIS_URL say (embedded default
# when unset). Browser tests need Debian's chromium: see README.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) staticfiles var/test-media
