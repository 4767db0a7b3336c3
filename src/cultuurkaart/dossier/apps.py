from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "cultuurkaart.dossier"
    label = "dossier"

    def ready(self) -> None:
        from . import jobs, permissions  # noqa: F401  (permission table, jobs registry)
