"""Individual budget and vouchers (SPEC §9, docs/vouchers.md).

The money: on payment of the admin-cost invoice the OCW money of the students ordered
without school contribution is released into the school's INDIVIDUAL pool. An `Assignment`
moves one student's share (the programme's OCW rate) from that pool to the school's
INDIVIDUAL_ASSIGNED account; a `Voucher` is claimed against an assignment (VO: one of
€5.50; MBO: two of €5.25) and redeemed once, in full, by one provider; redemption moves its
value from INDIVIDUAL_ASSIGNED to PROVIDER_PAYABLE, and it is paid out like a web order.
At year end what is left in INDIVIDUAL and INDIVIDUAL_ASSIGNED goes back to the OCW fund.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

MONEY = {"max_digits": 14, "decimal_places": 2}


class Assignment(models.Model):
    """Individual budget assigned to one student (a membership) in one programme.

    `withdrawn_at` set = taken back (only while none of its vouchers is claimed); the
    assignment entry is then reversed. At most one live assignment per membership and
    programme (database constraint)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="individual_assignments"
    )
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="individual_assignments"
    )
    membership = models.ForeignKey(
        "memberships.Membership", on_delete=models.PROTECT, related_name="individual_assignments"
    )
    amount = models.DecimalField(**MONEY)  # the programme's OCW rate per student
    vouchers_allowed = models.PositiveSmallIntegerField()  # VO 1, MBO 2
    assigned_at = models.DateTimeField(default=clock.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "membership"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_assignment_per_membership_and_programme",
            )
        ]
        indexes = [models.Index(fields=["school", "programme"])]
        verbose_name = _("toekenning individueel budget")
        verbose_name_plural = _("toekenningen individueel budget")

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class VoucherStatus(models.TextChoices):
    CLAIMED = "claimed", _("Aangevraagd")
    REDEEMED = "redeemed", _("Verzilverd")


class Voucher(models.Model):
    """One voucher of an assignment, for one provider that accepts individual budget.

    Expired is not a stored status: a claimed voucher is expired once `expires_at` has
    passed (the end of the programme's spending window), so expiry needs no job."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="vouchers")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="vouchers"
    )
    code = models.CharField(max_length=20, unique=True)
    amount = models.DecimalField(**MONEY)
    claimed_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.CLAIMED
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redemption_entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-claimed_at", "-id"]
        indexes = [models.Index(fields=["provider", "status"])]
        verbose_name = _("tegoedbon")
        verbose_name_plural = _("tegoedbonnen")
