import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.accounts import services
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User

PASSWORD = "a-Good-passw0rd!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def with_role(user: User, role: str, *, school=None, provider=None, **cmk_scope) -> User:
    """`cmk_scope`: cmk_programme=, cmk_municipality= or cmk_participation= for CmK roles."""
    services.grant_role(user, role, school=school, provider=provider, **cmk_scope)
    user.__dict__.pop("_role_cache", None)
    return user


def admin_user(**kwargs) -> User:
    return with_role(UserFactory(**kwargs), RoleName.ADMIN)


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
