from django.apps import AppConfig


class CmkConfig(AppConfig):
    name = "cultuurkaart.cmk"
    label = "cmk"
    verbose_name = "CmK-programmamonitoring"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
        from .services import figures

        figures.connect()  # a new figures token on every change behind the dashboard
