from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "cultuurkaart.teaching"
    label = "teaching"
    verbose_name = "Dossier: lesgeven"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
