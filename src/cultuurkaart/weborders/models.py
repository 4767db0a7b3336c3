from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import WebOrderStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class WebOrder(models.Model):
    """A provider's payment request to a school (SPEC §8). The money moves on approval
    (ledger entry `entry`, split over the buckets) and back on invalid/reversal (`reversal`)."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="weborders"
    )
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="weborders")
    # The programme whose spending window held the creation moment (or the next one); on
    # approval: the programme the money came from.
    programme = models.ForeignKey(
        "schools.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("bedrag"), **MONEY)
    students = models.PositiveIntegerField(_("aantal leerlingen"))
    activity_at = models.DateTimeField(_("datum en tijd van de activiteit"))
    activity_on = models.DateField(_("datum van de activiteit"))  # Amsterdam date, for duplicates
    description = models.TextField(_("omschrijving"), max_length=2000)
    request_ref = models.CharField(_("aanvraag"), max_length=100, blank=True)
    status = models.CharField(
        max_length=12, choices=WebOrderStatus.choices, default=WebOrderStatus.PENDING
    )
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    check_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # withdrawn, expired, reversed
    reversal_reason = models.TextField(blank=True)
    entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    split_school = models.DecimalField(null=True, blank=True, **MONEY)
    split_ocw = models.DecimalField(null=True, blank=True, **MONEY)
    split_third_party = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webbestelling")
        verbose_name_plural = _("webbestellingen")
        indexes = [
            models.Index(fields=["school", "status", "-created_at"], name="weborder_school_idx"),
            # The school's list in its order (newest first, id as tie-break): a page of
            # "all" or "approved" reads 50 rows from the index instead of sorting them all.
            models.Index(
                fields=["school", "-created_at", "-id"], name="weborder_school_recent_idx"
            ),
            models.Index(fields=["provider", "-created_at"], name="weborder_provider_idx"),
            models.Index(fields=["status", "created_at"], name="weborder_status_idx"),
            # The likely-duplicate probe (queries.with_duplicate_flag) runs once per row of the
            # check worklist: with status and id in the index it never reads the table.
            models.Index(
                fields=["provider", "school", "amount", "activity_on"],
                include=["status", "id"],
                name="weborder_dup_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="weborder_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"webbestelling {self.pk}"

    @property
    def split(self) -> dict:
        return {
            "school": self.split_school,
            "ocw": self.split_ocw,
            "third_party": self.split_third_party,
        }
