from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cultuurkaart.core"
    label = "core"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        if (
            settings.CK_ALLOW_CLOCK_OVERRIDE
            and not settings.DEBUG
            and not getattr(settings, "CK_TESTING", False)
        ):
            raise ImproperlyConfigured(
                "CK_ALLOW_CLOCK_OVERRIDE=1 is refused when DEBUG is off (production)."
            )
        from . import checks  # registers system checks

        checks.refuse_unsafe_secret_key()
        from . import ratelimit

        ratelimit.trusted_proxy_networks()  # a malformed CK_TRUSTED_PROXIES fails at start
