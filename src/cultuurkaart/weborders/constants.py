"""Web-order statuses and their allowed moves (SPEC §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebOrderStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op goedkeuring")
    APPROVED = "approved", _("Goedgekeurd")
    REJECTED = "rejected", _("Afgewezen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    EXPIRED = "expired", _("Vervallen")
    CHECKED = "checked", _("Gecontroleerd")
    INVALID = "invalid", _("Ongeldig")
    REVERSED = "reversed", _("Teruggedraaid")
    PAID_OUT = "paid_out", _("Uitbetaald")
    # After payout: a correction returned the money to the school; the provider's next
    # payouts are reduced by what it received (payouts.services.correct_paid_weborder).
    CORRECTED = "corrected", _("Gecorrigeerd na uitbetaling")


S = WebOrderStatus
TRANSITIONS = {
    S.PENDING: {S.APPROVED, S.REJECTED, S.WITHDRAWN, S.EXPIRED},
    S.APPROVED: {S.CHECKED, S.INVALID, S.REVERSED},
    S.CHECKED: {S.REVERSED, S.PAID_OUT},
    S.PAID_OUT: {S.CORRECTED},
}
# A web order that still stands (or stood and was paid): another one with the same
# provider, school, amount and activity date is a likely duplicate (SPEC §8).
LIVE = (S.PENDING, S.APPROVED, S.CHECKED, S.PAID_OUT)
# Holding the school's money (booked on approval, not returned).
MONEY_TAKEN = (S.APPROVED, S.CHECKED, S.PAID_OUT)
