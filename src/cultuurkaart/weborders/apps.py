from django.apps import AppConfig


class WebordersConfig(AppConfig):
    name = "cultuurkaart.weborders"
    label = "weborders"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
