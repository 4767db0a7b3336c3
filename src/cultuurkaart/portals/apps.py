from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "cultuurkaart.portals"
    label = "portals"
