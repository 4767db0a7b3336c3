from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cultuurkaart.accounts"
    label = "accounts"
