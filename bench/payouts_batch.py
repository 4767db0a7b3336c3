"""A payout batch over 100,000 checked web orders of 1,200 providers (issue 9).

Target: ≤ 30 s on PostgreSQL for `payouts.services.create_payout_batch` plus the SEPA
credit-transfer file (`payouts.sepa.sepa_xml`, pain.001.001.03, validated against the XSD),
with set-based queries: the number of queries must not grow with the number of web orders.
The data (providers, 40 schools, checked web orders with their approval entries) is loaded
with bulk inserts (bench/_weborders_data.py); `ledger_check` runs before and after.

Usage (from the repository root):
    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/scratch uv run python bench/payouts_batch.py [N] [PROVIDERS]
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

override_settings(
    CK_PAYEE_NAME="Stichting Cultuurkaartcentrale",
    CK_PAYEE_IBAN="NL91ABNA0417164300",
    CK_PAYEE_BIC="ABNANL2A",
).enable()


def main(n: int, n_providers: int) -> None:
    call_command("migrate", verbosity=0)
    from _weborders_data import load_weborders, make_providers, make_schools, random_amounts

    from cultuurkaart.core import clock
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.payouts import services as payouts
    from cultuurkaart.payouts.models import PayoutLine
    from cultuurkaart.payouts.sepa import sepa_xml
    from cultuurkaart.schools.models import Programme
    from cultuurkaart.weborders.models import WebOrder

    prog = Programme.objects.get(code="vo-2024")
    at = dt.datetime(2024, 3, 4, 10, tzinfo=clock.AMSTERDAM)
    tag = f"{int(time.time())}"
    # Anything checked earlier in this scratch database is paid first (not measured).
    with clock.frozen(at + dt.timedelta(days=1)):
        if WebOrder.objects.filter(status="checked", payout_line__isnull=True).exists():
            payouts.create_payout_batch()

    start = time.perf_counter()
    providers = make_providers(n_providers, tag)
    schools = make_schools(40, tag)
    amounts = random_amounts(n)
    rows = [
        (schools[i % len(schools)], providers[i % len(providers)], amounts[i], "checked")
        for i in range(n)
    ]
    load_weborders(rows, prog, at=at)
    print(
        f"database: {connection.vendor}; loaded {n} checked web orders of {n_providers} "
        f"providers in {time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    found = problems()
    print(f"ledger_check before: {len(found)} problems ({time.perf_counter() - start:.1f} s)")

    with clock.frozen(at + dt.timedelta(days=1)), CaptureQueriesContext(connection) as q:
        start = time.perf_counter()
        batch = payouts.create_payout_batch()
        made = time.perf_counter() - start
        xml = sepa_xml(batch)
        total = time.perf_counter() - start
    paid = PayoutLine.objects.filter(item__batch=batch).count()
    print(
        f"batch {batch.pk}: {paid} web orders, {batch.items.count()} providers, gross "
        f"{batch.total_gross} = fee {batch.total_fee} + net {batch.total_net}"
    )
    print(
        f"create_payout_batch {made:.1f} s + SEPA file {total - made:.1f} s "
        f"({len(xml) / 1e6:.1f} MB) = {total:.1f} s; {len(q.captured_queries)} queries"
    )
    print(f"target ≤ 30 s: {'OK' if total <= 30 else 'TOO SLOW'}")
    start = time.perf_counter()
    found = problems()
    print(f"ledger_check after: {len(found)} problems ({time.perf_counter() - start:.1f} s)")
    assert batch.total_fee + batch.total_net == batch.total_gross


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 1_200,
    )
