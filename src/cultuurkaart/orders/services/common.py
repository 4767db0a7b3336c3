"""Errors, the order state transition and the contacts shared by the orders services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.core.transitions import transition
from cultuurkaart.schools import services as schools_services
from cultuurkaart.schools.models import Programme, School

from ..constants import (
    TRANSITIONS,
)
from ..models import (
    BudgetOrder,
)

PAYMENT_TERM_DAYS = 30
REMINDER_INTERVAL_DAYS = 14


# --- errors (types from API.md) ------------------------------------------------------


class OrderRefused(DomainError):
    status = 422
    title = "Order refused"


class ObjectionPeriodOver(Conflict):
    type = "objection-period-over"
    title = "The objection period is over"


class ObjectionPeriodRunning(Conflict):
    type = "objection-period-running"
    title = "The objection period is still running"


class OcwFundsExhausted(Conflict):
    type = "ocw-funds-exhausted"
    title = "The national OCW budget is exhausted"


def _refuse(type_: str, message: str) -> OrderRefused:
    return OrderRefused(message, type=type_)


def _transition(order: BudgetOrder, status: str) -> None:
    transition(order, status, TRANSITIONS, noun=gettext_lazy("een bestelling"))


def vat_rate() -> Decimal:
    """VAT on budget-order invoices in percent; 0 unless CK_INVOICE_VAT_RATE is set."""
    return Decimal(str(getattr(settings, "CK_INVOICE_VAT_RATE", "0")))


def _programme_for(school: School, code: Any) -> Programme:
    programme = Programme.objects.filter(code=code).first() if isinstance(code, str) else None
    if programme is None or not school.programmes.filter(pk=programme.pk).exists():
        raise ValidationFailed(
            "Unknown programme.",
            errors=[
                {
                    "field": "programme",
                    "code": "unknown-programme",
                    "message": "Deze school doet niet mee aan dit programma.",
                }
            ],
        )
    return programme


# --- contacts -------------------------------------------------------------------------


def budget_holder_emails(school: School) -> set[str]:
    return set(schools_services.budget_holder_emails(school))


def order_contacts(school: School) -> set[str]:
    """Directie and every budget holder (SPEC §1, §5)."""
    return {school.directie_email, *budget_holder_emails(school)} - {""}
