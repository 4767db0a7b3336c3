from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cultuurkaart.orders"
    label = "orders"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
