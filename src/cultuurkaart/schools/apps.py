from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "cultuurkaart.schools"
    label = "schools"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
