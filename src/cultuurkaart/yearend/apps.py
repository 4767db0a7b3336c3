from django.apps import AppConfig


class YearendConfig(AppConfig):
    name = "cultuurkaart.yearend"
    label = "yearend"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
