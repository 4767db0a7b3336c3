"""Settings for the test suite: fast hashing, in-memory mail, the test clock on."""

import secrets

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
# DEBUG is off, so a published key would be refused at start-up: a fresh key per run.
SECRET_KEY = "test-" + secrets.token_urlsafe(48)
CK_ALLOW_CLOCK_OVERRIDE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CK_TASK_THREADS = False  # background work runs in the calling thread, after the commit
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
ALLOWED_HOSTS = ["*"]
CK_TESTING = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": None}
