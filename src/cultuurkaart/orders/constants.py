from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    INITIAL = "initial", _("Eerste bestelling")
    SUPPLEMENTARY = "supplementary", _("Bijbestelling")


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Ingediend, bezwaartermijn loopt")
    AWAITING_DECISION = "awaiting_decision", _("Wacht op beoordeling")
    APPROVED = "approved", _("Goedgekeurd")
    REJECTED = "rejected", _("Afgewezen")
    CANCELLED = "cancelled", _("Geannuleerd")
    CANCELLED_UNPAID = "cancelled_unpaid", _("Vervallen wegens niet betalen")
    CREDITED = "credited", _("Gecrediteerd")


TRANSITIONS = {
    OrderStatus.SUBMITTED: {
        OrderStatus.AWAITING_DECISION,
        OrderStatus.CANCELLED,
        OrderStatus.APPROVED,
        OrderStatus.REJECTED,
    },
    OrderStatus.AWAITING_DECISION: {OrderStatus.APPROVED, OrderStatus.REJECTED},
    # A credit note on the order's invoice ends it (SPEC §5, decision M8-3).
    OrderStatus.APPROVED: {OrderStatus.CANCELLED_UNPAID, OrderStatus.CREDITED},
    OrderStatus.REJECTED: set(),
    OrderStatus.CANCELLED: set(),
    # A payment dated before the cancellation moment reinstates the order (SPEC §5).
    OrderStatus.CANCELLED_UNPAID: {OrderStatus.APPROVED, OrderStatus.CREDITED},
    OrderStatus.CREDITED: set(),
}

# Orders that count for "already ordered" and the supplementary deviation total.
LIVE = [OrderStatus.SUBMITTED, OrderStatus.AWAITING_DECISION, OrderStatus.APPROVED]
AWAITING = [OrderStatus.SUBMITTED, OrderStatus.AWAITING_DECISION]


class InvoiceKind(models.TextChoices):
    BUDGET_ORDER = "budget_order", _("Budgetbestelling")
    THIRD_PARTY = "third_party", _("Bijdrage derden")
    CREDIT_NOTE = "credit_note", _("Creditnota")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Betaald")
    OVERDUE = "overdue", _("Te laat")  # derived: open and past its due date
    CANCELLED = "cancelled", _("Gecrediteerd")


class LineCode(models.TextChoices):
    SCHOOL_CONTRIBUTION = "school_contribution", _("Bijdrage school")
    ADMIN_FEE = "admin_fee", _("Administratiekosten")
    TEACHER_MEMBERSHIP = "teacher_membership", _("Lidmaatschap docenten")
    TEACHER_MEMBERSHIP_FREE = "teacher_membership_free", _("Gratis docentlidmaatschappen")
    THIRD_PARTY = "third_party", _("Bijdrage derden")
    DOSSIER = "dossier", _("Cultuurkaart-dossier")
