"""PostgreSQL: the same Idempotency-Key sent twice at the same moment books one payment."""

import datetime as dt
import threading

import pytest
from django.db import connection

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.orders import services
from cultuurkaart.orders.models import BudgetOrder, Payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_concurrent_duplicate_payment_is_booked_once(api_as):
    from cultuurkaart.schools.tests.factories import SchoolFactory, programme

    admin = admin_user()
    now = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
    order = BudgetOrder.objects.create(
        school=SchoolFactory(),
        programme=programme(),
        kind="initial",
        status="awaiting_decision",
        with_contribution=10,
        without_contribution=0,
        teachers=0,
        duo_count=10,
        submitted_at=now - dt.timedelta(days=10),
        objection_deadline=now - dt.timedelta(days=1),
    )
    with clock.frozen(now):
        invoice = services.approve_order(order, actor=admin)
    clients = [api_as(admin, clock=now.isoformat()) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    answers = []

    def pay(client):
        from django.db import connection as conn

        try:
            barrier.wait()
            r = client.post(
                f"/admin/invoices/{invoice.pk}/payments",
                {"amount": "50.00", "paid_on": "2023-10-20"},
                headers={"Idempotency-Key": "same-key"},
            )
            answers.append((r.status_code, r.json()))
        finally:
            conn.close()

    threads = [threading.Thread(target=pay, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert problems() == []
