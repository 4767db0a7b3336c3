from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "cultuurkaart.marketplace"
    label = "marketplace"

    def ready(self) -> None:
        from cultuurkaart.providers import services as providers

        from . import permissions  # noqa: F401  (registers this domain's permission table)
        from .services import hide_offers_of

        # A revocation that takes effect hides the provider's offers in the same transaction.
        providers.register_revocation_hook(hide_offers_of)

        from .services.offers import provider_updated

        # A new provider name is in the search text of its offers at once.
        providers.register_update_hook(provider_updated)

        from cultuurkaart.weborders import services as weborders

        from .services.requests import weborder_ended

        # A request's web order that ends without money returns the request to `accepted`.
        weborders.register_ended_hook(weborder_ended)
