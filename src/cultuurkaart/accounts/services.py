"""Every write on people, roles, tokens and two-factor devices."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import DomainError, RateLimited, ValidationFailed
from cultuurkaart.core.ratelimit import FailureLimiter

from .constants import CMK_ROLES, PROVIDER_ROLES, SCHOOL_ROLES, RoleName
from .models import ApiToken, Role, User

TOKEN_PREFIX = "ck_"
TOKEN_DEFAULT_LIFETIME = dt.timedelta(days=365)
TOKEN_MAX_LIFETIME = dt.timedelta(days=2 * 365)
login_limiter_ip = FailureLimiter("login-ip", limit=20, window=15 * 60)
login_limiter_account = FailureLimiter("login-account", limit=10, window=15 * 60)
# Wrong two-factor codes per account (keyed by user id), whatever session or client they
# come from; a successful password login does not reset them (issue 8 point 3). Five per
# 15 minutes and twenty per day keep guessing a 6-digit code (about three valid at a time)
# below 1 in 10,000 per day.
otp_limiter_account = FailureLimiter("otp-account", limit=5, window=15 * 60)
otp_limiter_account_day = FailureLimiter("otp-account-day", limit=20, window=24 * 3600)
# Password-reset requests per client address and per e-mail address entered (point 5).
reset_limiter_ip = FailureLimiter("password-reset-ip", limit=10, window=60 * 60)
reset_limiter_email = FailureLimiter("password-reset-email", limit=3, window=60 * 60)


class InvalidCredentials(DomainError):
    type = "invalid-credentials"
    status = 401
    title = "Wrong e-mail address, password or code"


class OtpRequired(DomainError):
    type = "otp-required"
    status = 401
    title = "A two-factor code is required for this account"


class ReauthenticationFailed(DomainError):
    """Minting a token from a signed-in session: the password or the fresh code is wrong."""

    type = "reauthentication-failed"
    status = 403
    title = "Confirm with your password and a new two-factor code"


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


def grant_role(
    user: User,
    role: str,
    *,
    school=None,
    provider=None,
    cmk_programme=None,
    cmk_municipality=None,
    cmk_participation=None,
    actor=None,
) -> Role:
    """Grant a role. CmK roles are scoped (issue 13): staff and steering group to a programme,
    a municipality role to a municipality of a programme, a contact to one participation;
    the programme is stored with every CmK role."""
    if role in SCHOOL_ROLES and school is None:
        raise DomainError("This role needs a school.", type="school-required")
    if role in PROVIDER_ROLES and provider is None:
        raise DomainError("This role needs a provider.", type="provider-required")
    if role not in SCHOOL_ROLES:
        school = None
    if role not in PROVIDER_ROLES:
        provider = None
    scope = _cmk_scope(role, cmk_programme, cmk_municipality, cmk_participation)
    obj, created = Role.objects.get_or_create(
        user=user, role=role, school=school, provider=provider, **scope
    )
    if created:
        audit.record(
            "accounts.role.granted",
            actor=actor,
            obj=obj,
            school_id=school.pk if school else None,
            data={"role": role, "user": user.pk}
            | {k + "_id": v.pk for k, v in scope.items() if v is not None},
        )
    user.__dict__.pop("_role_cache", None)
    return obj


def _cmk_scope(role, programme, municipality, participation) -> dict:
    if role not in CMK_ROLES:
        return {"cmk_programme": None, "cmk_municipality": None, "cmk_participation": None}
    if role == RoleName.CMK_CONTACT:
        if participation is None:
            raise DomainError("This role needs a participation.", type="participation-required")
        return {
            "cmk_programme": participation.programme,
            "cmk_municipality": None,
            "cmk_participation": participation,
        }
    if role == RoleName.CMK_MUNICIPALITY:
        if municipality is None:
            raise DomainError("This role needs a municipality.", type="municipality-required")
        return {
            "cmk_programme": municipality.programme,
            "cmk_municipality": municipality,
            "cmk_participation": None,
        }
    if programme is None:
        raise DomainError("This role needs a CmK programme.", type="programme-required")
    return {"cmk_programme": programme, "cmk_municipality": None, "cmk_participation": None}


def revoke_role(
    user: User,
    role: str,
    *,
    school=None,
    provider=None,
    cmk_programme=None,
    cmk_municipality=None,
    cmk_participation=None,
    actor=None,
) -> int:
    scope = {}
    for key, value in (
        ("cmk_programme", cmk_programme),
        ("cmk_municipality", cmk_municipality),
        ("cmk_participation", cmk_participation),
    ):
        if value is not None:
            scope[key] = value
    deleted, _ = Role.objects.filter(
        user=user, role=role, school=school, provider=provider, **scope
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


def request_password_reset(email: str, *, ip: str) -> None:
    """Mail a link to choose a new password to the active account with this address (also
    to invited people without a password yet). Every request counts per client address and
    per address entered, whether or not an account exists, so the answer is the same either
    way. The link is built from CK_SITE_URL, never from the request's Host header. The mail
    is sent in the background (core.dispatch), so the answer takes as long whether or not an
    account exists (no timing oracle)."""
    from cultuurkaart.core.dispatch import dispatch

    from .tasks import send_password_reset_mail as task

    email = email.strip().lower()
    reset_limiter_ip.check(ip)
    reset_limiter_email.check(email)
    reset_limiter_ip.fail(ip)
    reset_limiter_email.fail(email)
    for user in User.objects.filter(email__iexact=email, is_active=True):
        audit.record("accounts.password.reset_requested", actor=None, obj=user)
        dispatch(task, user.pk, background=True)


def send_password_reset_mail(user_id: int) -> None:
    """The mail with a link to choose a new password (the background half of
    `request_password_reset`); nothing when the account was blocked meanwhile."""
    from cultuurkaart.core import mail

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    mail.send(
        "password_reset",
        [user.email],
        {"reset_link": password_set_link(user)},
        language=user.language,
    )


# --- API tokens ------------------------------------------------------------------------


def create_api_token(
    user: User, *, name: str, actor=None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal token; it expires at `expires_at` (default: one year from now)."""
    moment = clock.now()
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=clock.AMSTERDAM)
    if expires_at is None:
        expires_at = moment + TOKEN_DEFAULT_LIFETIME
    elif expires_at <= moment or expires_at > moment + TOKEN_MAX_LIFETIME:
        raise ValidationFailed(
            "The expiry must lie in the future and at most two years ahead.",
            errors=[
                {
                    "field": "expires_at",
                    "code": "out-of-range",
                    "message": "Kies een datum in de toekomst, hooguit twee jaar vooruit.",
                }
            ],
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100] or "API",
        prefix=raw[:10],
        key_hash=_hash(raw),
        created_at=moment,
        expires_at=expires_at,
    )
    audit.record(
        "accounts.api_token.created",
        actor=actor or user,
        obj=token,
        data={"user": user.pk, "expires_at": expires_at.isoformat()},
    )
    return token, raw


def mint_api_token_for_self(
    user: User,
    *,
    name: str,
    password: str,
    otp: str | None,
    ip: str,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A person mints a token for themselves while signed in (page or API): a token
    outlives the session, so the password and a fresh two-factor code are asked again
    (a code already used, e.g. at sign-in, is refused by the device). Wrong answers count
    towards the login and two-factor rate limits."""
    email = user.email.strip().lower()
    check_login_allowed(email, ip)
    if not password or not user.check_password(password):
        login_limiter_ip.fail(ip)
        login_limiter_account.fail(email)
        raise ReauthenticationFailed("Wrong password.")
    needs_code = user.requires_two_factor() or confirmed_device(user) is not None
    if needs_code and (not otp or verify_second_factor(user, otp, ip=ip) is None):
        raise ReauthenticationFailed("Wrong or missing two-factor code.")
    return create_api_token(user, name=name, expires_at=expires_at)


def revoke_api_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "accounts.api_token.revoked", actor=actor, obj=token, data={"user": token.user_id}
        )


def revoke_all_credentials(user: User, *, actor, reason: str) -> int:
    """End every way in that outlives a sign-in: all API tokens are revoked and all
    sessions end (the session hash includes `session_version`). Nothing brings them back."""
    moment = clock.now()
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=moment)
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    audit.record(
        "accounts.credentials.revoked",
        actor=actor,
        obj=user,
        data={"reason": reason, "tokens": revoked},
    )
    return revoked


def reset_password(user: User, password: str) -> None:
    """A new password through the e-mailed link (or an invited person's first one)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoke_all_credentials(user, actor=user, reason="password-reset")
        audit.record("accounts.password.reset", actor=user, obj=user)


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    moment = clock.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=moment))
        .first()
    )
    if token is None:
        return None
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
    login_limiter_account.reset(email.strip().lower())
    if require_otp_now and user.requires_two_factor():
        if not otp:
            raise OtpRequired()
        if verify_second_factor(user, otp, ip=ip) is None:
            raise InvalidCredentials()
    return user


def check_second_factor_allowed(user: User, ip: str) -> None:
    """RateLimited when this account (from any session or client) or this address has
    entered too many wrong two-factor codes."""
    login_limiter_ip.check(ip)
    otp_limiter_account.check(str(user.pk))
    otp_limiter_account_day.check(str(user.pk))


def verify_second_factor(user: User, code: str, *, ip: str, setup: bool = False):
    """Check a TOTP code (or confirm a device being set up), rate-limited per account
    across sessions. Returns the device, None for a wrong code, or raises RateLimited."""
    check_second_factor_allowed(user, ip)
    device = confirm_totp_setup(user, code) if setup else verify_totp(user, code)
    if device is None:
        login_limiter_ip.fail(ip)
        otp_limiter_account.fail(str(user.pk))
        otp_limiter_account_day.fail(str(user.pk))
        return None
    otp_limiter_account.reset(str(user.pk))  # the day's count stays
    return device


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
    """Block or unblock a login. Blocking revokes every token and ends every session;
    unblocking brings none of them back (the person signs in again)."""
    if user.is_active != active:
        with transaction.atomic():
            user.is_active = active
            user.save(update_fields=["is_active"])
            if not active:
                revoke_all_credentials(user, actor=actor, reason="blocked")
            audit.record(
                "accounts.user." + ("unblocked" if active else "blocked"), actor=actor, obj=user
            )


def set_language(user: User, language: str, *, actor=None) -> None:
    """The person's UI and e-mail language (an account setting; Dutch by default)."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed("Unknown language.", type="unknown-language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
        audit.record(
            "accounts.language.changed", actor=actor or user, obj=user, data={"language": language}
        )
