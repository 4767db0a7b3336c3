from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "cultuurkaart.memberships"
    label = "memberships"
