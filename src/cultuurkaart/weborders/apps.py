from django.apps import AppConfig


class WebordersConfig(AppConfig):
    name = "cultuurkaart.weborders"
    label = "weborders"

    def ready(self) -> None:
        from cultuurkaart.providers import services as providers

        from . import permissions  # noqa: F401  (registers this domain's permission table)
        from .services import expire_pending_weborders_of

        # A revocation that takes effect expires the provider's pending web orders (SPEC §7).
        providers.register_revocation_hook(expire_pending_weborders_of)
