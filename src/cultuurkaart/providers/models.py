import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import REVOCATION_RESPONSE_DAYS, ProviderKind, ProviderStatus

__all__ = ["Provider", "ProviderKind", "ProviderStatus"]


class Provider(models.Model):
    """A cultural provider (acceptant). The application is the provider from the start: its
    id is the provider's id (API.md). Invariants: docs/providers.md."""

    name = models.CharField(_("naam"), max_length=200)
    status = models.CharField(
        max_length=24, choices=ProviderStatus.choices, default=ProviderStatus.PENDING
    )
    created_at = models.DateTimeField(default=clock.now)
    kind = models.CharField(
        _("soort"), max_length=20, choices=ProviderKind.choices, default=ProviderKind.ORGANISATION
    )
    sector = models.CharField(_("sector"), max_length=200, blank=True)
    activity_type = models.CharField(_("soort activiteit"), max_length=200, blank=True)
    address = models.CharField(_("adres"), max_length=500, blank=True)
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mailadres contactpersoon"), blank=True)
    contact_phone = models.CharField(_("telefoon contactpersoon"), max_length=40, blank=True)
    coordinator_name = models.CharField(_("coördinator"), max_length=200, blank=True)
    coordinator_email = models.EmailField(_("e-mailadres coördinator"), blank=True)
    coordinator_phone = models.CharField(_("telefoon coördinator"), max_length=40, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    # The declared criteria of the application (SPEC §7), as sent.
    criteria = models.JSONField(default=dict, blank=True)
    accepts_individual_budget = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # Payment-diversion guard: payouts to a new IBAN wait until iban_hold_until (exclusive).
    iban_changed_at = models.DateTimeField(null=True, blank=True)
    iban_hold_until = models.DateTimeField(null=True, blank=True)
    # Revocation (SPEC §7).
    revocation_reason = models.TextField(blank=True)
    revocation_announced_at = models.DateTimeField(null=True, blank=True)
    revocation_effective_on = models.DateField(null=True, blank=True)
    revocation_response = models.TextField(blank=True)
    revocation_responded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("acceptant")
        verbose_name_plural = _("acceptanten")
        indexes = [models.Index(fields=["status", "revocation_effective_on"])]

    def __str__(self) -> str:
        return self.name

    @property
    def revocation_response_until(self):
        """The last day on which the provider may respond to an announced revocation."""
        if self.revocation_announced_at is None:
            return None
        start = self.revocation_announced_at.astimezone(clock.AMSTERDAM).date()
        return start + dt.timedelta(days=REVOCATION_RESPONSE_DAYS)
