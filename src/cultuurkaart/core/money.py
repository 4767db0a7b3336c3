"""Money helpers: Decimal with two places, rounded half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# Bounds of every money input (issue 8 point 10): 0 < amount ≤ 10,000,000.00 unless a
# rule says otherwise (rates may be 0; the national OCW total may be larger).
MAX_AMOUNT = Decimal("10000000.00")
MAX_NATIONAL_TOTAL = Decimal("1000000000.00")


class MoneyError(ValueError):
    """Not an acceptable amount; `code` is the stable error code for field errors."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_money(
    value: str | int | Decimal,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    allow_zero: bool = True,
) -> Decimal:
    """Parse a money value ("123.45", 12, Decimal): finite, at most two decimals, within
    the bounds when given. Raises `MoneyError` (a ValueError) otherwise; never lets
    `1e30`, `NaN`, `Infinity` or `0.001` through, and never overflows (the bounds are
    checked before quantizing)."""
    if isinstance(value, bool | float):
        raise MoneyError("invalid", "Geef een bedrag als tekst met hoogstens twee decimalen.")
    if not isinstance(value, str | int | Decimal):
        raise MoneyError("invalid", "Vul een bedrag in.")
    text = str(value).strip()
    if len(text) > 40:
        raise MoneyError("invalid", "Vul een bedrag in.")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError("invalid", "Vul een bedrag in, bijvoorbeeld 123.45.") from exc
    if not amount.is_finite():
        raise MoneyError("invalid", "Vul een bedrag in, bijvoorbeeld 123.45.")
    if maximum is not None and amount > maximum:
        raise MoneyError("too-large", f"Het bedrag is hoogstens {format_eur(maximum)}.")
    if abs(amount) >= Decimal("1e13"):
        raise MoneyError("too-large", "Het bedrag is te groot.")
    if amount != amount.quantize(CENT):
        raise MoneyError("too-many-decimals", "Gebruik hoogstens twee decimalen.")
    amount = amount.quantize(CENT)
    if not allow_zero and amount == 0:
        raise MoneyError("not-positive", "Het bedrag moet groter zijn dan € 0,00.")
    if minimum is not None and amount < minimum:
        code = "not-positive" if minimum in (ZERO, CENT) else "too-small"
        raise MoneyError(code, f"Het bedrag is minstens {format_eur(minimum)}.")
    return amount


def parse_amount(value: str | int | Decimal, *, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A payment-like amount: 0 < amount ≤ `maximum` (default € 10.000.000,00)."""
    return parse_money(value, minimum=CENT, maximum=maximum, allow_zero=False)


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
