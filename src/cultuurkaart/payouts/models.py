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
