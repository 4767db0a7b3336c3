"""The shared input types for money and dates: one for the API (pydantic, used in
django-ninja schemas) and one for forms (Django form fields). Every money field of the
platform uses these, so the bounds of `core.money` and `core.clock` hold everywhere:
a decimal string with at most two decimals, 0 < amount ≤ 10,000,000.00 unless a rule
says otherwise; dates 2000-01-01..2100-12-31. Anything else is a 422 validation error
(API) or a field error (forms), never a 500.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from . import clock
from .money import CENT, MAX_AMOUNT, MAX_NATIONAL_TOTAL, ZERO, MoneyError, parse_money


def money_pattern(maximum: Decimal, allow_zero: bool) -> str:
    """The JSON-schema pattern of a money string up to `maximum` (a power of ten), so a
    schema-driven client or fuzzer generates only values the API accepts."""
    top = int(maximum)
    digits = len(str(top)) - 1
    nonzero = "" if allow_zero else r"(?!0*(\.0*)?$)"
    return rf"^{nonzero}({top}(\.0{{1,2}})?|[0-9]{{1,{digits}}}(\.[0-9]{{1,2}})?)$"


def _api_money(minimum: Decimal, maximum: Decimal, allow_zero: bool):
    def validate(value: Any) -> Decimal:
        try:
            return parse_money(value, minimum=minimum, maximum=maximum, allow_zero=allow_zero)
        except MoneyError as exc:
            raise PydanticCustomError(f"money-{exc.code}", exc.message) from None

    return Annotated[
        Decimal,
        BeforeValidator(validate),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": money_pattern(maximum, allow_zero),
                "description": (
                    f"Euros as a decimal string with at most two decimals, "
                    f"{'0 ≤' if allow_zero else '0 <'} amount ≤ {maximum}"
                ),
                "examples": ["123.45"],
            }
        ),
    ]


# 0 < amount ≤ 10,000,000.00: payments, contributions, prices.
ApiMoney = _api_money(CENT, MAX_AMOUNT, allow_zero=False)
# 0 ≤ rate ≤ 10,000,000.00: a programme's rates (a rate may be 0, e.g. MBO teachers).
ApiRate = _api_money(ZERO, MAX_AMOUNT, allow_zero=True)
# 0 < total ≤ 1,000,000,000.00: the national OCW total of a programme.
ApiNationalTotal = _api_money(CENT, MAX_NATIONAL_TOTAL, allow_zero=False)


def _sane_date(day: dt.date) -> dt.date:
    if not clock.is_sane_date(day):
        raise PydanticCustomError(
            "date-out-of-range",
            "Date must be between {earliest} and {latest}",
            {"earliest": str(clock.EARLIEST_DATE), "latest": str(clock.LATEST_DATE)},
        )
    return day


ApiDate = Annotated[
    dt.date,
    AfterValidator(_sane_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"YYYY-MM-DD, {clock.EARLIEST_DATE} to {clock.LATEST_DATE}",
        }
    ),
]


class MoneyFormField(forms.DecimalField):
    """A money input in a form: at most two decimals, within the bounds; also accepts a
    Dutch decimal comma ("12,50")."""

    def __init__(
        self,
        *,
        minimum: Decimal = CENT,
        maximum: Decimal = MAX_AMOUNT,
        allow_zero: bool = False,
        **kwargs,
    ):
        self.minimum, self.maximum, self.allow_zero = minimum, maximum, allow_zero
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": str(minimum)})
        self.widget.attrs["max"] = str(maximum)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            return parse_money(
                text, minimum=self.minimum, maximum=self.maximum, allow_zero=self.allow_zero
            )
        except MoneyError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

    def validate(self, value):
        forms.Field.validate(self, value)

    def run_validators(self, value):
        return None


class SaneDateFormField(forms.DateField):
    """A date input in a form, 2000-01-01..2100-12-31."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"min": clock.EARLIEST_DATE.isoformat(), "max": clock.LATEST_DATE.isoformat()}
        )

    def validate(self, value):
        super().validate(value)
        if value and not clock.is_sane_date(value):
            raise ValidationError(
                _("Kies een datum tussen %(earliest)s en %(latest)s."),
                code="date-out-of-range",
                params={
                    "earliest": clock.EARLIEST_DATE.strftime("%d-%m-%Y"),
                    "latest": clock.LATEST_DATE.strftime("%d-%m-%Y"),
                },
            )
