"""200 concurrent web-order approvals over HTTP against gunicorn (8 workers) on PostgreSQL,
with budgets that fit only some of them (issue 9).

Targets: zero overspend (`ledger_check` and every bucket ≥ 0), exactly as many approvals as
fit, 409 `insufficient-budget` for the rest, and a throughput of at least 25% of `pgbench`
tpcb-like TPS measured in the same run on the same PostgreSQL server (reported both).

Set-up: 20 schools, each with released money in all three buckets (school €250, OCW €200,
third party €175.50 = €625.50) and 10 pending web orders of €100 → 6 fit per school: 120
approvals, 80 refusals. One budget holder per school with an API token. The client sends
`POST /api/v1/weborders/{id}/approve` from 200 threads released together by a barrier (each
its own connection), in shuffled order across the schools. The money belongs to a copy of
the VO programme whose spending window holds today (the server runs on the real clock).
pgbench (`-c 8 -j 2 -T 15`, scale 10) runs just before against a separate database.

Usage (from the repository root; the database must be PostgreSQL and may be a scratch one):
    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/scratch uv run python bench/weborders_approve_http.py
"""

from __future__ import annotations

import datetime as dt
import glob
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

SCHOOLS, PER_SCHOOL, AMOUNT = 20, 10, Decimal("100.00")
BUDGET = {"school_amount": "250.00", "ocw": "200.00", "third": "175.50"}
FITS = 6  # floor(625.50 / 100)
PORT = 18_791


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def pgbench_tps(url: str) -> float:
    """tpcb-like TPS on a separate database of the same server (scale 10, 8 clients, 15 s)."""
    u = urlparse(url)
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    conn = ["-h", u.hostname, "-p", str(u.port or 5432), "-U", u.username]
    db = "ck_bench_pgbench"
    psql = [pg_bin("psql"), *conn, "-d", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {db}"], env=env, check=True)
    subprocess.run([*psql, f"CREATE DATABASE {db}"], env=env, check=True)
    subprocess.run(
        [pg_bin("pgbench"), *conn, "-i", "-q", "-s", "10", db],
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [pg_bin("pgbench"), *conn, "-c", "8", "-j", "2", "-T", "15", "-b", "tpcb-like", db],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    subprocess.run([*psql, f"DROP DATABASE {db}"], env=env, check=True)
    match = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding)", out)
    return float(match.group(1))


def make_data():
    from _weborders_data import make_providers, make_schools

    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.schools.models import Programme
    from cultuurkaart.weborders.models import WebOrder
    from cultuurkaart.weborders.tests.factories import fund

    # A VO programme whose spending window holds today (the server runs on the real clock).
    tag = f"{int(time.time())}"
    today = clock.today()
    prog = Programme.objects.get(code="vo-2024")
    prog.pk, prog.code = None, f"bench-{tag}"
    prog.spend_from, prog.spend_until = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    prog.save()
    provider = make_providers(1, tag)[0]
    schools = make_schools(SCHOOLS, tag)
    jobs = []
    at = clock.now() - dt.timedelta(days=10)
    for i, school in enumerate(schools):
        fund(school, prog, **BUDGET, at=at)
        user = User.objects.create_user(email=f"bh{i}-{tag}@bench.example", password="x" * 12)
        accounts.grant_role(user, RoleName.BUDGET_HOLDER, school=school)
        _, token = accounts.create_api_token(user, name="bench")
        weborders = WebOrder.objects.bulk_create(
            [
                WebOrder(
                    provider=provider,
                    school=school,
                    programme=prog,
                    amount=AMOUNT,
                    students=25,
                    activity_at=at + dt.timedelta(days=20),
                    activity_on=(at + dt.timedelta(days=20)).date(),
                    description=f"Voorstelling {n}",
                    created_at=at + dt.timedelta(minutes=n),
                )
                for n in range(PER_SCHOOL)
            ]
        )
        jobs += [(school.pk, wo.pk, token) for wo in weborders]
    random.Random(9).shuffle(jobs)
    return schools, prog, jobs


def start_server() -> subprocess.Popen:
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cultuurkaart.conf.wsgi:application",
            "--pythonpath",
            str(ROOT / "src"),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "8",
            "--backlog",
            "512",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(240):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            c.request("GET", "/api/v1/openapi.json")
            c.getresponse().read()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not start")


def warm_up(token: str, n: int = 40) -> None:
    """Touch every worker (imports, connections) with cheap authenticated GETs."""

    def one(_):
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        c.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        c.getresponse().read()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(n)))


def fire(jobs) -> tuple[list, float]:
    barrier = threading.Barrier(len(jobs))

    def one(job):
        _school, weborder, token = job
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        c.connect()
        barrier.wait()
        start = time.perf_counter()
        c.request(
            "POST",
            f"/api/v1/weborders/{weborder}/approve",
            body=b"",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = c.getresponse()
        body = response.read()
        return job, response.status, body, start, time.perf_counter()

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(one, jobs))
    first = min(r[3] for r in results)
    last = max(r[4] for r in results)
    return results, last - first


def main() -> None:
    assert connection.vendor == "postgresql", "this benchmark needs PostgreSQL"
    call_command("migrate", verbosity=0)
    from cultuurkaart.ledger import queries as ledger_queries
    from cultuurkaart.ledger.checks import problems

    schools, prog, jobs = make_data()
    print(
        f"{len(jobs)} pending web orders of €{AMOUNT} over {SCHOOLS} schools; {FITS} fit per school"
    )
    tps = pgbench_tps(os.environ["DATABASE_URL"])
    print(f"pgbench tpcb-like (scale 10, 8 clients, 15 s): {tps:.0f} TPS")
    connection.close()
    server = start_server()
    try:
        warm_up(jobs[0][2])
        results, elapsed = fire(jobs)
    finally:
        server.terminate()
        server.wait(30)

    statuses = Counter(status for _j, status, *_ in results)
    per_school = Counter(job[0] for job, status, *_ in results if status == 200)
    refusals = Counter(
        json.loads(body).get("type") for _j, status, body, *_ in results if status == 409
    )
    ok = statuses[200]
    print(f"responses: {dict(statuses)}; 409 types: {dict(refusals)}")
    print(
        f"approvals per school: min {min(per_school.values())}, max {max(per_school.values())} "
        f"(expected {FITS} each)"
    )
    negative = [
        (s.pk, k, v) for s in schools for k, v in ledger_queries.balances(s, prog).items() if v < 0
    ]
    found = problems()
    rate = len(results) / elapsed
    print(f"ledger_check: {len(found)} problems; negative buckets: {len(negative)}")
    print(
        f"{len(results)} requests in {elapsed:.2f} s: {rate:.0f} requests/s, "
        f"{ok / elapsed:.0f} approvals/s"
    )
    print(
        f"requests/s vs pgbench TPS: {rate / tps:.0%}; approvals/s vs pgbench TPS: "
        f"{ok / elapsed / tps:.0%} (target ≥ 25%)"
    )
    assert ok == SCHOOLS * FITS and all(v == FITS for v in per_school.values())
    assert statuses[409] == len(jobs) - ok and set(refusals) == {"insufficient-budget"}
    assert not found and not negative


if __name__ == "__main__":
    main()
