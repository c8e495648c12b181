# One image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# DejaVu carries the Cyrillic glyphs the printed letters need.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 solidarity
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R solidarity /app/var /app/staticfiles
USER solidarity
EXPOSE 8000
# Every gunicorn option lives in gunicorn.conf.py (also used by compose and make bench).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
