from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "cultuurkaart.vouchers"
    label = "vouchers"
