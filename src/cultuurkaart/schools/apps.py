from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "cultuurkaart.schools"
    label = "schools"
