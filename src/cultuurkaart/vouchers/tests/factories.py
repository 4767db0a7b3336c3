"""Individual budget in tests: a school whose order with students without contribution is
paid (the pool released), students with an active membership, a provider that accepts
individual budget with a person."""

from __future__ import annotations

import datetime as dt

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.memberships.tests.factories import PersonFactory, activated
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.tests.factories import (
    MBO_ORDER_AT,
    VO_ORDER_AT,
    committed,
    order_data,
    ready_school,
)
from cultuurkaart.providers.tests.factories import ProviderFactory

A = clock.AMSTERDAM
# Inside the spending windows (VO 2024: 1 Jan – 31 Dec 2024; MBO pilot: until 31 Dec 2024).
SPEND_AT = dt.datetime(2024, 3, 4, 10, 0, tzinfo=A)
LAST_SECOND = dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=A)
CODES = {"vo": "vo-2024", "mbo": "mbo-pilot"}


def admin():
    return with_role(UserFactory(), RoleName.ADMIN)


def school_with_pool(kind: str = "vo", *, without: int = 3, paid: bool = True):
    """(school, programme, budget holder, invoice): an approved order with `without`
    students without contribution, its invoice paid in full when `paid`."""
    at = VO_ORDER_AT if kind == "vo" else MBO_ORDER_AT
    school = ready_school(kind=kind, duo=10 + without)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    back_office = admin()
    with clock.frozen(at), committed():
        order = orders.submit_order(
            school,
            order_data(CODES[kind], with_contribution=10, without_contribution=without),
            actor=bh,
        )
    with clock.frozen(at + dt.timedelta(days=10)), committed():
        invoice = orders.approve_order(order, actor=back_office)
    if paid:
        pay(invoice, at + dt.timedelta(days=12))
    return school, order.programme, bh, invoice


def pay(invoice, at):
    with clock.frozen(at), committed():
        orders.register_payment(invoice, str(invoice.total), at.date().isoformat(), actor=admin())


def student(school, *, at=None, **kwargs):
    """A student on the roster with an active membership (activated at `at`); returns
    (person, membership)."""
    person = PersonFactory(school=school, **kwargs)
    moment = at or (
        dt.datetime(2023, 11, 1, 9, 0, tzinfo=A)
        if school.kind == "vo"
        else dt.datetime(2022, 12, 1, 9, 0, tzinfo=A)
    )
    with clock.frozen(moment), committed():
        membership = activated(person)
    return person, membership


def voucher_provider(**kwargs):
    """An accepted provider that accepts individual budget, and a person of it."""
    provider = ProviderFactory(accepts_individual_budget=True, **kwargs)
    return provider, with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
