from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cultuurkaart.orders"
    label = "orders"
