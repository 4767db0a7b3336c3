from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "cultuurkaart.payouts"
    label = "payouts"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
