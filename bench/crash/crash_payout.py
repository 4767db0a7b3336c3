"""kill -9 in the middle of a payout batch (issue 14 point 4; run in CI).

20,000 checked web orders of 300 providers (the benchmarks' bulk loader). A child process
makes the payout batch and is killed inside its transaction. Then: nothing was paid (no
batch, every web order still `checked`, `ledger_check` clean); the batch made again pays
every web order exactly once; a third run finds nothing to pay.

    DATABASE_URL=postgres://… uv run python bench/crash/crash_payout.py [N]
PostgreSQL only (the kill is timed on pg_stat_activity). Use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402

APP = "ck-crash-payout"


def moment():
    from cultuurkaart.core import clock
    from cultuurkaart.schools.models import Programme

    programme = Programme.objects.get(code="vo-2024")
    at = dt.datetime.combine(programme.spend_from, dt.time(10), tzinfo=clock.AMSTERDAM)
    return programme, at


def child() -> None:
    from cultuurkaart.core import clock
    from cultuurkaart.payouts import services as payouts

    _harness.name_connection(APP)
    _programme, at = moment()
    with clock.frozen(at + dt.timedelta(days=2)):
        payouts.create_payout_batch()


def main(n: int) -> None:
    from _weborders_data import load_weborders, make_providers, make_schools, random_amounts

    from cultuurkaart.core import clock
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.payouts import services as payouts
    from cultuurkaart.payouts.exceptions import NothingToPay
    from cultuurkaart.payouts.models import PayoutBatch, PayoutLine
    from cultuurkaart.weborders.models import WebOrder

    call_command("migrate", verbosity=0)
    programme, at = moment()
    with clock.frozen(at + dt.timedelta(days=2)):
        if WebOrder.objects.filter(status="checked").exists():
            payouts.create_payout_batch()  # a scratch database used before: pay that first
    tag = f"crash{WebOrder.objects.count()}"
    providers = make_providers(300, tag)
    schools = make_schools(40, tag)
    amounts = random_amounts(n, seed=21)
    rows = [(schools[i % 40], providers[i % 300], amounts[i], "checked") for i in range(n)]
    load_weborders(rows, programme, at=at)
    batches = PayoutBatch.objects.count()
    lines = PayoutLine.objects.count()
    print(f"loaded {n} checked web orders; killing a payout batch in the middle", flush=True)

    ran = _harness.kill_in_the_middle([__file__, "--child"], APP)
    print(f"killed after {ran:.1f} s", flush=True)
    _harness.check(PayoutBatch.objects.count() == batches, "no batch was made")
    _harness.check(PayoutLine.objects.count() == lines, "no payout line was written")
    checked = WebOrder.objects.filter(status="checked").count()
    _harness.check(checked == n, f"all {n} web orders are still checked ({checked})")
    _harness.check(problems() == [], "ledger_check: no problems")

    with clock.frozen(at + dt.timedelta(days=2, minutes=5)):
        batch = payouts.create_payout_batch()
    paid = PayoutLine.objects.filter(item__batch=batch).count()
    _harness.check(paid == n, f"the batch made again pays every web order once ({paid})")
    _harness.check(
        WebOrder.objects.filter(status="checked").count() == 0, "nothing is left checked"
    )
    try:
        with clock.frozen(at + dt.timedelta(days=2, minutes=10)):
            payouts.create_payout_batch()
        again = True
    except NothingToPay:
        again = False
    _harness.check(not again, "a third run finds nothing to pay")
    _harness.check(problems() == [], "ledger_check: no problems")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
