from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cultuurkaart.api"
    label = "api"
