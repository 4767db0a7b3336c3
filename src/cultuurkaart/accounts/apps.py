from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cultuurkaart.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import permissions  # noqa: F401  (registers this domain's permission table)
        from .middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="ck-start-idle-clock")
