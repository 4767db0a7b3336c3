from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_check(app_configs, **kwargs):
    from ..conf.base import DEV_SECRET_KEY

    if not settings.DEBUG and settings.SECRET_KEY == DEV_SECRET_KEY:
        return [Error("SECRET_KEY is the development key; set SECRET_KEY.", id="cultuurkaart.E001")]
    return []
