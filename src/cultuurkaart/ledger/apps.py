from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cultuurkaart.ledger"
    label = "ledger"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
