"""Approving 1,000 budget orders and generating their invoices with PDFs (issue 5).

Target: ≤ 60 s for the batch on PostgreSQL. Each approval is the real service
(`orders.services.approve_order`): programme row lock, OCW cap check, gapless invoice
number from the locked counter, invoice lines, PDF (fpdf2), the invoice_issued ledger
entry, audit entries and the two e-mails (to the console backend's bit bucket here).

Usage (from the repository root):
    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/scratch uv run python bench/orders_approve_batch.py [N]
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend").enable()


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.orders import services as orders
    from cultuurkaart.orders.models import BudgetOrder, Invoice
    from cultuurkaart.schools.models import Location, Programme, School

    prog = Programme.objects.get(code="vo-2024")
    tag = f"{int(time.time())}"
    admin = User.objects.create_user(email=f"admin{tag}@bench.example", password="x" * 12)
    accounts.grant_role(admin, RoleName.ADMIN)
    at = dt.datetime(2023, 10, 2, 10, tzinfo=clock.AMSTERDAM)
    locations = Location.objects.bulk_create(
        [
            Location(code=f"A{tag[-6:]}{i:04d}", kind="vo", name=f"L{i}", students=800)
            for i in range(n)
        ]
    )
    schools = School.objects.bulk_create(
        [
            School(
                name=f"Bench College {i}",
                kind="vo",
                status="active",
                school_number=f"9{tag[-2:]}{i:04d}",
                board_name="b",
                board_email=f"b{i}@x.example",
                directie_name="d",
                directie_email=f"d{i}@x.example",
                budget_holder_name="bh",
                budget_holder_email=f"bh{i}@x.example",
                invoice_email=f"i{i}@x.example",
                invoice_address="Postbus 1\n1000 AA Amsterdam",
            )
            for i in range(n)
        ]
    )
    School.locations.through.objects.bulk_create(
        [
            School.locations.through(school=s, location=loc)
            for s, loc in zip(schools, locations, strict=True)
        ]
    )
    order_list = BudgetOrder.objects.bulk_create(
        [
            BudgetOrder(
                school=s,
                programme=prog,
                kind="initial",
                status="awaiting_decision",
                with_contribution=700,
                without_contribution=100,
                teachers=45,
                duo_count=800,
                reference=f"PO-{i}",
                submitted_at=at,
                objection_deadline=at + dt.timedelta(days=7),
            )
            for i, s in enumerate(schools)
        ]
    )
    # A programme cap that all of them fit in.
    Programme.objects.filter(pk=prog.pk).update(ocw_total=None)
    before = Invoice.objects.count()
    start = time.perf_counter()
    with clock.frozen(at + dt.timedelta(days=10)):
        for order in order_list:
            orders.approve_order(order, actor=admin)
    elapsed = time.perf_counter() - start
    issued = Invoice.objects.count() - before
    sizes = [
        len(bytes(p)) for p in Invoice.objects.order_by("-id").values_list("pdf", flat=True)[:n]
    ]
    print(
        f"database: {connection.vendor}; approved {issued} orders with invoices + PDFs "
        f"in {elapsed:.1f} s ({issued / elapsed:.0f}/s; PDF ≈ {sum(sizes) // len(sizes)} bytes)"
    )
    print(f"target ≤ 60 s: {'OK' if elapsed <= 60 else 'TOO SLOW'}")
    start = time.perf_counter()
    found = problems()
    print(f"ledger_check: {len(found)} problems ({time.perf_counter() - start:.1f} s)")
    assert settings.EMAIL_BACKEND.endswith("dummy.EmailBackend")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
