"""The dossier's price on the budget order (SPEC §11; decision in docs/decisions.md): VO
€2 per ordered student per year as a line of the budget order when the school asked for it
(`dossier_interest`); free for MBO (rate 0, no line)."""

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core import clock
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Account
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.constants import LineCode
from cultuurkaart.orders.tests.factories import (
    MBO_ORDER_AT,
    VO_ORDER_AT,
    committed,
    order_data,
    ready_school,
)

pytestmark = pytest.mark.django_db


def _lines(invoice):
    return {line.code: line for line in invoice.lines.all()}


def _approved(kind: str, interest: bool, **numbers):
    at = VO_ORDER_AT if kind == "vo" else MBO_ORDER_AT
    code = "vo-2024" if kind == "vo" else "mbo-pilot"
    school = ready_school(kind=kind, duo=sum(numbers.values()))
    data = order_data(code, dossier_interest=interest, **numbers)
    with clock.frozen(at), committed():
        order = orders.submit_order(school, data, actor=None)
    with clock.frozen(at + dt.timedelta(days=10)), committed():
        return orders.approve_order(order, actor=admin_user())


def test_vo_order_with_interest_has_a_dossier_line_per_student():
    invoice = _approved("vo", True, with_contribution=20, without_contribution=5)
    line = _lines(invoice)[LineCode.DOSSIER]
    assert (line.quantity, line.unit_price, line.amount) == (25, Decimal("2.00"), Decimal("50.00"))
    without = _approved("vo", False, with_contribution=20, without_contribution=5)
    assert LineCode.DOSSIER not in _lines(without)
    assert invoice.subtotal - without.subtotal == Decimal("50.00")


def test_mbo_dossier_is_free_no_line():
    invoice = _approved("mbo", True, with_contribution=10, without_contribution=10)
    assert LineCode.DOSSIER not in _lines(invoice)
    assert invoice.total == Decimal("130.00")  # the same as without interest


def test_quote_shows_the_line_before_ordering():
    school = ready_school(kind="vo", duo=30)
    with clock.frozen(VO_ORDER_AT):
        quote = orders.quote_for(
            school,
            order_data(with_contribution=10, without_contribution=0, dossier_interest=True),
        )
    assert [line.code for line in quote.lines][-1] == LineCode.DOSSIER
    assert quote.lines[-1].amount == Decimal("20.00")


def test_payment_books_the_dossier_line_as_income_not_budget():
    invoice = _approved("vo", True, with_contribution=10, without_contribution=0)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=12)), committed():
        orders.register_payment(invoice, str(invoice.total), "2023-10-14", actor=admin_user())
    income = Account.objects.get(kind=AccountKind.DOSSIER_INCOME, programme=invoice.programme)
    assert -income.balance == Decimal("20.00")
    school_bucket = Account.objects.get(
        kind=AccountKind.SCHOOL, school=invoice.school, programme=invoice.programme
    )
    assert -school_bucket.balance == Decimal("10.00") * invoice.programme.rate_school
