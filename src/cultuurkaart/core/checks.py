from django.conf import settings
from django.core.checks import Error, Tags, register

# Django's own deploy check (security.W009) uses the same bounds.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def secret_key_problem(key: str | None) -> str | None:
    """Why `key` must not sign sessions, password links and activation codes in production,
    or None when it is acceptable: empty, short, too few distinct characters, or published
    (the development default, the .env.example placeholder, Django's `django-insecure-`)."""
    from ..conf.base import PUBLISHED_SECRET_KEYS

    if not key:
        return "SECRET_KEY is empty; set a long random SECRET_KEY."
    if key in PUBLISHED_SECRET_KEYS or key.startswith("django-insecure-"):
        return "SECRET_KEY is a published example value; set a long random SECRET_KEY."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is too short or too simple (at least {SECRET_KEY_MIN_LENGTH} "
            f"characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones); set a long "
            "random SECRET_KEY."
        )
    return None


def refuse_unsafe_secret_key() -> None:
    """Called when the apps are ready: with DEBUG off the server does not start with an
    unsafe key (not only under `check --deploy`)."""
    from django.core.exceptions import ImproperlyConfigured

    if settings.DEBUG:
        return
    for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        problem = secret_key_problem(key)
        if problem:
            raise ImproperlyConfigured(problem + " (DEBUG is off: the server does not start.)")


@register(Tags.security, deploy=True)
def secret_key_check(app_configs, **kwargs):
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        return [Error(problem, id="cultuurkaart.E001")]
    return []
