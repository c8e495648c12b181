# One image for web, worker and beat (docker-compose.yml).
# trixie, not bookworm: `manage.py backup` runs pg_dump, which must be at least
# the server's major version. trixie's postgresql-client is 17; compose runs
# PostgreSQL 16 (bookworm's client, 15, would refuse to dump it).
FROM python:3.11-slim-trixie

# The same uv as `make install` (Makefile: UV_VERSION).
ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_LINK_MODE=copy UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH
# DejaVu carries the Cyrillic glyphs the printed letters need.
RUN apt-get update && apt-get install -y --no-install-recommends \
        fonts-dejavu-core curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 solidarity
WORKDIR /app
# Exactly the locked versions, hashes checked; --locked refuses a uv.lock
# that no longer matches pyproject.toml. No dev extras in the image.
COPY pyproject.toml uv.lock ./
RUN pip install "uv==${UV_VERSION}" \
    && uv sync --locked --no-install-project \
    && pip uninstall -y uv
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/backups && chown -R solidarity /app/var /app/staticfiles
USER solidarity
EXPOSE 8000
# Every gunicorn option (the address-free logger included) lives in
# gunicorn.conf.py, also used by compose, make bench and make faults.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
