"""Two payout runs at the same moment on PostgreSQL (real threads): nothing paid twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Account
from cultuurkaart.ledger.tests.test_concurrency import run_threads
from cultuurkaart.payouts import services
from cultuurkaart.payouts.models import PayoutBatch, PayoutLine
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import PAY_AT, checked

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_concurrent_payout_runs_pay_every_weborder_exactly_once():
    school = SchoolFactory()
    weborders = [checked(ProviderFactory(), school, "10.00") for _ in range(3) for _ in range(2)]

    def pay(i):
        with clock.frozen(PAY_AT):
            return services.create_payout_batch()

    results = run_threads(6, pay)
    ok = [r for kind, r in results if kind == "ok"]
    refused = [r for kind, r in results if kind == "error"]
    assert len(ok) == 1, results
    assert all(getattr(e, "type", "") == "nothing-to-pay" for e in refused), refused
    assert PayoutBatch.objects.count() == 1
    assert PayoutLine.objects.count() == len(weborders)
    bank = Account.objects.get(kind=AccountKind.BANK)
    assert bank.display_balance == -Decimal("57.00")
    assert problems() == []
