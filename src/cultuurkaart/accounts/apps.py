from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cultuurkaart.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
