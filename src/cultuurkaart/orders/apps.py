from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cultuurkaart.orders"
    label = "orders"

    def ready(self) -> None:
        from cultuurkaart.memberships import services as memberships

        from . import (
            checks,  # noqa: F401 - registers the deploy checks
            permissions,  # noqa: F401  (registers this domain's permission table)
        )
        from .queries import teacher_allowance

        memberships.register_teacher_allowance(teacher_allowance)
