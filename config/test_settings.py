"""Settings for the test suite: the environment's database and Redis, but
Celery eager (tests that need a real worker switch that off themselves),
plain static storage and a fast password hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from config.settings import *  # noqa: E402,F403
from config.settings import BASE_DIR, CACHES, STORAGES  # noqa: E402

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = True
# Eager: a mail is sent after its cause commits, as in the embedded default
# (tests/letters/test_submission_cost.py turns it off to watch the sweep).
OUTBOX_SEND_ON_COMMIT = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Each run gets its own cache namespace so parallel runs on one Redis never
# see each other's rate-limit counters.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"test-{os.getpid()}"}}
# No collectstatic in tests: whitenoise finds files as the dev server does.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests post forms at machine speed; the too-fast check has its own tests.
FORM_MIN_SECONDS = 0
# Tests look at pages right after changing data; tests/config/test_pagecache.py
# turns the page cache on where it is the subject.
PUBLIC_PAGE_CACHE_SECONDS = 0
