from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "cultuurkaart.vouchers"
    label = "vouchers"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
