"""PostgreSQL concurrency: one payment per Idempotency-Key; teacher memberships up to the number ordered."""

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


def test_concurrent_teacher_activations_take_the_last_membership_once(api_as):
    """Decision M8-7: the school row serialises teacher activations, so six teachers
    activating at the same moment for two ordered memberships get two memberships."""
    from cultuurkaart.memberships import services as memberships
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.memberships.tests.factories import PersonFactory, activation_data
    from cultuurkaart.rosters.constants import RosterKind
    from cultuurkaart.schools.tests.factories import SchoolFactory, programme

    school = SchoolFactory()
    now = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
    BudgetOrder.objects.create(
        school=school,
        programme=programme(),
        kind="initial",
        status="approved",
        with_contribution=10,
        without_contribution=0,
        teachers=2,
        duo_count=10,
        submitted_at=now,
        objection_deadline=now,
    )
    codes = [
        memberships.issue_code(
            PersonFactory(school=school, kind=RosterKind.TEACHERS, year=None, group="")
        )
        for _ in range(6)
    ]
    barrier = threading.Barrier(len(codes))
    statuses = []

    def activate(n, code):
        from django.db import connection as conn

        try:
            barrier.wait()
            r = api_as(None, clock=now.isoformat()).post(
                "/activations",
                {"code": code, **activation_data(email=f"docent{n}@example.org")},
                REMOTE_ADDR=f"10.2.0.{n}",
            )
            statuses.append(r.status_code)
        finally:
            conn.close()

    threads = [threading.Thread(target=activate, args=(n, c)) for n, c in enumerate(codes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 201, 409, 409, 409, 409]
    assert Membership.objects.filter(school=school, kind="teacher").count() == 2
