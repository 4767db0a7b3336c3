from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cultuurkaart.ledger"
    label = "ledger"
