"""Concurrency on PostgreSQL: buckets never go negative, invoice numbers have no gaps."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger import queries, services
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def run_threads(count, target):
    barrier = threading.Barrier(count)
    results = []

    def worker(i):
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(("ok", target(i)))
        except Exception as exc:
            results.append(("error", exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_debits_never_make_a_bucket_negative():
    school, prog = SchoolFactory(), programme()
    services.post_entry(
        kind=EntryKind.RELEASE,
        description="Budget vrijgegeven",
        lines=[
            (
                services.account(AccountKind.SCHOOL, school=school, programme=prog),
                Decimal("-60.00"),
            ),
            (services.account(AccountKind.OCW, school=school, programme=prog), Decimal("-40.00")),
            (services.account(AccountKind.INVOICED, programme=prog), Decimal("100.00")),
        ],
        school=school,
        programme=prog,
    )
    results = run_threads(
        16,
        lambda i: services.debit_collective(
            school, prog, Decimal("10.00"), description=f"Webbestelling {i}"
        ),
    )
    ok = [r for kind, r in results if kind == "ok"]
    errors = [r for kind, r in results if kind == "error"]
    assert len(ok) == 10
    assert all(isinstance(e, services.InsufficientBudget) for e in errors), errors
    assert queries.balances(school, prog)["school"] == 0
    assert queries.balances(school, prog)["ocw"] == 0
    assert sum(d.split["school"] for d in ok) == Decimal("60.00")
    assert problems() == []


def test_concurrent_approvals_get_gapless_unique_invoice_numbers():
    from cultuurkaart.accounts.tests.factories import admin_user
    from cultuurkaart.orders import services as orders
    from cultuurkaart.orders.models import BudgetOrder

    admin = admin_user()
    prog = programme()
    now = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
    order_ids = [
        BudgetOrder.objects.create(
            school=SchoolFactory(),
            programme=prog,
            kind="initial",
            status="awaiting_decision",
            with_contribution=10,
            without_contribution=2,
            teachers=0,
            duo_count=12,
            submitted_at=now - dt.timedelta(days=10),
            objection_deadline=now - dt.timedelta(days=1),
        ).pk
        for _ in range(12)
    ]

    def approve(i):
        with clock.frozen(now):
            return orders.approve_order(
                BudgetOrder.objects.get(pk=order_ids[i]), actor=admin
            ).number

    results = run_threads(12, approve)
    assert all(kind == "ok" for kind, _ in results), results
    numbers = sorted(n for _, n in results)
    assert numbers == [f"23{i:06d}" for i in range(1, 13)]
    assert problems() == []
