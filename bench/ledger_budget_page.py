"""Budget page and transactions overview with 5,000 ledger entries (issue 5).

Target: ≤ 50 ms server time (p95) on PostgreSQL for both pages, and for the matching
API endpoints. A school gets a paid budget order and then 5,000 web-order debits through
`ledger.services.debit_collective` (each one balanced entry); the pages are then requested
through Django's test client (in-process: the time is the server's, no network).

Usage (from the repository root):
    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/scratch uv run python bench/ledger_budget_page.py [N]
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

# No collectstatic in a scratch run: serve static names unhashed.
override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(client: Client, url: str, runs: int = 200, **headers) -> tuple[float, float]:
    for _ in range(10):  # warm up
        assert client.get(url, headers=headers).status_code == 200
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(samples), p95(samples)


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.ledger import services as ledger
    from cultuurkaart.ledger.models import Entry
    from cultuurkaart.orders import services as orders
    from cultuurkaart.orders.models import BudgetOrder
    from cultuurkaart.schools.models import Location, Programme, School

    prog = Programme.objects.get(code="vo-2024")
    tag = f"{int(time.time())}"
    location = Location.objects.create(code=f"B{tag[-8:]}", kind="vo", name="Bench", students=n)
    school = School.objects.create(
        name=f"Bench {tag}",
        kind="vo",
        status="active",
        school_number=tag[-7:],
        board_name="b",
        board_email="b@x.example",
        directie_name="d",
        directie_email="d@x.example",
        budget_holder_name="bh",
        budget_holder_email="bh@x.example",
        invoice_email="i@x.example",
    )
    school.locations.set([location])
    school.programmes.set([prog])
    user = User.objects.create_user(email=f"bh{tag}@bench.example", password="x" * 12)
    accounts.grant_role(user, RoleName.BUDGET_HOLDER, school=school)
    admin = User.objects.create_user(email=f"admin{tag}@bench.example", password="x" * 12)
    accounts.grant_role(admin, RoleName.ADMIN)

    at = dt.datetime(2023, 10, 2, 10, tzinfo=clock.AMSTERDAM)
    order = BudgetOrder.objects.create(
        school=school,
        programme=prog,
        kind="initial",
        status="awaiting_decision",
        with_contribution=n,
        without_contribution=0,
        teachers=0,
        duo_count=n,
        submitted_at=at,
        objection_deadline=at + dt.timedelta(days=7),
    )
    with clock.frozen(at + dt.timedelta(days=10)):
        invoice = orders.approve_order(order, actor=admin)
        orders.register_payment(invoice, str(invoice.total), "2023-10-12", actor=admin)
    start = time.perf_counter()
    with clock.frozen(dt.datetime(2024, 2, 1, 10, tzinfo=clock.AMSTERDAM)):
        for i in range(n):
            ledger.debit_collective(school, prog, Decimal("2.50"), description=f"Webbestelling {i}")
    fill = time.perf_counter() - start
    entries = Entry.objects.filter(school=school).count()

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _, token = accounts.create_api_token(user, name="bench")

    print(
        f"database: {connection.vendor}; school has {entries} ledger entries "
        f"(debit_collective: {n / fill:.0f} debits/s)"
    )
    pages = [
        ("budget page", f"/school/{school.pk}/budget/", {}),
        ("transactions page 1", f"/school/{school.pk}/budget/transacties/", {}),
        ("transactions last page", f"/school/{school.pk}/budget/transacties/?page=last", {}),
        ("API budget", f"/api/v1/schools/{school.pk}/budget", {"Authorization": f"Bearer {token}"}),
        (
            "API transactions",
            f"/api/v1/schools/{school.pk}/transactions",
            {"Authorization": f"Bearer {token}"},
        ),
    ]
    worst = 0.0
    for name, url, headers in pages:
        median, high = timed(client, url, **headers)
        worst = max(worst, high)
        print(f"{name:28s} median {median:6.1f} ms   p95 {high:6.1f} ms")
    print(f"worst p95 {worst:.1f} ms (target ≤ 50 ms): {'OK' if worst <= 50 else 'TOO SLOW'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
