"""Voucher redemptions over HTTP (issue 10): ≥ 1,000 per minute with no double redemption.

gunicorn (sync workers, production-like settings: DEBUG off) serves the real API on loopback;
concurrent clients (threads, one keep-alive connection each) send `POST /api/v1/vouchers/redeem`
with a provider's API token and an `Idempotency-Key`:

1. throughput: N distinct vouchers, spread over 4 providers, redeemed by C concurrent clients;
   every answer must be 200;
2. duplicates: D further vouchers, each code sent K times at once by different clients
   (different idempotency keys, so only the row lock decides); exactly one 200 per code, the
   others 409 `voucher-used`;
3. the database afterwards: every voucher redeemed once, one redemption entry each, the
   provider-payable balance equal to their sum, `ledger_check` green.

The data are made directly (a programme whose spending window contains today, a school, active
student memberships, assignments through `vouchers.services.assign`, vouchers created as a claim
would create them), so the run measures redemption only.

Usage (from the repository root; the database is migrated and filled, use a scratch one):
    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/scratch uv run python bench/vouchers_redeem.py \
        [N=1000] [clients=4] [workers=2] [D=100] [K=4]
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

PROVIDERS = 4
LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "ck-bench-vouchers-gunicorn.log"


def make_data(n_total: int):
    """A school with `n_total` students assigned individual budget and one claimed voucher
    each (spread over the providers). Returns ({provider id: token}, [(provider id, code)])."""
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.ledger import services as ledger
    from cultuurkaart.ledger.constants import AccountKind, EntryKind
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.orders.models import BudgetOrder
    from cultuurkaart.providers.models import Provider
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import Programme, School
    from cultuurkaart.vouchers import services
    from cultuurkaart.vouchers.models import Assignment, Voucher

    today = clock.today()
    tag = secrets.token_hex(4)
    prog = Programme.objects.create(
        code=f"bench-vouchers-{tag}",
        kind="vo",
        name="Bench vouchers",
        rate_ocw="5.50",
        rate_school="11.00",
        rate_admin_fee="2.75",
        rate_teacher_fee="6.00",
        rate_voucher="5.50",
        order_from=today - dt.timedelta(days=60),
        order_until=today - dt.timedelta(days=30),
        roster_after=today - dt.timedelta(days=90),
        spend_from=today - dt.timedelta(days=30),
        spend_until=dt.date(today.year, 12, 31),
        membership_until=dt.date(today.year, 12, 31),
    )
    school = School.objects.create(
        name=f"Bench {tag}",
        kind="vo",
        status="active",
        school_number=str(random.randint(1_000_000, 9_999_999)),
        board_name="b",
        board_email="b@x.example",
        directie_name="d",
        directie_email="d@x.example",
        budget_holder_name="bh",
        budget_holder_email="bh@x.example",
        invoice_email="i@x.example",
    )
    school.programmes.set([prog])
    bh = User.objects.create_user(email=f"bh{tag}@bench.example", password="x" * 12)
    accounts.grant_role(bh, RoleName.BUDGET_HOLDER, school=school)
    now = clock.now()
    BudgetOrder.objects.create(
        school=school,
        programme=prog,
        kind="initial",
        status="approved",
        with_contribution=0,
        without_contribution=n_total,
        teachers=0,
        duo_count=n_total,
        submitted_at=now,
        objection_deadline=now,
        released_at=now,
    )
    pool = Decimal("5.50") * n_total
    ledger.post_entry(
        kind=EntryKind.RELEASE,
        description="Bench: individueel budget vrijgegeven",
        lines=[
            (ledger.account(AccountKind.OCW_FUND, programme=prog), pool),
            (ledger.account(AccountKind.INDIVIDUAL, school=school, programme=prog), -pool),
        ],
        school=school,
        programme=prog,
    )
    people = Person.objects.bulk_create(
        [
            Person(school=school, kind="students", first_name=f"L{i}", last_name="Bench")
            for i in range(n_total)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                school=school,
                person=p,
                programme=prog,
                kind="student",
                mark="cultuurkaart",
                valid_until=prog.spend_until,
                pass_key=f"bench-{tag}-{p.pk}",
            )
            for p in people
        ]
    )
    ids = [p.pk for p in people]
    for start in range(0, len(ids), 500):
        services.assign(school, ids[start : start + 500], actor=bh)
    tokens, providers = {}, []
    for i in range(PROVIDERS):
        provider = Provider.objects.create(
            name=f"Bench aanbieder {tag}-{i}",
            status="accepted",
            accepts_individual_budget=True,
            iban="NL91ABNA0417164300",
        )
        user = User.objects.create_user(email=f"p{i}-{tag}@bench.example", password="x" * 12)
        accounts.grant_role(user, RoleName.PROVIDER, provider=provider)
        tokens[provider.pk] = accounts.create_api_token(user, name="bench")[1]
        providers.append(provider)
    vouchers = [
        Voucher(
            assignment=a,
            provider=providers[i % PROVIDERS],
            code=services._new_code(),
            amount=Decimal("5.50"),
            claimed_at=now,
            expires_at=services.expires_at(prog),
        )
        for i, a in enumerate(Assignment.objects.filter(school=school).order_by("pk"))
    ]
    Voucher.objects.bulk_create(vouchers)
    return prog, tokens, [(v.provider_id, v.code) for v in vouchers]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "cultuurkaart.conf.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cultuurkaart.conf.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stderr=open(LOG, "w"),  # noqa: SIM115 - the server's log (409s are logged as warnings)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/programmes")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def run(port: int, jobs: list[tuple[str, str]], clients: int) -> tuple[list, float]:
    """Send the (token, code) jobs with `clients` threads, each on its own keep-alive
    connection, all starting together. Returns ([(code, status, type)], seconds)."""
    results: list = []
    lock = threading.Lock()
    queue = list(enumerate(jobs))
    barrier = threading.Barrier(clients + 1)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    break
                i, (token, code) = queue.pop(0)
            body = json.dumps({"code": code})
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{i}-{code}",
            }
            conn.request("POST", "/api/v1/vouchers/redeem", body, headers)
            response = conn.getresponse()
            payload = json.loads(response.read() or b"{}")
            with lock:
                results.append((code, response.status, payload.get("type")))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return results, time.perf_counter() - start


def main(n: int, clients: int, workers: int, dup: int, times: int) -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    prog, tokens, vouchers = make_data(n + dup)
    print(
        f"database: {connection.vendor}; {n + dup} assigned students and vouchers made in "
        f"{time.perf_counter() - started:.1f} s; gunicorn {workers} sync workers, "
        f"{clients} concurrent clients"
    )
    connection.close()
    port = free_port()
    server = start_gunicorn(port, workers)
    try:
        plain, duplicated = vouchers[:n], vouchers[n:]
        jobs = [(tokens[p], code) for p, code in plain]
        results, seconds = run(port, jobs, clients)
        statuses = Counter(status for _c, status, _t in results)
        print(
            f"1. {n} redemptions in {seconds:.2f} s = {n / seconds * 60:,.0f} per minute "
            f"({n / seconds:.0f}/s); statuses {dict(statuses)}"
        )
        assert statuses == {200: n}, statuses

        # each duplicated code K times, the copies next to each other so they run at once
        jobs = [(tokens[p], code) for p, code in duplicated for _ in range(times)]
        results, seconds = run(port, jobs, clients)
        per_code: dict[str, Counter] = {}
        for code, status, kind in results:
            per_code.setdefault(code, Counter())[(status, kind)] += 1
        wins = Counter(c[(200, None)] for c in per_code.values())
        losers: Counter = Counter()
        for c in per_code.values():
            for key, count in c.items():
                if key != (200, None):
                    losers[key] += count
        print(
            f"2. {dup} codes × {times} concurrent copies ({len(jobs)} requests, "
            f"{seconds:.2f} s): successes per code {dict(wins)}; the others {dict(losers)}"
        )
        assert wins == {1: dup}, wins
        assert set(losers) == {(409, "voucher-used")}, losers
    finally:
        server.terminate()
        server.wait(timeout=30)

    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.ledger.constants import AccountKind
    from cultuurkaart.ledger.models import Account, Entry
    from cultuurkaart.vouchers.models import Voucher

    redeemed = Voucher.objects.filter(assignment__programme=prog, status="redeemed")
    entries = Entry.objects.filter(programme=prog, reference__startswith="voucher:").count()
    payable = Account.objects.get(kind=AccountKind.PROVIDER_PAYABLE, programme=prog)
    total = sum(redeemed.values_list("amount", flat=True), Decimal(0))
    print(
        f"3. database: {redeemed.count()} vouchers redeemed, {entries} redemption entries, "
        f"provider payable € {payable.display_balance} (= € {total}); ledger_check "
        f"{'green' if not problems() else problems()}"
    )
    assert redeemed.count() == entries == n + dup
    assert payable.display_balance == total == Decimal("5.50") * (n + dup)
    assert problems() == []


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    defaults = [1000, 4, 2, 100, 4]
    main(*(args + defaults[len(args) :]))
