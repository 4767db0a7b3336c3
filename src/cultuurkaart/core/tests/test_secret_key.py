"""Issue 8 point 7: with DEBUG off the server does not start with an unsafe SECRET_KEY."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cultuurkaart.conf.base import DEV_SECRET_KEY, EXAMPLE_SECRET_KEY
from cultuurkaart.core import checks

GOOD_KEY = "k7Gq2-Zp9xWm4Rt8Lv3Nc6Hb1Jd5Fs0Ya-Ue2Io7Pk4Qw9Er3Ty8Ui1Op6As5Df"


def example_key() -> str:
    text = (Path(settings.BASE_DIR) / ".env.example").read_text()
    return re.search(r"^SECRET_KEY=(.*)$", text, re.MULTILINE).group(1).strip()


def start(key: str | None, *command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="cultuurkaart.conf.settings")
    if key is not None:
        env["SECRET_KEY"] = key
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *(command or ("check",))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "short-but-random-Xy7",
        "a" * 60,
        "abcd" * 20,
        DEV_SECRET_KEY,
        EXAMPLE_SECRET_KEY,
        "django-insecure-" + GOOD_KEY,
    ],
)
def test_unsafe_keys_are_named(key):
    assert checks.secret_key_problem(key)


def test_a_long_random_key_is_accepted():
    assert checks.secret_key_problem(GOOD_KEY) is None


def test_the_env_example_value_counts_as_published():
    assert example_key() == EXAMPLE_SECRET_KEY
    assert "published" in checks.secret_key_problem(example_key())


def test_refused_at_app_ready_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 10 + "yz"
    with pytest.raises(ImproperlyConfigured, match="too short"):
        checks.refuse_unsafe_secret_key()
    settings.SECRET_KEY = GOOD_KEY
    settings.SECRET_KEY_FALLBACKS = [DEV_SECRET_KEY]
    with pytest.raises(ImproperlyConfigured, match="published"):
        checks.refuse_unsafe_secret_key()
    settings.DEBUG = True
    checks.refuse_unsafe_secret_key()  # development keeps its default key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "SECRET_KEY"),  # unset: empty
        ("too-short-key-1234", "too short"),
        (DEV_SECRET_KEY, "published"),
    ],
)
def test_the_server_does_not_start_with_debug_off(key, message):
    # `check` without --deploy: any management command (runserver, migrate) stops the same way
    result = start(key, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_the_server_starts_with_a_good_key():
    result = start(GOOD_KEY, "check")
    assert result.returncode == 0, result.stderr
