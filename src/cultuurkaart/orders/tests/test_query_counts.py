"""Budget orders, invoices and ledger transactions: every list takes the same number of
queries for 1 and 50 rows (issue 14, point 3; inventory in docs/query-counts.md).

The older tests test_api.test_transactions_list_query_count and
test_pages.test_budget_transactions_and_invoices_pages only bound the count; these compare."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.ledger import services as ledger
from cultuurkaart.orders import services
from cultuurkaart.orders.constants import OrderKind
from cultuurkaart.orders.models import BudgetOrder, Invoice

from .factories import VO_ORDER_AT, order_data, ready_school

pytestmark = pytest.mark.django_db

DECIDE_AT = VO_ORDER_AT + dt.timedelta(days=10)


@pytest.fixture
def shop():
    school = ready_school(duo=500)
    return school, with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


@pytest.fixture
def staff():
    return admin_user()


def _orders(staff, *, approve: bool, into=None):
    """n schools each submit an order (approved: with its invoice); `into`: the orders and
    invoices are then moved to that one school (as supplementary orders)."""

    def add(n):
        for _ in range(n):
            school = ready_school(duo=500)
            bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
            with clock.frozen(VO_ORDER_AT):
                order = services.submit_order(school, order_data(), actor=bh)
            if approve:
                with clock.frozen(DECIDE_AT):
                    services.approve_order(order, actor=staff)
            if into is not None:
                BudgetOrder.objects.filter(pk=order.pk).update(
                    school=into, kind=OrderKind.SUPPLEMENTARY
                )
                Invoice.objects.filter(order=order).update(school=into)

    return add


def _transactions(school):
    prog = school.programmes.get()
    ledger.post_entry(
        kind="release",
        description="x",
        lines=[
            (ledger.account("school", school=school, programme=prog), Decimal("-5000")),
            (ledger.account("invoiced", programme=prog), Decimal("5000")),
        ],
        school=school,
        programme=prog,
    )

    def add(n):
        for i in range(n):
            ledger.debit_collective(school, prog, Decimal("1.00"), description=f"W{i}")

    return add


def test_school_order_list(shop, staff):
    school, bh = shop
    client = page_client(bh)
    assert_flat(
        _orders(staff, approve=True, into=school),
        lambda: client.get(
            f"/school/{school.pk}/bestellingen/", headers={"X-Clock": "2023-10-20T10:00:00+02:00"}
        ),
    )


def test_school_invoice_list(shop, staff):
    school, bh = shop
    client = page_client(bh)
    assert_flat(
        _orders(staff, approve=True, into=school),
        lambda: client.get(f"/school/{school.pk}/facturen/"),
    )


def test_school_transactions_page(shop):
    school, bh = shop
    client = page_client(bh)
    assert_flat(
        _transactions(school), lambda: client.get(f"/school/{school.pk}/budget/transacties/")
    )


@pytest.mark.parametrize("status", ["awaiting", "running", "approved"])
def test_backoffice_order_worklist(staff, status):
    client = page_client(staff)
    at = {"awaiting": DECIDE_AT, "running": VO_ORDER_AT, "approved": DECIDE_AT}[status]
    assert_flat(
        _orders(staff, approve=status == "approved"),
        lambda: client.get(
            f"/backoffice/bestellingen/?status={status}", headers={"X-Clock": at.isoformat()}
        ),
    )


@pytest.mark.parametrize("status", ["open", "overdue"])
def test_backoffice_invoice_list(staff, status):
    client = page_client(staff)
    assert_flat(
        _orders(staff, approve=True),
        lambda: client.get(
            f"/backoffice/facturen/?status={status}",
            headers={"X-Clock": "2024-03-01T10:00:00+01:00"},
        ),
    )


def test_api_school_orders(shop, staff, api_as):
    school, bh = shop
    api = api_as(bh)
    assert_flat(
        _orders(staff, approve=True, into=school),
        lambda: api.get(f"/schools/{school.pk}/budget-orders"),
    )


def test_api_admin_order_worklist(staff, api_as):
    api = api_as(staff, clock=DECIDE_AT.isoformat())
    assert_flat(
        _orders(staff, approve=False), lambda: api.get("/admin/budget-orders?status=awaiting")
    )


def test_api_school_invoices(shop, staff, api_as):
    school, bh = shop
    api = api_as(bh)
    assert_flat(
        _orders(staff, approve=True, into=school), lambda: api.get(f"/schools/{school.pk}/invoices")
    )


def test_api_admin_invoices(staff, api_as):
    api = api_as(staff)
    assert_flat(_orders(staff, approve=True), lambda: api.get("/admin/invoices"))


def test_api_transactions(shop, api_as):
    school, bh = shop
    api = api_as(bh)
    assert_flat(_transactions(school), lambda: api.get(f"/schools/{school.pk}/transactions"))
