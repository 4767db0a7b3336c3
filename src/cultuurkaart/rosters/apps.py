from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "cultuurkaart.rosters"
    label = "rosters"
