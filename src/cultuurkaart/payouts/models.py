"""Payout batches (SPEC §8, docs/payouts.md).

A batch pays every checked, unpaid web order (at or before `until`) per provider: one
`PayoutItem` per provider with a snapshot of its bank details, one `PayoutLine` per web
order. `PayoutLine.weborder` is unique: the database refuses to pay a web order twice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

MONEY = {"max_digits": 14, "decimal_places": 2}


class PayoutBatch(models.Model):
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    until = models.DateTimeField()
    total_gross = models.DecimalField(**MONEY)
    total_fee = models.DecimalField(**MONEY)
    total_net = models.DecimalField(**MONEY)
    # Settled corrections of earlier payouts: total_net = total_gross - total_fee - this.
    total_deducted = models.DecimalField(**MONEY, default=0)
    entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Providers left out: [{"provider": id, "name": str, "reason": str, "until": iso|None}].
    held = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("uitbetaling")
        verbose_name_plural = _("uitbetalingen")

    def __str__(self) -> str:
        return f"uitbetaling {self.pk}"


class PayoutItem(models.Model):
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="payout_items"
    )
    name = models.CharField(max_length=200)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    gross = models.DecimalField(**MONEY)
    fee = models.DecimalField(**MONEY)
    # Corrections of earlier payouts settled in this item (`Deduction`s);
    # net = gross - fee - deducted, what is transferred.
    deducted = models.DecimalField(**MONEY, default=0)
    net = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["batch", "provider_id", "id"]
        verbose_name = _("uitbetaling aan acceptant")
        verbose_name_plural = _("uitbetalingen aan acceptanten")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "provider"], name="payoutitem_one_per_provider"
            ),
        ]
        indexes = [models.Index(fields=["provider", "batch"], name="payoutitem_provider_idx")]

    def __str__(self) -> str:
        return f"uitbetaling {self.batch_id}/{self.pk}"

    @property
    def lines_net(self):
        """The sum of the lines' net amounts (gross − fee), before deductions."""
        return self.net + self.deducted


class PayoutLine(models.Model):
    item = models.ForeignKey(PayoutItem, on_delete=models.PROTECT, related_name="lines")
    # Unique: a web order or a redeemed voucher is in at most one batch, ever (exactly-once
    # payout); exactly one of the two is set (check constraint).
    weborder = models.OneToOneField(
        "weborders.WebOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_line",
    )
    voucher = models.OneToOneField(
        "vouchers.Voucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_line",
    )
    amount = models.DecimalField(**MONEY)
    fee = models.DecimalField(**MONEY)
    net = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["item", "weborder_id", "voucher_id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(weborder__isnull=False, voucher__isnull=True)
                    | models.Q(weborder__isnull=True, voucher__isnull=False)
                ),
                name="payoutline_weborder_xor_voucher",
            )
        ]
        verbose_name = _("uitbetaalde webbestelling")
        verbose_name_plural = _("uitbetaalde webbestellingen")


class Correction(models.Model):
    """A paid web order found wrong afterwards (SPEC §8: "after payout a correction is a new
    ledger entry, never an edit"). The school gets the amount back in the buckets it came
    from; the fee is given up; the provider owes what it received (`net`), which is deducted
    from its next payouts (`Deduction`). One per web order (the database refuses a second)."""

    weborder = models.OneToOneField(
        "weborders.WebOrder", on_delete=models.PROTECT, related_name="correction"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="payout_corrections"
    )
    programme = models.ForeignKey("schools.Programme", on_delete=models.PROTECT, related_name="+")
    line = models.OneToOneField(PayoutLine, on_delete=models.PROTECT, related_name="correction")
    amount = models.DecimalField(**MONEY)  # back to the school
    fee = models.DecimalField(**MONEY)  # the fee given up
    net = models.DecimalField(**MONEY)  # owed by the provider
    settled = models.DecimalField(**MONEY, default=0)  # deducted so far
    reason = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("correctie na uitbetaling")
        verbose_name_plural = _("correcties na uitbetaling")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settled__gte=0) & models.Q(settled__lte=models.F("net")),
                name="correction_settled_within_net",
            )
        ]
        indexes = [models.Index(fields=["provider", "id"], name="correction_provider_idx")]

    def __str__(self) -> str:
        return f"correctie {self.pk}"

    @property
    def open(self):
        return self.net - self.settled


class Deduction(models.Model):
    """Part (or all) of a correction settled by paying a provider less in a batch."""

    item = models.ForeignKey(PayoutItem, on_delete=models.PROTECT, related_name="deductions")
    correction = models.ForeignKey(Correction, on_delete=models.PROTECT, related_name="deductions")
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["item", "correction_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deduction_positive"),
            models.UniqueConstraint(fields=["item", "correction"], name="deduction_once_per_item"),
        ]
        verbose_name = _("verrekening")
        verbose_name_plural = _("verrekeningen")

    def __str__(self) -> str:
        return f"verrekening {self.pk}"
