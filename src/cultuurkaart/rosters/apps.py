from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "cultuurkaart.rosters"
    label = "rosters"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
