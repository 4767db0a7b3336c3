"""Money helpers: Decimal with two places, rounded half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value: str | int | Decimal) -> Decimal:
    """Parse an API money value ("123.45"); raises ValueError when it is not one."""
    if isinstance(value, float):
        raise ValueError("money must be a decimal string, not a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("not a decimal amount") from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError("at most two decimals")
    return amount.quantize(CENT)


def to_api(value: Decimal) -> str:
    return str(quantize(value))


def format_eur(value: Decimal | int | str | None) -> str:
    """Dutch format: € 1.234,56 (negative: € -1.234,56)."""
    if value is None or value == "":
        return ""
    amount = quantize(Decimal(value))
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"€\u00a0{sign}{'.'.join(groups)},{cents}"
