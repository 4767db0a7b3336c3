"""Year end at national scale (issue 10): `close-year` over 1,400 schools with 200,000 ledger
entries and `redistribute-ocw` over 1,400 schools and 900,000 memberships.

Targets (PostgreSQL): each ≤ 30 s; the settlement's totals equal the sum of the per-school
statements to the cent (and the balances the generator left behind); ledger_check green.

The data are generated in Python (a deterministic random year per school: its release, a
third party's contribution for every third school, individual budget released, assigned and
partly redeemed, web-order debits in the spending order and every tenth one reversed, with the
running collective balance on every bucket line) and loaded with COPY; the jobs are the real
ones (`core.jobs.run`), with e-mail to a dummy backend.

Usage (from the repository root; PostgreSQL only, a scratch database, it is migrated):
    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/scratch uv run python bench/yearend_bench.py [schools] [entries] [memberships]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend").enable()

D = Decimal
ZERO = D("0.00")


def _copy(table: str, columns: list[str], rows) -> int:
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def main(n_schools: int, n_entries: int, n_members: int) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit(
            "This benchmark loads with COPY: set DATABASE_URL to a PostgreSQL database."
        )
    call_command("migrate", verbosity=0)
    from cultuurkaart.core import clock, jobs
    from cultuurkaart.ledger import services as ledger
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.ledger.constants import CREDIT_NORMAL, SPENDING_ORDER, AccountKind
    from cultuurkaart.ledger.models import Account, Entry
    from cultuurkaart.orders.models import BudgetOrder
    from cultuurkaart.schools.models import Programme, School
    from cultuurkaart.yearend.models import Redistribution, Share, Statement, YearEnd

    rng = random.Random(20241231)
    tag = f"{int(time.time())}"
    base = Programme.objects.get(code="vo-2024")
    prog = Programme.objects.create(
        **{
            f.name: getattr(base, f.name)
            for f in Programme._meta.concrete_fields
            if f.name not in ("id", "code", "name", "created_at")
        },
        code=f"bench-{tag}",
        name=f"Bench {tag}",
    )
    nxt = Programme.objects.create(
        **{
            f.name: getattr(base, f.name)
            for f in Programme._meta.concrete_fields
            if f.name not in ("id", "code", "name", "created_at", "spend_from", "spend_until")
        },
        code=f"bench-next-{tag}",
        name=f"Bench next {tag}",
        spend_from=dt.date(2025, 1, 1),
        spend_until=dt.date(2025, 12, 31),
    )
    t0 = time.perf_counter()
    schools = School.objects.bulk_create(
        [
            School(
                name=f"Bench College {i}",
                kind="vo",
                status="active",
                school_number=f"8{tag[-3:]}{i:05d}",
                board_name="b",
                board_email=f"b{i}@x.example",
                directie_name="d",
                directie_email=f"d{i}@x.example",
                budget_holder_name="bh",
                budget_holder_email=f"bh{i}@x.example",
                invoice_email=f"i{i}@x.example",
                refund_iban="NL91ABNA0417164300",
            )
            for i in range(n_schools)
        ]
    )
    kinds = [*SPENDING_ORDER, AccountKind.INDIVIDUAL, AccountKind.INDIVIDUAL_ASSIGNED]
    Account.objects.bulk_create(
        [Account(kind=k, school=s, programme=prog) for s in schools for k in kinds],
        batch_size=5000,
    )
    acc = {(a.school_id, a.kind): a for a in Account.objects.filter(programme=prog)}
    invoiced = ledger.account(AccountKind.INVOICED, programme=prog)
    fund = ledger.account(AccountKind.OCW_FUND, programme=prog)
    payable = ledger.account(AccountKind.PROVIDER_PAYABLE, programme=prog)
    raw: dict[int, Decimal] = defaultdict(lambda: ZERO)  # account id → raw balance
    entry_id, line_id = _next_id("ledger_entry"), _next_id("ledger_line")
    entries, lines = [], []
    at = dt.datetime(2024, 6, 1, 10, tzinfo=clock.AMSTERDAM)
    ordered = {}

    def post(school, kind, pairs, reverses=None):
        nonlocal entry_id, line_id
        eid = entry_id
        entry_id += 1
        entries.append((eid, at, kind, "bench", school.pk, prog.pk, "", reverses))
        running = -sum((raw[acc[(school.pk, k)].pk] for k in SPENDING_ORDER), ZERO)
        for account, amount in pairs:
            raw[account.pk] += amount
            after = None
            if account.kind in SPENDING_ORDER:
                running -= amount
                after = running
            lines.append((line_id, eid, account.pk, amount, after))
            line_id += 1
        return eid, pairs

    per_school = max(1, -(-n_entries // n_schools))  # rounded up: at least n_entries
    for s in schools:
        with_c, without_c = rng.randint(200, 900), rng.randint(0, 60)
        ordered[s.pk] = with_c
        sch, ocw = D(with_c) * D("11.00"), D(with_c) * D("5.50")
        post(
            s,
            "release",
            [(acc[(s.pk, "school")], -sch), (acc[(s.pk, "ocw")], -ocw), (invoiced, sch + ocw)],
        )
        count = 1
        if without_c:
            ind = D(without_c) * D("5.50")
            post(s, "release", [(fund, ind), (acc[(s.pk, "individual")], -ind)])
            count += 1
            for k in range(without_c // 2):
                post(
                    s,
                    "voucher",
                    [
                        (acc[(s.pk, "individual")], D("5.50")),
                        (acc[(s.pk, "individual_assigned")], D("-5.50")),
                    ],
                )
                count += 1
                if k % 2 == 0:
                    post(
                        s,
                        "voucher",
                        [(acc[(s.pk, "individual_assigned")], D("5.50")), (payable, D("-5.50"))],
                    )
                    count += 1
        if s.pk % 3 == 0:
            third = D(rng.randint(100, 2000))
            post(s, "release", [(acc[(s.pk, "third_party")], -third), (invoiced, third)])
            count += 1
        spent = 0
        while count < per_school:
            available = {k: -raw[acc[(s.pk, k)].pk] for k in SPENDING_ORDER}
            amount = min(D(rng.randint(200, 6000)) / 100, sum(available.values()))
            if amount <= 0:
                break
            rest, pairs = amount, []
            for k in SPENDING_ORDER:
                take = min(rest, available[k])
                if take > 0:
                    pairs.append((acc[(s.pk, k)], take))
                    rest -= take
            pairs.append((payable, -amount))
            eid, pairs = post(s, "weborder", pairs)
            count += 1
            spent += 1
            if spent % 10 == 0 and count < per_school:
                post(s, "reversal", [(a, -x) for a, x in pairs], reverses=eid)
                count += 1
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    _copy(
        "ledger_entry",
        [
            "id",
            "at",
            "kind",
            "description",
            "school_id",
            "programme_id",
            "reference",
            "reverses_id",
        ],
        entries,
    )
    _copy("ledger_line", ["id", "entry_id", "account_id", "amount", "collective_after"], lines)
    _reset_sequence("ledger_entry")
    _reset_sequence("ledger_line")
    changed = []
    for account in Account.objects.filter(pk__in=list(raw)):
        account.balance = raw[account.pk]
        changed.append(account)
    Account.objects.bulk_update(changed, ["balance"], batch_size=5000)
    # Orders (approved and paid) and memberships for the redistribution.
    order_at = dt.datetime(2023, 10, 2, 10, tzinfo=clock.AMSTERDAM)
    BudgetOrder.objects.bulk_create(
        [
            BudgetOrder(
                school=s,
                programme=prog,
                kind="initial",
                status="approved",
                with_contribution=ordered[s.pk],
                without_contribution=10,
                duo_count=ordered[s.pk] + 10,
                submitted_at=order_at,
                objection_deadline=order_at + dt.timedelta(days=7),
                released_at=order_at + dt.timedelta(days=20),
                ocw_allocated=D(ordered[s.pk] + 10) * D("5.50"),
            )
            for s in schools
        ],
        batch_size=2000,
    )
    member_id, assignment_rows = _next_id("memberships_membership"), []
    first_member = member_id
    in_time = dt.datetime(2024, 2, 1, 10, tzinfo=clock.AMSTERDAM)
    late = dt.datetime(2025, 1, 1, 0, 0, tzinfo=clock.AMSTERDAM)
    expected_counts = {}

    def members():
        nonlocal member_id
        per = n_members // n_schools
        for i, s in enumerate(schools):
            k = per + (1 if i < n_members - per * n_schools else 0)
            counted = 0
            for j in range(k):
                when = late if j % 50 == 0 else in_time
                assigned = j % 40 == 1
                if when is in_time and not assigned:
                    counted += 1
                if assigned:
                    assignment_rows.append((s.pk, prog.pk, member_id, D("5.50"), 1, in_time))
                status = "inactive" if j % 7 == 0 else "active"
                yield (
                    member_id,
                    s.pk,
                    prog.pk,
                    "student",
                    "cultuurkaart",
                    "",
                    "",
                    False,
                    dt.date(2024, 12, 31),
                    status,
                    when,
                    "",
                    f"b{tag}-{member_id}",
                )
                member_id += 1
            expected_counts[s.pk] = min(counted, ordered[s.pk])

    _copy(
        "memberships_membership",
        [
            "id",
            "school_id",
            "programme_id",
            "kind",
            "mark",
            "first_name",
            "last_name",
            "parents_informed",
            "valid_until",
            "status",
            "activated_at",
            "end_reason",
            "pass_key",
        ],
        members(),
    )
    _reset_sequence("memberships_membership")
    _copy(
        "vouchers_assignment",
        ["school_id", "programme_id", "membership_id", "amount", "vouchers_allowed", "assigned_at"],
        assignment_rows,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load = time.perf_counter() - t0
    n_e = Entry.objects.filter(programme=prog).count()
    n_m = member_id - first_member
    print(
        f"generated {n_e} entries / {len(lines)} lines for {n_schools} schools in {gen:.1f} s, "
        f"{n_m} memberships ({len(assignment_rows)} individually budgeted); loaded in {load:.1f} s"
    )
    expected = defaultdict(lambda: ZERO)
    for (_school, kind), account in acc.items():
        value = raw[account.pk]
        expected[kind] += -value if kind in CREDIT_NORMAL else value

    # --- close-year ---------------------------------------------------------------------
    midnight = dt.datetime(2025, 1, 1, 0, 0, tzinfo=clock.AMSTERDAM)
    before = Entry.objects.count()
    start = time.perf_counter()
    with clock.frozen(midnight):
        result = jobs.run("close-year", {"programme": prog.code})
    elapsed = time.perf_counter() - start
    year_end = YearEnd.objects.get(programme=prog)
    sums = Statement.objects.filter(year_end=year_end).aggregate(
        r=Sum("refund_school"),
        o=Sum("unspent_ocw"),
        i=Sum("individual_unassigned"),
        a=Sum("individual_assigned"),
        t=Sum("unspent_third_party"),
    )
    from_api = sum((D(row["refund_school"]) for row in result["schools"]), ZERO)
    ok = (sums["r"], sums["o"], sums["i"], sums["a"], sums["t"]) == (
        year_end.refund_school,
        year_end.unspent_ocw,
        year_end.individual_unassigned,
        year_end.individual_assigned,
        year_end.unspent_third_party,
    ) == (
        expected["school"],
        expected["ocw"],
        expected["individual"],
        expected["individual_assigned"],
        expected["third_party"],
    ) and from_api == year_end.refund_school
    print(
        f"close-year: {len(result['schools'])} statements, {Entry.objects.count() - before} "
        f"entries in {elapsed:.2f} s (target ≤ 30 s: {'OK' if elapsed <= 30 else 'TOO SLOW'}); "
        f"refunds {year_end.refund_school}, to OCW fund {year_end.to_ocw_fund}, "
        f"third parties {year_end.unspent_third_party}; totals = Σ statements = generated "
        f"balances to the cent: {'OK' if ok else 'MISMATCH'}"
    )
    left = Account.objects.filter(programme=prog, school__isnull=False).exclude(balance=0).count()
    booked = Entry.objects.count()
    start = time.perf_counter()
    with clock.frozen(midnight + dt.timedelta(days=1)):
        again = jobs.run("close-year", {"programme": prog.code})
    print(
        f"close-year again: same answer {again == result}, booked "
        f"{Entry.objects.count() - booked} entries ({time.perf_counter() - start:.2f} s); "
        f"accounts of the programme not empty after the settlement: {left}"
    )

    # --- redistribute-ocw -----------------------------------------------------------------
    q1 = dt.datetime(2025, 2, 3, 10, tzinfo=clock.AMSTERDAM)
    before = Entry.objects.count()
    start = time.perf_counter()
    with clock.frozen(q1):
        answer = jobs.run("redistribute-ocw", {"programme": prog.code, "next_programme": nxt.code})
    elapsed = time.perf_counter() - start
    run = Redistribution.objects.get(programme=prog)
    initial = sum((D(ordered[s.pk] + 10) * D("5.50") for s in schools), ZERO)
    pool = max(ZERO, prog.ocw_total - initial)
    total_count = sum(expected_counts.values())
    per = (D(int(pool * 100) // total_count) / 100) if total_count and pool else ZERO
    shares_total = Share.objects.filter(redistribution=run).aggregate(s=Sum("amount"))["s"]
    ok = (
        D(answer["per_student"]) == per
        and answer["recipients"] == total_count
        and D(answer["total"]) == per * total_count == shares_total
    )
    print(
        f"redistribute-ocw: {answer} ({Entry.objects.count() - before} entries) in "
        f"{elapsed:.2f} s (target ≤ 30 s: {'OK' if elapsed <= 30 else 'TOO SLOW'}); "
        f"pool {pool}, leftover {run.leftover}; matches the generator's counts: "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    start = time.perf_counter()
    found = problems()
    print(f"ledger_check: {len(found)} problems ({time.perf_counter() - start:.1f} s)")
    if found:
        print("\n".join(found[:10]))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [1400, 200_000, 900_000][len(args) :]))
