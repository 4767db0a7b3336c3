"""Every write on people, roles, tokens and two-factor devices."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import DomainError, RateLimited
from cultuurkaart.core.ratelimit import FailureLimiter

from .constants import PROVIDER_ROLES, SCHOOL_ROLES, RoleName
from .models import ApiToken, Role, User

TOKEN_PREFIX = "ck_"
login_limiter_ip = FailureLimiter("login-ip", limit=20, window=15 * 60)
login_limiter_account = FailureLimiter("login-account", limit=10, window=15 * 60)


class InvalidCredentials(DomainError):
    type = "invalid-credentials"
    status = 401
    title = "Wrong e-mail address, password or code"


class OtpRequired(DomainError):
    type = "otp-required"
    status = 401
    title = "A two-factor code is required for this account"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- people and roles -------------------------------------------------------------------


def get_or_create_user(email: str, *, name: str = "", language: str = "nl") -> tuple[User, bool]:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user:
        if name and not user.name:
            user.name = name
            user.save(update_fields=["name"])
        return user, False
    try:
        with transaction.atomic():
            return User.objects.create_user(email, name=name, language=language), True
    except IntegrityError:
        return User.objects.get(email__iexact=email), False


def grant_role(user: User, role: str, *, school=None, provider=None, actor=None) -> Role:
    if role in SCHOOL_ROLES and school is None:
        raise DomainError("This role needs a school.", type="school-required")
    if role in PROVIDER_ROLES and provider is None:
        raise DomainError("This role needs a provider.", type="provider-required")
    if role not in SCHOOL_ROLES:
        school = None
    if role not in PROVIDER_ROLES:
        provider = None
    obj, created = Role.objects.get_or_create(
        user=user, role=role, school=school, provider=provider
    )
    if created:
        audit.record(
            "accounts.role.granted",
            actor=actor,
            obj=obj,
            school_id=school.pk if school else None,
            data={"role": role, "user": user.pk},
        )
    user.__dict__.pop("_role_cache", None)
    return obj


def revoke_role(user: User, role: str, *, school=None, provider=None, actor=None) -> int:
    deleted, _ = Role.objects.filter(
        user=user, role=role, school=school, provider=provider
    ).delete()
    if deleted:
        audit.record(
            "accounts.role.revoked",
            actor=actor,
            obj=user,
            school_id=school.pk if school else None,
            data={"role": role},
        )
    user.__dict__.pop("_role_cache", None)
    return deleted


def password_set_link(user: User) -> str:
    """A link with which an invited person chooses a password (Django's reset tokens)."""
    from django.conf import settings
    from django.urls import reverse

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.CK_SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


# --- API tokens ------------------------------------------------------------------------


def create_api_token(user: User, *, name: str, actor=None) -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100] or "API", prefix=raw[:10], key_hash=_hash(raw)
    )
    audit.record(
        "accounts.api_token.created", actor=actor or user, obj=token, data={"user": user.pk}
    )
    return token, raw


def revoke_api_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "accounts.api_token.revoked", actor=actor, obj=token, data={"user": token.user_id}
        )


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    moment = clock.now()
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


# --- login and two-factor --------------------------------------------------------------


def check_login_allowed(email: str, ip: str) -> None:
    login_limiter_ip.check(ip)
    login_limiter_account.check(email.strip().lower())


def login_with_password(
    request, email: str, password: str, otp: str | None, *, ip: str, require_otp_now: bool
) -> User:
    """Check credentials (and the TOTP code when `require_otp_now`), rate-limited.

    Raises RateLimited, InvalidCredentials or OtpRequired.
    """
    check_login_allowed(email, ip)
    user = authenticate(request, username=email.strip().lower(), password=password)
    if user is None:
        login_limiter_ip.fail(ip)
        login_limiter_account.fail(email.strip().lower())
        raise InvalidCredentials()
    if require_otp_now and user.requires_two_factor():
        if not otp:
            raise OtpRequired()
        if not verify_totp(user, otp):
            login_limiter_ip.fail(ip)
            login_limiter_account.fail(email.strip().lower())
            raise InvalidCredentials()
    login_limiter_account.reset(email.strip().lower())
    return user


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify_totp(user: User, code: str) -> TOTPDevice | None:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def start_totp_setup(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


def confirm_totp_setup(user: User, code: str) -> TOTPDevice | None:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if device is None or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("accounts.two_factor.enabled", actor=user, obj=user)
    return device


__all__ = ["RateLimited", "RoleName"]


def reset_two_factor(user: User, *, actor) -> int:
    """Remove a person's authenticator devices (lost phone); they set up a new one at the
    next login. Only after the back office has checked the person's identity."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record("accounts.two_factor.reset", actor=actor, obj=user, data={"devices": deleted})
    return deleted


def set_active(user: User, active: bool, *, actor) -> None:
    """Block or unblock a login (tokens stop working with it)."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            "accounts.user." + ("unblocked" if active else "blocked"), actor=actor, obj=user
        )
