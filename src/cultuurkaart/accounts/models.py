from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import SCHOOL_ROLES, TWO_FACTOR_ROLES, RoleName


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        email = self.normalize_email(email).strip().lower()
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a personal login (SPEC §1: no shared school logins)."""

    email = models.EmailField(_("e-mailadres"), max_length=254, unique=True)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    language = models.CharField(
        _("taal"), max_length=5, default="nl", choices=[("nl", "Nederlands"), ("en", "English")]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)
    # Raised to end every session at once (password reset, blocking): part of the session hash.
    session_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        indexes = [
            # Sign-in, activation and password reset find the account by e-mail address
            # case-insensitively (`email__iexact`: UPPER(email) = UPPER(%s) on PostgreSQL);
            # without this index each of them read all users (issue 14, decision NN-5).
            models.Index(Upper("email"), name="accounts_user_email_upper"),
        ]

    def __str__(self) -> str:
        return self.email

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash (password hash, HMAC-ed), with `session_version` mixed in
        once it was raised: sessions signed before the raise no longer verify and end."""
        value = self.password
        if self.session_version:
            value = f"{value}:{self.session_version}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    # --- roles -------------------------------------------------------------------
    def role_set(self) -> set[str]:
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = list(self.roles.all())
            self._role_cache = cache
        return {role.role for role in cache}

    def roles_cached(self) -> list[Role]:
        self.role_set()
        return self._role_cache

    @property
    def is_platform_admin(self) -> bool:
        return RoleName.ADMIN in self.role_set()

    def requires_two_factor(self) -> bool:
        return bool(self.role_set() & TWO_FACTOR_ROLES)

    def school_ids(self, *roles: str) -> set[int]:
        wanted = set(roles) or SCHOOL_ROLES
        return {r.school_id for r in self.roles_cached() if r.role in wanted and r.school_id}

    def provider_ids(self) -> set[int]:
        return {
            r.provider_id
            for r in self.roles_cached()
            if r.role == RoleName.PROVIDER and r.provider_id
        }

    def has_school_role(self, school_id: int, *roles: str) -> bool:
        return school_id in self.school_ids(*roles)


class Role(models.Model):
    """A role a person holds, scoped to a school or provider where it is bound to one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=RoleName.choices)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    # CmK scope (issue 13): staff and steering group of a programme, a municipality of a
    # programme, or a school's participation (contact person); the programme is always set.
    cmk_programme = models.ForeignKey(
        "cmk.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    cmk_municipality = models.ForeignKey(
        "cmk.Municipality", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    cmk_participation = models.ForeignKey(
        "cmk.Participation", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    granted_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(school__isnull=False),
                name="unique_school_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "provider"],
                condition=models.Q(provider__isnull=False),
                name="unique_provider_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(
                    school__isnull=True, provider__isnull=True, cmk_programme__isnull=True
                ),
                name="unique_global_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cmk_programme"],
                condition=models.Q(
                    cmk_programme__isnull=False,
                    cmk_municipality__isnull=True,
                    cmk_participation__isnull=True,
                ),
                name="unique_cmk_programme_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cmk_municipality"],
                condition=models.Q(cmk_municipality__isnull=False),
                name="unique_cmk_municipality_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cmk_participation"],
                condition=models.Q(cmk_participation__isnull=False),
                name="unique_cmk_participation_role",
            ),
        ]

    def __str__(self) -> str:
        scope = (
            f" @school {self.school_id}"
            if self.school_id
            else f" @provider {self.provider_id}"
            if self.provider_id
            else f" @cmk {self.cmk_programme_id}"
            if self.cmk_programme_id
            else ""
        )
        return f"{self.role}{scope}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set for every token minted since issue 8 (default one year); None only for none.
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
