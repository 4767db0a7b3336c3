"""kill -9 in the middle of an approval batch (issue 14 point 4).

A budget holder approves 600 pending web orders of one school at once (the list's
"Selectie goedkeuren": `weborders.services.decide_many`, one transaction per web order, so
one short budget does not undo the others). A child process runs the batch and is killed once
a third is approved, while an approval is in progress. Then: every approved web order holds
exactly one approval entry and the bucket lost exactly the approved amounts (the one in
progress was rolled back: still pending, no entry); `ledger_check` is clean. The same click
again (the rest of the selection, still pending) approves the others: every web order is
approved once, the bucket is down by exactly their sum, and a third run finds nothing to
decide.

    DATABASE_URL=postgres://… uv run python bench/crash/crash_approvals.py [N]
PostgreSQL only. Use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
import _harness
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db.models import Sum  # noqa: E402

APP = "ck-crash-approvals"


def moment():
    from cultuurkaart.core import clock
    from cultuurkaart.schools.models import Programme

    programme = Programme.objects.get(code="vo-2024")
    return programme, dt.datetime.combine(programme.spend_from, dt.time(10), tzinfo=clock.AMSTERDAM)


def child(school_id: int) -> None:
    from cultuurkaart.core import clock
    from cultuurkaart.weborders import services
    from cultuurkaart.weborders.models import WebOrder

    _harness.name_connection(APP)
    _programme, at = moment()
    pending = list(WebOrder.objects.filter(school_id=school_id, status="pending").order_by("id"))
    with clock.frozen(at + dt.timedelta(days=1)):
        services.decide_many(pending, approve=True)


def main(n: int) -> None:
    from _weborders_data import load_weborders, make_providers, make_schools, random_amounts

    from cultuurkaart.core import clock
    from cultuurkaart.ledger import queries as ledger_queries
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.weborders import services
    from cultuurkaart.weborders.models import WebOrder

    call_command("migrate", verbosity=0)
    programme, at = moment()
    tag = f"crashap{WebOrder.objects.count()}"
    providers = make_providers(50, tag)
    (school,) = make_schools(1, tag)
    amounts = random_amounts(n, seed=31)
    total = sum(amounts, Decimal(0))
    # Enough released for every web order, plus €100.
    load_weborders(
        [(school, providers[i % 50], amounts[i], "pending") for i in range(n)],
        programme,
        at=at,
        margin=total + Decimal("100.00"),
    )
    mine = WebOrder.objects.filter(school=school)

    def balance() -> Decimal:
        return sum(ledger_queries.balances(school, programme).values(), Decimal(0))

    start = balance()
    print(
        f"{n} pending web orders (€ {total}); killing the approval batch in the middle", flush=True
    )

    def in_progress() -> bool:
        return mine.filter(status="approved").count() >= n // 3 and _harness.writing(APP)

    ran = _harness.kill_when([__file__, "--child", str(school.pk)], APP, in_progress)
    print(f"killed after {ran:.1f} s", flush=True)

    def consistent(label: str) -> int:
        approved = mine.filter(status="approved")
        count = approved.count()
        amount = approved.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        _harness.check(
            approved.filter(entry__isnull=True).count() == 0
            and approved.values("entry").distinct().count() == count,
            f"{label}: each of the {count} approved web orders has its own approval entry",
        )
        _harness.check(
            start - balance() == amount,
            f"{label}: the buckets lost exactly the approved amounts (€ {amount})",
        )
        _harness.check(
            mine.filter(status="pending", entry__isnull=False).count() == 0,
            f"{label}: no pending web order holds money",
        )
        _harness.check(problems() == [], f"{label}: ledger_check: no problems")
        return count

    done = consistent("after the kill")
    _harness.check(0 < done < n, f"part was approved ({done} of {n})")

    rest = list(mine.filter(status="pending").order_by("id"))
    with clock.frozen(at + dt.timedelta(days=1, minutes=5)):
        result = services.decide_many(rest, approve=True)
    _harness.check(
        len(result["done"]) == n - done and not result["failed"],
        f"the same click again approves the other {n - done}",
    )
    _harness.check(consistent("after the rerun") == n, f"all {n} approved once")
    with clock.frozen(at + dt.timedelta(days=1, minutes=10)):
        again = services.decide_many(list(mine.order_by("id")), approve=True)
    _harness.check(
        again["done"] == [] and len(again["failed"]) == n,
        "a third run decides nothing (each: already decided)",
    )
    _harness.check(balance() == start - total, "the buckets are down by the total, once")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(int(sys.argv[sys.argv.index("--child") + 1]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
