"""Money for the backup drill (ops/backup_drill.sh): the demo data books nothing in the
ledger, so this adds providers, schools and 300 web orders with their approval entries (the
bulk loader of the issue-9 benchmarks), then pays the checked ones through the real payout
service and corrects one paid web order (payouts.services), so the restored ledger has
releases, approvals, a payout, a correction and a receivable to reproduce.

    DATABASE_URL=... uv run python ops/_drill_money.py [--checked-only]

`--checked-only` loads the web orders and stops (.ci/multiprocess.sh pays them through the API).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _setup import setup_django  # noqa: E402

setup_django()

from _weborders_data import load_weborders, make_providers, make_schools, random_amounts  # noqa: E402

from cultuurkaart.core import clock  # noqa: E402
from cultuurkaart.ledger.checks import problems  # noqa: E402
from cultuurkaart.payouts import services as payouts  # noqa: E402
from cultuurkaart.schools.models import Programme  # noqa: E402
from cultuurkaart.weborders.models import WebOrder  # noqa: E402


def main() -> None:
    programme = Programme.objects.filter(kind="vo").order_by("code").first()
    at = dt.datetime.combine(programme.spend_from, dt.time(10), tzinfo=clock.AMSTERDAM)
    providers = make_providers(6, "drill")
    schools = make_schools(12, "drill")
    amounts = random_amounts(300, seed=14)
    statuses = ("checked", "checked", "approved", "pending")
    rows = [
        (schools[i % 12], providers[i % 6], amounts[i], statuses[i % len(statuses)])
        for i in range(300)
    ]
    load_weborders(rows, programme, at=at)
    if "--checked-only" in sys.argv:  # .ci/multiprocess.sh: something left to pay
        print(f"loaded {len(rows)} web orders")
        return
    with clock.frozen(at + dt.timedelta(days=2)):
        batch = payouts.create_payout_batch()
        paid = WebOrder.objects.filter(payout_line__item__batch=batch).order_by("pk").first()
        payouts.correct_paid_weborder(paid, reason="Backup drill", actor=None)
    found = problems()
    if found:
        sys.exit(f"ledger problems after the drill's money: {found[:3]}")
    print(f"paid {batch.items.count()} providers, total {batch.total_net}; one correction")


if __name__ == "__main__":
    main()
