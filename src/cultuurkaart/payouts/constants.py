"""Payout constants (SPEC §8)."""

from decimal import Decimal

# The provider's contribution: 5% of each item, per item in cents, ROUND_HALF_UP.
FEE_RATE = Decimal("0.05")


class HoldReason:
    IBAN_HOLD = "iban-hold"  # IBAN changed less than 3 working days ago (payment diversion)
    NO_IBAN = "no-iban"
