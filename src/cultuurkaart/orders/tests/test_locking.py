"""PostgreSQL: locking an order or an invoice locks that row only (docs/locking.md).

While the service holds its locks (probed from inside its transaction, when it writes the
audit entry), a second connection can still lock the school and (but for a payment, which
locks it on purpose) the national programme row,
and can take a key-share lock on the locked row itself (FOR NO KEY UPDATE), but cannot lock
that row for update.
"""

import datetime as dt

import pytest
from django.db import OperationalError, connection, connections

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core import audit, clock
from cultuurkaart.orders import services
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.schools.models import Programme, School
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

NOW = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)


def _lockable(model, pk, mode: str = "UPDATE") -> bool:
    """From a second connection: can this row be locked at once? (The row must exist.)"""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {model._meta.db_table} WHERE id = %s FOR {mode} NOWAIT", [pk]
            )
            assert cursor.fetchone() is not None, "the probe must see the committed row"
            return True
    except OperationalError:
        return False
    finally:
        other.close()


@pytest.fixture
def probe(monkeypatch):
    """Runs the given checks inside the service's transaction, at its audit entry."""
    seen: dict[str, dict[str, bool]] = {}
    original = audit.record

    def install(action: str, checks: dict):
        def record(name, *args, **kwargs):
            if name == action and action not in seen:
                seen[action] = {label: check() for label, check in checks.items()}
            return original(name, *args, **kwargs)

        monkeypatch.setattr(audit, "record", record)
        return seen

    return install


def _awaiting_order() -> BudgetOrder:
    return BudgetOrder.objects.create(
        school=SchoolFactory(),
        programme=programme(),
        kind="initial",
        status="awaiting_decision",
        with_contribution=10,
        without_contribution=0,
        teachers=0,
        duo_count=10,
        submitted_at=NOW - dt.timedelta(days=10),
        objection_deadline=NOW - dt.timedelta(days=1),
    )


def test_locking_an_order_leaves_its_school_and_programme_free(probe):
    order = _awaiting_order()
    seen = probe(
        "orders.order.rejected",
        {
            "school": lambda: _lockable(School, order.school_id),
            "programme": lambda: _lockable(Programme, order.programme_id),
            "order": lambda: _lockable(BudgetOrder, order.pk),
            "order key share": lambda: _lockable(BudgetOrder, order.pk, "KEY SHARE"),
        },
    )
    with clock.frozen(NOW):
        services.reject_order(order, "Aantallen kloppen niet.", actor=admin_user())
    assert seen["orders.order.rejected"] == {
        "school": True,
        "programme": True,
        "order": False,
        "order key share": True,
    }


def test_a_payment_locks_its_invoice_and_programme_but_leaves_the_school_free(probe):
    """The programme row is locked on purpose (decision M8-4): a payment dated in time may
    reinstate a cancelled order and its OCW under the national cap, so payments on
    budget-order invoices queue with approvals (programme → order → invoice). The school row
    is never locked through the join."""
    admin = admin_user()
    order = _awaiting_order()
    with clock.frozen(NOW):
        invoice = services.approve_order(order, actor=admin)
    seen = probe(
        "orders.payment.registered",
        {
            "school": lambda: _lockable(School, invoice.school_id),
            "programme": lambda: _lockable(Programme, invoice.programme_id),
            "invoice": lambda: _lockable(Invoice, invoice.pk),
        },
    )
    with clock.frozen(NOW):
        services.register_payment(invoice, "10.00", "2023-10-20", actor=admin)
    assert seen["orders.payment.registered"] == {
        "school": True,
        "programme": False,
        "invoice": False,
    }
