"""Base settings. This is the only module that reads the environment.

Every variable is listed in `.env.example`. Development defaults make the embedded
set-up (SQLite, console e-mail, in-process jobs) work without any configuration.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]  # repository root
SRC_DIR = BASE_DIR / "src" / "cultuurkaart"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# With DEBUG off the server refuses to start with an empty, short or published key
# (`cultuurkaart.core.checks.secret_key_problem`, called when the apps are ready).
DEV_SECRET_KEY = "dev-insecure-cultuurkaart-key-change-me-0123456789-abcdefghijklmnop"
# The placeholder in .env.example: published, so refused like the development key.
EXAMPLE_SECRET_KEY = (
    "replace-me-with-output-of-python3-c-import-secrets-print-secrets-token_urlsafe-50"
)
PUBLISHED_SECRET_KEYS = (DEV_SECRET_KEY, EXAMPLE_SECRET_KEY)
SECRET_KEY = env("SECRET_KEY") or ("" if not DEBUG else DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Reverse proxies whose X-Forwarded-For is believed for the client address (rate limits):
# comma-separated addresses or networks, e.g. 127.0.0.1,10.0.0.0/8. Default none: the
# socket address (REMOTE_ADDR) is the client.
CK_TRUSTED_PROXIES = env_list("CK_TRUSTED_PROXIES")

# The test clock (API.md "Test clock"). Refused at start-up when DEBUG is off.
CK_ALLOW_CLOCK_OVERRIDE = env_bool("CK_ALLOW_CLOCK_OVERRIDE", False)
# Keyed hashing of secrets (activation codes); defaults to a key derived from SECRET_KEY.
CK_SITE_URL = (env("CK_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "csp",
    "cultuurkaart.core",
    "cultuurkaart.accounts",
    "cultuurkaart.schools",
    "cultuurkaart.providers",
    "cultuurkaart.rosters",
    "cultuurkaart.memberships",
    "cultuurkaart.ledger",
    "cultuurkaart.orders",
    "cultuurkaart.weborders",
    "cultuurkaart.payouts",
    "cultuurkaart.vouchers",
    "cultuurkaart.yearend",
    "cultuurkaart.marketplace",
    "cultuurkaart.cmk",
    "cultuurkaart.cmk_evaluation",
    "cultuurkaart.dossier",
    "cultuurkaart.teaching",
    "cultuurkaart.dossier_transfer",
    "cultuurkaart.api",
    "cultuurkaart.portals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their cache headers; everything else is no-store.
    "cultuurkaart.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "cultuurkaart.core.middleware.ClockMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a body (and before ninja reads multipart PUTs): the 413 page is Dutch.
    "cultuurkaart.core.middleware.RequestSizeLimitMiddleware",
    # django-ninja: parse multipart bodies of PUT requests (roster upload, API.md).
    "ninja.compatibility.files.fix_request_files_middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The account's language, not the browser's (replaces django's LocaleMiddleware).
    "cultuurkaart.accounts.middleware.AccountLanguageMiddleware",
    "cultuurkaart.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cultuurkaart.accounts.middleware.FinanceSessionIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cultuurkaart.conf.urls"
WSGI_APPLICATION = "cultuurkaart.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cultuurkaart.portals.context_processors.portal",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers queue on the lock instead of failing (API.md: embedded database).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
# A streaming replica for read-only reports and exports (decision NS-6; off by default).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["cultuurkaart.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits) ----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portals:home"
LOGOUT_REDIRECT_URL = "portals:home"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
OTP_TOTP_ISSUER = "Cultuurkaart"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
# Finance roles (admin, budget holder, provider) are signed out after 30 idle minutes.
CK_FINANCE_SESSION_IDLE_SECONDS = 30 * 60
CSRF_COOKIE_HTTPONLY = False  # htmx/JS reads it for API calls from pages

# Login and code-entry rate limits: failures per window.
CK_LOGIN_MAX_FAILURES = int(env("CK_LOGIN_MAX_FAILURES", "10") or 10)
CK_LOGIN_WINDOW_SECONDS = 15 * 60

# Marketplace requests without a provider answer (job `expire-requests`, SPEC §10).
CK_REQUEST_REMINDER_WORKING_DAYS = 5
CK_REQUEST_EXPIRY_WORKING_DAYS = 10
# CmK evaluation (docs/cmk-evaluation.md): the key of the researcher CSV's pseudonymous school
# ids (HMAC-SHA256; empty: derived from SECRET_KEY, so set it to keep ids stable when the
# secret key rotates) and the coordination share of the costs above which the budget warns.
CK_CMK_PSEUDONYM_KEY = env("CK_CMK_PSEUDONYM_KEY", "") or ""
CK_CMK_COORDINATION_WARN = env("CK_CMK_COORDINATION_WARN", "0.10") or "0.10"

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail -----------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
if env("EMAIL_BACKEND"):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Cultuurkaart <noreply@cultuurkaart.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs --------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# With late acknowledgement a worker takes one task at a time beyond the ones it runs, so a
# long job does not hold queued tasks that another worker could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A second run of a job waits this long for the first (command, API) before it is skipped
# (core.jobs.lock); scheduled runs skip at once.
CK_JOB_LOCK_WAIT_SECONDS = 60
CELERY_TIMEZONE = TIME_ZONE
# Without a broker, background work the page follows (large invitation batches, roster
# imports) runs in a daemon thread of the web process (core.dispatch).
CK_TASK_THREADS = True

# --- Invoices: where and how schools pay (printed on every invoice) ----------------
# The payee is the Stichting Cultuurkaartcentrale. The development values are examples;
# with DEBUG=0 they have no default and `check --deploy` refuses empty or example values.
_PAYEE_DEV = {
    "name": "Stichting Cultuurkaartcentrale",
    "iban": "NL91ABNA0417164300",
    "bic": "ABNANL2A",
    "kvk": "12345678",
    "vat": "NL123456789B01",
}
CK_PAYEE_NAME = env("CK_PAYEE_NAME") or (_PAYEE_DEV["name"] if DEBUG else "")
CK_PAYEE_IBAN = (env("CK_PAYEE_IBAN") or (_PAYEE_DEV["iban"] if DEBUG else "")).replace(" ", "")
CK_PAYEE_BIC = env("CK_PAYEE_BIC") or (_PAYEE_DEV["bic"] if DEBUG else "")
CK_PAYEE_KVK = env("CK_PAYEE_KVK") or (_PAYEE_DEV["kvk"] if DEBUG else "")
CK_PAYEE_VAT_NUMBER = env("CK_PAYEE_VAT_NUMBER") or (_PAYEE_DEV["vat"] if DEBUG else "")

# --- Uploads ----------------------------------------------------------------------
# Bodies other than file uploads (JSON, forms): larger ones get 413 (decision W3).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CK_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A multipart request (file upload) may be this large in total: the file plus its form fields.
CK_MAX_MULTIPART_BYTES = CK_MAX_UPLOAD_BYTES + 1024 * 1024
# Paths that take larger multipart uploads (regex of the path → bytes): a dossier export
# being imported (dossier_transfer; its media can weigh hundreds of MB). The file goes to a
# temporary file on disk (FILE_UPLOAD_MAX_MEMORY_SIZE), never into memory.
CK_DOSSIER_IMPORT_MAX_BYTES = int(env("CK_DOSSIER_IMPORT_MAX_BYTES", str(1024**3)) or 1024**3)
CK_LARGE_UPLOAD_PATHS = {
    r"/api/v1/schools/[0-9]+/portfolio-imports": CK_DOSSIER_IMPORT_MAX_BYTES,
    r"/school/[0-9]+/dossier/import/": CK_DOSSIER_IMPORT_MAX_BYTES,
}

# --- Security ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): no inline script or style anywhere, the Swagger UI
# at /api/v1/docs included (its files are vendored by django-ninja) (decision W1).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the two-factor set-up QR code (an SVG data URI).
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
CSRF_FAILURE_VIEW = "cultuurkaart.portals.views_errors.csrf_failure"

# --- Logging: never personal data; requests are logged without bodies ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Dossier (docs/dossier.md) -------------------------------------------------------
# One file at most this large (never above CK_MAX_UPLOAD_BYTES, the request limit), a member's
# media together at most CK_DOSSIER_QUOTA_BYTES: beyond either 413 `quota-exceeded`.
CK_DOSSIER_MAX_FILE_BYTES = min(
    int(env("CK_DOSSIER_MAX_FILE_BYTES") or CK_MAX_UPLOAD_BYTES), CK_MAX_UPLOAD_BYTES
)
CK_DOSSIER_QUOTA_BYTES = int(env("CK_DOSSIER_QUOTA_BYTES") or 500 * 1024 * 1024)
# Signed media links live this long (seconds).
CK_DOSSIER_MEDIA_URL_SECONDS = int(env("CK_DOSSIER_MEDIA_URL_SECONDS") or 300)
# A leaver's portfolio is deleted this many days after they left (unless transferred).
CK_DOSSIER_LEAVER_RETENTION_DAYS = int(env("CK_DOSSIER_LEAVER_RETENTION_DAYS") or 90)
# Open learning questions per student when the school set none (Enablement row).
CK_DOSSIER_MAX_OPEN_QUESTIONS = 3
