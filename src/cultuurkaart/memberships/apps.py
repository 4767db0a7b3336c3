from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "cultuurkaart.memberships"
    label = "memberships"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
