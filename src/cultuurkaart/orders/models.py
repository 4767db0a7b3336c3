"""Budget orders, invoices, payments and third-party contributions (SPEC §5)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import (
    LIVE,
    InvoiceKind,
    InvoiceStatus,
    LineCode,
    OrderKind,
    OrderStatus,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class BudgetOrderQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE)

    def awaiting_decision(self, at=None):
        """Orders whose objection period is over and that wait for the admin."""
        return self.filter(
            status__in=[OrderStatus.SUBMITTED, OrderStatus.AWAITING_DECISION],
            objection_deadline__lt=at or clock.now(),
        )

    def visible_to(self, user):
        if user.is_platform_admin:
            return self
        return self.filter(school_id__in=user.school_ids())


class BudgetOrder(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="orders")
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField(max_length=15, choices=OrderKind.choices)
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    with_contribution = models.PositiveIntegerField(_("studenten met bijdrage school"))
    without_contribution = models.PositiveIntegerField(_("studenten zonder bijdrage school"))
    teachers = models.PositiveIntegerField(_("lidmaatschappen docenten"), default=0)
    dossier_interest = models.BooleanField(_("interesse in het dossier"), default=False)
    reference = models.CharField(_("uw bestel- of referentienummer"), max_length=60, blank=True)
    duo_count = models.PositiveIntegerField(_("aantal volgens DUO bij indienen"))
    submitted_at = models.DateTimeField()
    objection_deadline = models.DateTimeField()
    updated_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    # OCW allocated at approval ((with + without) × OCW rate); counts for the national cap.
    ocw_allocated = models.DecimalField(default=Decimal("0.00"), **MONEY)
    released_at = models.DateTimeField(null=True, blank=True)
    # Set when the order was cancelled for non-payment (the moment it lost its OCW); kept
    # when a payment dated in time reinstates the order without OCW (cap reached).
    ocw_forfeited_at = models.DateTimeField(null=True, blank=True)
    # The non-payment cancellation of this order cancelled the school's registration
    # (and so ended its memberships); a reinstatement restores them.
    cancelled_registration = models.BooleanField(default=False)
    # The moment of the non-payment cancellation (kept after a reinstatement).
    unpaid_cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = BudgetOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["school", "programme", "status"]),
            models.Index(fields=["status", "objection_deadline"]),
        ]
        constraints = [
            # At most one live initial order per school and programme (SPEC §5), whatever
            # the programme's max_orders; the service checks first (`already-ordered`).
            models.UniqueConstraint(
                fields=["school", "programme"],
                condition=models.Q(kind=OrderKind.INITIAL, status__in=LIVE),
                name="budget_order_one_live_initial",
            )
        ]

    def __str__(self) -> str:
        return f"BudgetOrder {self.pk}"

    @property
    def students(self) -> int:
        return self.with_contribution + self.without_contribution

    def in_objection_period(self, at=None) -> bool:
        return (at or clock.now()) <= self.objection_deadline

    @property
    def shown_status(self) -> str:
        """The status as people should read it now: a submitted order whose objection
        period is over waits for a decision, even before the nightly job has run."""
        if self.status == OrderStatus.SUBMITTED and not self.in_objection_period():
            return OrderStatus.AWAITING_DECISION
        return self.status

    @property
    def shown_status_label(self) -> str:
        return OrderStatus(self.shown_status).label


class InvoiceSequence(models.Model):
    """Row-locked counter: one row per calendar year (gapless numbering)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_platform_admin:
            return self
        return self.filter(school_id__in=user.school_ids())


class Invoice(models.Model):
    """An issued invoice; never changed after issue except its payment state."""

    number = models.CharField(max_length=12, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=15, choices=InvoiceKind.choices)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="invoices")
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.OneToOneField(
        BudgetOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice"
    )
    credit_for = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    recipient_name = models.CharField(max_length=200)
    recipient_email = models.EmailField(blank=True)
    recipient_address = models.TextField(blank=True)
    reference = models.CharField(max_length=60, blank=True)
    issued_on = models.DateField()
    issued_at = models.DateTimeField()
    due_on = models.DateField()
    subtotal = models.DecimalField(**MONEY)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    vat_amount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    total = models.DecimalField(**MONEY)
    ocw_top_up = models.DecimalField(default=Decimal("0.00"), **MONEY)
    # Payment state (the only fields that change after issue).
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    amount_paid = models.DecimalField(default=Decimal("0.00"), **MONEY)
    paid_at = models.DateTimeField(null=True, blank=True)
    last_reminder_on = models.DateField(null=True, blank=True)
    reminders = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField(editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_unique")
        ]
        indexes = [models.Index(fields=["school", "issued_at"])]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.total - self.amount_paid, Decimal("0.00"))

    @property
    def credit(self) -> Decimal:
        """An overpayment, held as credit for the school (SPEC §5)."""
        return max(self.amount_paid - self.total, Decimal("0.00"))

    def shown_status(self, today=None) -> str:
        if self.status == InvoiceStatus.OPEN and self.due_on < (today or clock.today()):
            return InvoiceStatus.OVERDUE
        return self.status


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=30, choices=LineCode.choices)
    description = models.CharField(max_length=200)
    quantity = models.IntegerField()
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["position"]


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    paid_on = models.DateField()
    registered_at = models.DateTimeField(default=clock.now)
    registered_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["paid_on", "id"]


class ThirdPartyContribution(models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="third_party_contributions"
    )
    programme = models.ForeignKey("schools.Programme", on_delete=models.PROTECT, related_name="+")
    funder = models.CharField(max_length=200)
    funder_email = models.EmailField(blank=True)
    funder_address = models.TextField(blank=True)
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="contribution"
    )
