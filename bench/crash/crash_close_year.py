"""kill -9 in the middle of `close-year` (issue 14 point 4).

900 schools with money left in their buckets at the end of the spending window. A child
process runs the job `close-year` (one transaction: per school its statement and one expiry
entry) and is killed inside that transaction. Then: nothing was settled (no year end, no
statement, no expiry entry, every balance as before, `ledger_check` clean). The job run again
settles every school once, its totals equal the balances before to the cent, and a third run
returns the stored settlement and books nothing.

    DATABASE_URL=postgres://… uv run python bench/crash/crash_close_year.py [SCHOOLS]
PostgreSQL only. Use a scratch database: it settles the benchmark programme `vo-2024`, so a
database used once cannot run it again (the script says so).
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

APP = "ck-crash-close-year"
CODE = "vo-2024"


def after_window():
    from cultuurkaart.core import clock
    from cultuurkaart.schools.models import Programme
    from cultuurkaart.yearend import services

    return clock.frozen(
        services.window_end(Programme.objects.get(code=CODE)) + dt.timedelta(hours=1)
    )


def child() -> None:
    from cultuurkaart.core import jobs

    _harness.name_connection(APP)
    with after_window():
        jobs.run("close-year", {"programme": CODE})


def main(n: int) -> None:
    from _weborders_data import load_weborders, make_providers, make_schools, random_amounts

    from cultuurkaart.core import clock, jobs
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.ledger.constants import EntryKind
    from cultuurkaart.ledger.models import Account, Entry
    from cultuurkaart.schools.models import Programme
    from cultuurkaart.yearend.models import Statement, YearEnd
    from cultuurkaart.yearend.services import EXPIRING

    call_command("migrate", verbosity=0)
    programme = Programme.objects.get(code=CODE)
    if YearEnd.objects.filter(programme=programme).exists():
        sys.exit(f"{CODE} is already settled in this database: use a fresh scratch database")
    at = dt.datetime.combine(programme.spend_from, dt.time(10), tzinfo=clock.AMSTERDAM)
    tag = f"ye{Account.objects.count() % 1000:03d}"
    providers = make_providers(20, tag)
    schools = make_schools(n, tag)
    amounts = random_amounts(2 * n, seed=41)
    rows = [(schools[i % n], providers[i % 20], amounts[i], "approved") for i in range(2 * n)]
    load_weborders(rows, programme, at=at, margin=Decimal("250.00"))

    buckets = Account.objects.filter(programme=programme, school__isnull=False, kind__in=EXPIRING)

    def left() -> Decimal:
        return -(buckets.aggregate(s=Sum("balance"))["s"] or Decimal(0))

    before = left()
    expiries = Entry.objects.filter(kind=EntryKind.EXPIRY, programme=programme)
    print(f"{n} schools with € {before} left; killing close-year in the middle", flush=True)

    ran = _harness.kill_in_the_middle([__file__, "--child"], APP, open_for=0.3)
    print(f"killed after {ran:.1f} s", flush=True)
    _harness.check(not YearEnd.objects.filter(programme=programme).exists(), "no year end")
    _harness.check(
        not Statement.objects.filter(programme=programme).exists(), "no statement was stored"
    )
    _harness.check(not expiries.exists(), "no expiry entry was booked")
    _harness.check(left() == before, f"every balance as before (€ {before})")
    _harness.check(problems() == [], "ledger_check: no problems")

    with after_window():
        result = jobs.run("close-year", {"programme": CODE})
    year_end = YearEnd.objects.get(programme=programme)
    settled = (
        year_end.refund_school
        + year_end.unspent_ocw
        + year_end.individual_unassigned
        + year_end.individual_assigned
        + year_end.unspent_third_party
    )
    _harness.check(len(result["schools"]) >= n, f"the job run again settles the {n} schools")
    _harness.check(settled == before, f"its totals equal the balances before (€ {settled})")
    _harness.check(left() == 0, "every bucket is at zero")
    booked = expiries.count()
    _harness.check(problems() == [], "ledger_check: no problems")
    with after_window():
        jobs.run("close-year", {"programme": CODE})
    _harness.check(
        expiries.count() == booked and YearEnd.objects.filter(programme=programme).count() == 1,
        "a third run returns the stored settlement and books nothing",
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 900)
