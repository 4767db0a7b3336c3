from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock


class ProviderStatus(models.TextChoices):
    PENDING = "pending", _("Aanvraag in behandeling")
    ACCEPTED = "accepted", _("Geaccepteerd")
    REJECTED = "rejected", _("Afgewezen")
    REVOCATION_ANNOUNCED = "revocation-announced", _("Intrekking aangekondigd")
    REVOKED = "revoked", _("Ingetrokken")


class Provider(models.Model):
    """A cultural provider (acceptant). The application flow comes with the provider issue."""

    name = models.CharField(_("naam"), max_length=200)
    status = models.CharField(
        max_length=24, choices=ProviderStatus.choices, default=ProviderStatus.PENDING
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("acceptant")
        verbose_name_plural = _("acceptanten")

    def __str__(self) -> str:
        return self.name
