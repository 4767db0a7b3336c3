from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "cultuurkaart.providers"
    label = "providers"
