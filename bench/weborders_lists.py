"""The school's web-order list and the admin's check worklist with 10,000 web orders (issue 9).

Target: p95 ≤ 50 ms server time, warm, for the pages and the API lists. One school holds
10,000 web orders (2,000 pending, 5,000 approved, 2,000 checked, 1,000 rejected, of 200
providers, some likely duplicates); 20 other schools hold another 5,000 approved ones, so the
check worklist has 10,000 entries. Data loaded with bulk inserts (bench/_weborders_data.py).
Requests go through Django's test client in-process (server time, no network), 150 each after
10 warm-up requests; the query count is of one request.

Usage (from the repository root):
    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/scratch uv run python bench/weborders_lists.py [RUNS]
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import os
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

SHOW = bool(os.environ.get("SHOW_SQL"))
PROFILE = os.environ.get("PROFILE", "")  # a page name prefix: print the cProfile of its runs
ONLY = os.environ.get("ONLY", "")  # a page name prefix: measure only those pages


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(client: Client, url: str, runs: int, **headers) -> tuple[float, float, int]:
    for _ in range(10):  # warm up
        assert client.get(url, headers=headers).status_code == 200, url
    queries: list[tuple[float, str]] = []

    def count(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql))

    with connection.execute_wrapper(count):
        client.get(url, headers=headers)
    if SHOW:
        shown = queries if os.environ["SHOW_SQL"] == "all" else sorted(queries, reverse=True)[:3]
        for ms, sql in shown:
            print(f"    {ms:6.1f} ms  {sql[:300]}")
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return statistics.median(samples), p95(samples), len(queries), statistics.median(cpu)


def logged_in(user) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    from _weborders_data import load_weborders, make_providers, make_schools, random_amounts

    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.schools.models import Programme

    prog = Programme.objects.get(code="vo-2024")
    at = dt.datetime(2024, 3, 4, 10, tzinfo=clock.AMSTERDAM)
    tag = f"{int(time.time())}"
    start = time.perf_counter()
    providers = make_providers(200, tag)
    schools = make_schools(21, tag)
    school = schools[0]
    amounts = random_amounts(15_000, seed=3)
    mix = ["pending"] * 2 + ["approved"] * 5 + ["checked"] * 2 + ["rejected"]
    rows = []
    for i in range(10_000):
        amount = amounts[i] if i % 50 else Decimal("100.00")  # every 50th: likely duplicates
        rows.append((school, providers[i % 200 if i % 50 else 0], amount, mix[i % 10]))
    for i in range(5_000):
        rows.append((schools[1 + i % 20], providers[i % 200], amounts[10_000 + i], "approved"))
    load_weborders(rows, prog, at=at)
    print(
        f"database: {connection.vendor}; loaded {len(rows)} web orders "
        f"in {time.perf_counter() - start:.1f} s; ledger_check: {len(problems())} problems"
    )

    bh = User.objects.create_user(email=f"bh{tag}@bench.example", password="x" * 12)
    accounts.grant_role(bh, RoleName.BUDGET_HOLDER, school=school)
    admin = User.objects.create_user(email=f"admin{tag}@bench.example", password="x" * 12)
    accounts.grant_role(admin, RoleName.ADMIN)
    _, bh_token = accounts.create_api_token(bh, name="bench")
    _, admin_token = accounts.create_api_token(admin, name="bench")
    bh_client, admin_client = logged_in(bh), logged_in(admin)
    api = Client()
    base = f"/school/{school.pk}/webbestellingen/"
    pages = [
        ("school page: pending", bh_client, base, {}),
        ("school page: approved", bh_client, f"{base}?status=approved", {}),
        ("school page: all, page 1", bh_client, f"{base}?status=all", {}),
        ("school page: all, last page", bh_client, f"{base}?status=all&page=last", {}),
        (
            "API school list",
            api,
            f"/api/v1/schools/{school.pk}/weborders",
            {"Authorization": f"Bearer {bh_token}"},
        ),
        (
            "API school list, pending",
            api,
            f"/api/v1/schools/{school.pk}/weborders?status=pending",
            {"Authorization": f"Bearer {bh_token}"},
        ),
        ("worklist page", admin_client, "/backoffice/webbestellingen/", {}),
        (
            "worklist page, one provider",
            admin_client,
            f"/backoffice/webbestellingen/?provider={providers[7].pk}",
            {},
        ),
        ("worklist page, last page", admin_client, "/backoffice/webbestellingen/?page=last", {}),
        (
            "API worklist",
            api,
            "/api/v1/admin/weborders",
            {"Authorization": f"Bearer {admin_token}"},
        ),
        (
            "API worklist, min amount",
            api,
            "/api/v1/admin/weborders?min_amount=250",
            {"Authorization": f"Bearer {admin_token}"},
        ),
    ]
    worst = 0.0
    with clock.frozen(at + dt.timedelta(days=2)):
        for name, client, url, headers in pages:
            if not name.startswith(ONLY or PROFILE):
                continue
            if PROFILE:
                import cProfile
                import pstats

                timed(client, url, 10, **headers)  # imports and first-use costs out of the profile
                profiler = cProfile.Profile()
                profiler.enable()
            median, high, queries, cpu = timed(client, url, runs, **headers)
            worst = max(worst, high)
            if PROFILE:
                profiler.disable()
                pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(40)
            print(
                f"{name:30s} p50 {median:6.1f} ms   p95 {high:6.1f} ms   {queries:2d} queries"
                f"   own CPU p50 {cpu:5.1f} ms"
            )
    print(f"worst p95 {worst:.1f} ms (target ≤ 50 ms): {'OK' if worst <= 50 else 'TOO SLOW'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
