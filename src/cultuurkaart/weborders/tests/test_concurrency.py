"""Concurrent approvals on PostgreSQL (real threads): never overspend (SPEC §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger import queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.tests.test_concurrency import run_threads
from cultuurkaart.schools.tests.factories import programme
from cultuurkaart.weborders import services
from cultuurkaart.weborders.exceptions import AlreadyDecided
from cultuurkaart.weborders.models import WebOrder

from .factories import SPEND_AT, WebOrderFactory, funded_school

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_concurrent_approvals_never_overspend():
    # 100.00 in three buckets; 12 web orders of 15.00 fit 6 times (90.00)
    school = funded_school(school_amount="30.00", ocw="50.00", third="20.00")
    weborders = [WebOrderFactory(school=school, amount=Decimal("15.00")) for _ in range(12)]

    def approve(i):
        with clock.frozen(SPEND_AT):
            return services.approve_weborder(weborders[i])

    results = run_threads(12, approve)
    ok = [r for kind, r in results if kind == "ok"]
    refused = [r for kind, r in results if kind == "error"]
    assert len(ok) == 6
    assert all(getattr(e, "type", "") == "insufficient-budget" for e in refused), refused
    balances = queries.balances(school, programme())
    assert balances["school"] == balances["ocw"] == 0
    assert balances["third_party"] == Decimal("10.00")
    assert WebOrder.objects.filter(status="approved").count() == 6
    assert problems() == []


def test_the_same_weborder_approved_twice_at_once_is_booked_once():
    school = funded_school(school_amount="100.00")
    weborder = WebOrderFactory(school=school, amount=Decimal("10.00"))

    def approve(i):
        with clock.frozen(SPEND_AT):
            return services.approve_weborder(weborder)

    results = run_threads(6, approve)
    assert len([r for kind, r in results if kind == "ok"]) == 1
    assert all(isinstance(r, AlreadyDecided) for kind, r in results if kind == "error")
    assert queries.balances(school, programme())["school"] == Decimal("90.00")
    assert problems() == []
