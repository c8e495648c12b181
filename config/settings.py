"""Solidarity's one settings source.

Everything that differs between a laptop and production comes from the
environment, read here and nowhere else. With nothing set, the site runs on
the embedded default: SQLite under var/, Celery in eager mode, a local-memory
cache and e-mail printed to the console.
"""

import importlib.util
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A missing secret is a refusal to start, except in debug mode where a
# throwaway key keeps `make run` free of set-up.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (50+ random characters) or run with "
            "DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin: it patches model fields and admin forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    # Staff import of prisoner lists (prisoners/resources.py).
    "import_export",
    "prisoners",
    "campaigns",
    "events",
    "letters",
    "appeals",
    "outbox",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so static files carry the same policies.
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.i18n.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: staff need a second factor before the admin opens.
    "config.mfa.StaffSecondFactorMiddleware",
]

# Compressed HTML from Django itself wherever DEBUG is off: gunicorn alone
# (`make bench`, a small host without a proxy) sends a 100 KB map page as
# 13 KB, 1.7 s less on a 400 kbit/s link. Behind Caddy, whose `encode zstd
# gzip` compresses better and off the Python workers, docker-compose.yml
# turns it off; `make run` turns it on with DEBUG. BREACH: public pages
# carry no CSRF token (tests/config/test_compression.py checks them); the
# forms that do carry one get Django's per-response masked token, and
# GZipMiddleware pads each response with random bytes (Django 4.2+, "Heal
# the BREACH"). The page cache (config/pagecache.py) keeps the compressed
# copy, so a cached hit is not compressed again.
COMPRESS_HTML = env.bool("DJANGO_COMPRESS_HTML", default=not DEBUG)
if COMPRESS_HTML:
    MIDDLEWARE.insert(0, "django.middleware.gzip.GZipMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.i18n.language_alternates",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'solidarity.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool given in the URL arrives as the string "true" and breaks psycopg;
    # it is set here instead (STACK-NOTES).
    DATABASES["default"].setdefault("OPTIONS", {})
    # Connections are checked before reuse (with the pool: as they leave
    # it): after a database restart a stale one is replaced instead of
    # failing a request, so a restart costs at most the outage.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_POOL", default=False):
        # A request waits at most `timeout` for a connection, then errs (503).
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets the dev server read while a write is in progress.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache, or the embedded default --------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Errors become misses, logged: pages are built from the
            # database while Redis is down (config/cache.py).
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="solidarity"),
            "TIMEOUT": 300,
            # A hung Redis costs a request at most this, not a worker timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "solidarity",
        }
    }
    # A host in the URL keeps kombu from warning on every eager task.
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# A request must not hang on a dead broker: what was saved stays saved and
# the periodic reconcile catches up (see campaigns.services).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5}
# The same bound on a Redis that accepts connections but does not answer.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat schedule is one literal at the end of this file.
TALLY_RECONCILE_SECONDS = env.int("TALLY_RECONCILE_SECONDS", default=300, minimum=1)

# --- Auth and accounts (django-allauth, e-mail as the login) -------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Its mails go through the outbox like every other (config/account_adapter.py).
ACCOUNT_ADAPTER = "config.account_adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
LOGIN_URL = "account_login"
# Two-factor sign-in (allauth.mfa): an authenticator app and recovery codes;
# required for staff (config/mfa.py), optional for everyone else.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Solidarity"
LOGIN_REDIRECT_URL = "/"

# --- E-mail -----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
# smtp://, smtp+tls://, smtp+ssl://, consolemail:// ... (django-environ's forms).
_email = (
    env.email_url_config(EMAIL_URL)
    if EMAIL_URL
    else {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
if "EMAIL_FILE_PATH" in _email:
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Solidarity <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("be", _("Belarusian")), ("ru", _("Russian"))]
# locale/: the project's strings (make messages). locale_countries/: country
# names in Belarusian, which django-countries lacks (scripts/build_country_names.py).
# locale_vendor/: Belarusian for the allauth pages activists use (allauth has
# no be catalogue); edited by hand, compiled by `make messages`.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_countries", BASE_DIR / "locale_vendor"]
# Content fields in three languages (prisoners/translation.py,
# campaigns/translation.py); a missing translation shows the English text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Formats Django lacks (Belarusian number grouping): config/formats/<lang>/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Leaflet comes from django-leaflet's bundled copy. The app itself is not
# installed: its admin module imports GeoDjango, which needs the GDAL system
# library, and its template tags write inline scripts our CSP refuses.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("leaflet", Path(importlib.util.find_spec("leaflet").origin).parent / "static" / "leaflet"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
# Production serves collected static files, hashed and pre-compressed (gzip,
# Brotli when installed) by WhiteNoise. `make run` does the same (it runs
# collectstatic and sets DJANGO_STATIC_COMPRESSED), so the map's weight in
# development is the weight visitors get; plain `runserver` with DEBUG serves
# the source files uncompressed, picked up without collecting.
STATIC_COMPRESSED = env.bool("DJANGO_STATIC_COMPRESSED", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_COMPRESSED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if STATIC_COMPRESSED:
    # Serve what collectstatic wrote (with its .gz/.br siblings), never the sources.
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_AUTOREFRESH = False
# Django serves uploads only for development (runserver, `make run`); in
# production the proxy serves MEDIA_ROOT (Caddyfile), or object storage does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# No tile server: a tile request would be a third-party request that sees
# every visitor's address. Country shapes (static/map/) are the base layer.

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Product settings --------------------------------------------------------
# Whole-page cache of public pages for visitors without a session
# (config/pagecache.py); 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=10)
# A stale copy is kept this long, for the requests that arrive while one
# renders the page again; those with no copy at all wait this long for it.
PUBLIC_PAGE_STALE_SECONDS = env.int("PUBLIC_PAGE_STALE_SECONDS", default=300)
PUBLIC_PAGE_WAIT_SECONDS = env.float("PUBLIC_PAGE_WAIT_SECONDS", default=3.0)
# How far ahead /prisoners/birthdays/ looks.
BIRTHDAYS_WINDOW_DAYS = env.int("BIRTHDAYS_WINDOW_DAYS", default=42)
# Salt for hashing client addresses (rate limits); raw IPs are never stored.
CLIENT_HASH_SALT = env.str("CLIENT_HASH_SALT", default=SECRET_KEY)
# Behind a proxy, the request header that carries the client address, as in
# request.META (e.g. HTTP_X_REAL_IP). Empty: the socket's address.
CLIENT_IP_HEADER = env.str("DJANGO_CLIENT_IP_HEADER", default="")
if CLIENT_IP_HEADER and not CLIENT_IP_HEADER.startswith("HTTP_"):
    raise ImproperlyConfigured(
        "DJANGO_CLIENT_IP_HEADER is a request.META key such as HTTP_X_REAL_IP"
    )
# allauth's login rate limits key on the same header (its name as sent,
# X-Real-IP); without it, behind the proxy every login shares the proxy's
# address and one attacker's failures lock everyone out.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = (
    CLIENT_IP_HEADER.removeprefix("HTTP_").replace("_", "-") if CLIENT_IP_HEADER else None
)
# Public forms: sent faster than this is a bot; open longer than that is stale.
FORM_MIN_SECONDS = env.int("FORM_MIN_SECONDS", default=3)
FORM_MAX_AGE_SECONDS = env.int("FORM_MAX_AGE_SECONDS", default=6 * 60 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Eager tasks would otherwise log a line per recompute.
        "celery.app.trace": {"level": "WARNING"},
    },
}
# Seconds a recompute waits after the first action of a burst, so the burst
# is counted by one recompute. Counters are at most this stale plus the
# recompute itself. Zero in eager mode (nothing to coalesce there).
# Bulk decisions (letters.services.bulk_*): up to this many items are decided
# in the request, in one transaction; more go to the worker as a BulkJob, in
# chunks of BULK_CHUNK, one transaction each.
BULK_INLINE_MAX = env.int("BULK_INLINE_MAX", default=1000)
BULK_CHUNK = env.int("BULK_CHUNK", default=500)
TALLY_COALESCE_SECONDS = env.int("TALLY_COALESCE_SECONDS", default=1 if REDIS_URL else 0)

# --- bench ---
# Routes /bench/ceiling, the fixed-bytes view `make bench` measures every page
# against. Never on in production.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

# --- letters ---
# Longest letter body accepted, in characters (a handwritten page or two).
LETTERS_BODY_MAX_CHARS = env.int("LETTERS_BODY_MAX_CHARS", default=3000)
# Letters one client may send per hour.
LETTERS_RATE_LIMIT_PER_HOUR = env.int("LETTERS_RATE_LIMIT_PER_HOUR", default=5)
# Days a writer's e-mail is kept after the letter was posted.
LETTERS_EMAIL_RETENTION_DAYS = env.int("LETTERS_EMAIL_RETENTION_DAYS", default=90)
# A Unicode TrueType font with Cyrillic glyphs for the printed letters
# (Debian: fonts-dejavu-core, installed by the Dockerfile).
LETTERS_PDF_FONT = env.str(
    "LETTERS_PDF_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)
# The organisation's postal address, printed on a sheet of return-address
# labels after the addressee labels (letters/pdf.py). Several lines: write
# them with "\n" in the environment. Empty: no return labels, and the
# packing sheet says to write it by hand. The dev default is an obvious
# placeholder so `make run` shows the sheet; production has none.
RETURN_ADDRESS = env.str(
    "RETURN_ADDRESS",
    default="Solidarity (demo)\nExample Street 1\n00-000 Example City" if DEBUG else "",
    multiline=True,
).strip()
# fpdf2's font subsetting (fontTools) logs every glyph at INFO.
LOGGING["loggers"]["fontTools"] = {"level": "WARNING"}

# --- campaigns: signatures and the map ---
# Valid signature forms accepted per client (hashed address) per period.
SIGNATURE_RATE_LIMIT = env.int("SIGNATURE_RATE_LIMIT", default=10)
SIGNATURE_RATE_PERIOD = env.int("SIGNATURE_RATE_PERIOD", default=60 * 60)
# Map data is keyed by tally time, so these only bound memory, not staleness;
# the world map has no single tally time and refreshes this often.
MAP_DATA_CACHE_SECONDS = env.int("MAP_DATA_CACHE_SECONDS", default=60 * 60)
WORLD_MAP_CACHE_SECONDS = env.int("WORLD_MAP_CACHE_SECONDS", default=30)
TALLY_API_CACHE_SECONDS = env.int("TALLY_API_CACHE_SECONDS", default=30)

# --- signatures ---
# Days an unconfirmed signature (name, country, e-mail) is kept; then it is
# deleted and its link no longer works. The confirmation e-mail says so.
SIGNATURES_UNCONFIRMED_DAYS = env.int("SIGNATURES_UNCONFIRMED_DAYS", default=7)
if SIGNATURES_UNCONFIRMED_DAYS < 1:
    raise ImproperlyConfigured("SIGNATURES_UNCONFIRMED_DAYS must be at least 1")

# --- appeals to officials (appeals/) ---
# Valid appeal forms accepted per client (hashed address) per period.
APPEAL_RATE_LIMIT = env.int("APPEAL_RATE_LIMIT", default=10)
APPEAL_RATE_PERIOD = env.int("APPEAL_RATE_PERIOD", default=60 * 60)
# The longest paragraph a writer may add to the campaign's appeal text.
APPEAL_NOTE_MAX_CHARS = env.int("APPEAL_NOTE_MAX_CHARS", default=1000, minimum=1)
# Unconfirmed appeals are deleted after as many days as unconfirmed signatures.

# --- outbox: every e-mail the site sends (outbox/services.py) ---
# How often beat sends what is due: queued while the broker was down, a
# retry whose time has come, or a claim whose worker died.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=2, minimum=1)
# Queue a send task for each mail once its cause commits. Off with a broker:
# the sweep above sends it within OUTBOX_SWEEP_SECONDS, and the request that
# owes it (a letter, a signature) saves a broker publish. On in eager mode
# (no broker, no beat), where the send then happens in the request.
OUTBOX_SEND_ON_COMMIT = env.bool("OUTBOX_SEND_ON_COMMIT", default=CELERY_TASK_ALWAYS_EAGER)
# A worker's claim on a message; far longer than the SMTP timeout, so a slow
# send is never taken over and sent twice.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_SMTP_TIMEOUT_SECONDS = env.int("OUTBOX_SMTP_TIMEOUT_SECONDS", default=30)
# Failed sends are tried again after 30 s, 1, 2, 4 ... minutes (capped at an
# hour), OUTBOX_MAX_ATTEMPTS times in all; then "failed", for the admin.
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=60 * 60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# Sent and failed messages (addresses, texts) are deleted after this many
# days; keep it below LETTERS_EMAIL_RETENTION_DAYS.
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)
# /healthz lists the outbox as stale when the oldest mail still owed is older
# than this (a stuck worker or beat, or a mail server refusing for long).
HEALTHZ_MAIL_STALE_SECONDS = env.int("HEALTHZ_MAIL_STALE_SECONDS", default=15 * 60)
# When this server started (Unix seconds), recorded as settings are imported.
# /healthz calls a reconcile time still unknown three periods after it stale.
# gunicorn.conf.py sets the variable once in the master, so a worker that
# max_requests recycles inherits the server's start instead of restarting
# the clock; no operator sets it.
SERVER_STARTED_AT = env.int("SOLIDARITY_SERVER_STARTED_AT", default=int(time.time()))
if OUTBOX_LEASE_SECONDS <= 2 * OUTBOX_SMTP_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must exceed twice the SMTP timeout")
if OUTBOX_KEEP_DAYS > LETTERS_EMAIL_RETENTION_DAYS:
    raise ImproperlyConfigured(
        "OUTBOX_KEEP_DAYS must not exceed LETTERS_EMAIL_RETENTION_DAYS: the outbox "
        "would keep writers' addresses the letters have erased"
    )

# --- events ---
# Most events in one /api/events.geojson answer (the maps). The RSS and
# iCalendar feeds keep their own, lower cap (events.views.FEED_LIMIT).
EVENTS_GEOJSON_LIMIT = env.int("EVENTS_GEOJSON_LIMIT", default=2000)

# --- deploy: behind Caddy, several machines (issue 17) ---
# (allauth's client address header is derived from CLIENT_IP_HEADER above.)

# Staff data in and out (README: Staff data: import and export).
# django-import-export grants import to anyone who reaches the admin unless a
# permission code is set: "change" keeps moderators (view only) out.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
# All or nothing: a row that fails rolls the whole file back.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The uploaded file waits for the confirm step in the system's temporary
# folder, never under MEDIA_ROOT (served publicly in production).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.TempFolderStorage"
# An XLSX export is written within the request (campaigns/exports.py): above
# this many selected rows the admin says to export CSV, which streams.
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=20_000)

# Backups (config/backups.py): one archive per `manage.py backup` in
# BACKUP_DIR; the newest BACKUP_KEEP are kept.
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
if BACKUP_KEEP < 1:
    raise ImproperlyConfigured("BACKUP_KEEP must be at least 1")

# Media on S3-compatible object storage (django-storages), for web and worker
# containers on more than one machine. Unset: local files under MEDIA_ROOT.
# Credentials come from boto3's usual environment (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY). Pages then load photos from AWS_S3_CUSTOM_DOMAIN, or
# else from the endpoint itself: use a host of your own (README: Scaling out),
# or visitors' browsers make a request to the storage provider.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="")
AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="")
# The origin that media URLs point at, for the Content-Security-Policy's
# img-src (config/middleware.py): empty while media is served from our own
# origin. It is where django-storages' S3Storage.url() points with the options
# below (tests/config/test_deploy.py compares the two): the custom domain over
# https; else the endpoint itself (path-style URLs); else AWS's own host.
MEDIA_ORIGIN = ""
if AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        # A host (and path), as django-storages wants it: no scheme, no spaces.
        if "://" in AWS_S3_CUSTOM_DOMAIN or len(AWS_S3_CUSTOM_DOMAIN.split()) != 1:
            raise ImproperlyConfigured(
                f"AWS_S3_CUSTOM_DOMAIN must be a host name such as media.example.org, "
                f"not {AWS_S3_CUSTOM_DOMAIN!r}"
            )
        MEDIA_ORIGIN = "https://" + AWS_S3_CUSTOM_DOMAIN.split("/", 1)[0]
    elif AWS_S3_ENDPOINT_URL:
        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        if _endpoint.scheme not in ("http", "https") or not _endpoint.netloc:
            raise ImproperlyConfigured(
                f"AWS_S3_ENDPOINT_URL must be an http(s) URL, not {AWS_S3_ENDPOINT_URL!r}"
            )
        MEDIA_ORIGIN = f"{_endpoint.scheme}://{_endpoint.netloc}"
    elif "." in AWS_STORAGE_BUCKET_NAME:
        # botocore puts a dotted bucket in the path: its name is no valid TLS host.
        MEDIA_ORIGIN = "https://s3.amazonaws.com"
    else:
        MEDIA_ORIGIN = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN or None,
            # Public photos and maps: plain URLs that caches can share.
            "querystring_auth": False,
            "default_acl": None,
            # Never replace a file that a page or a cached copy still names.
            "file_overwrite": False,
        },
    }

# --- Periodic tasks: the one schedule (celery beat) ------------------------
CELERY_BEAT_SCHEDULE = {
    # Recompute active campaigns and the global rows from the ledger; repair
    # and report drift (campaigns.services.tallies_reconcile).
    "reconcile-tallies": {
        "task": "campaigns.tasks.tallies_reconcile",
        "schedule": TALLY_RECONCILE_SECONDS,
    },
    # Send what is due: queued while the broker was down, a retry whose time
    # has come, a claim whose worker died. Sweeps no worker took in time are
    # dropped rather than stacked up behind a busy queue.
    "outbox-sweep": {
        "task": "outbox.tasks.outbox_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": 4 * OUTBOX_SWEEP_SECONDS},
    },
    "outbox-purge": {"task": "outbox.tasks.outbox_purge", "schedule": 24 * 60 * 60},
    "letters-erase-emails": {
        "task": "letters.tasks.letters_erase_emails",
        "schedule": 24 * 60 * 60,
    },
    "letters-recent-refresh": {
        "task": "letters.tasks.letters_recent_refresh",
        "schedule": 60 * 60,
    },
    "signatures-purge-unconfirmed": {
        "task": "campaigns.tasks.signatures_purge_unconfirmed",
        "schedule": 60 * 60,
    },
    # One mail a day per "daily digest" target with the appeals confirmed
    # since the last one, so a ministry's inbox is not flooded.
    "appeals-digest": {"task": "appeals.tasks.appeals_digest_send", "schedule": 24 * 60 * 60},
    "appeals-purge-unconfirmed": {
        "task": "appeals.tasks.appeals_purge_unconfirmed",
        "schedule": 60 * 60,
    },
}
