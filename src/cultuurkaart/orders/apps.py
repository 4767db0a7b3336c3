from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cultuurkaart.orders"
    label = "orders"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
