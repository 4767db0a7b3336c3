from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "cultuurkaart.providers"
    label = "providers"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
