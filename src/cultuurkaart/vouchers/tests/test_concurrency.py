"""Two redemptions of one voucher at the same moment on PostgreSQL (real threads): exactly
one wins, the value is booked once (SPEC §9: redeemed once for its full value)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.tests.test_concurrency import run_threads
from cultuurkaart.vouchers import services
from cultuurkaart.vouchers.exceptions import VoucherUsed
from cultuurkaart.vouchers.models import Voucher, VoucherStatus

from .factories import SPEND_AT, school_with_pool, student, voucher_provider

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_two_redemptions_at_the_same_moment_exactly_one_succeeds():
    school, programme, bh, _ = school_with_pool(without=1)
    person, membership = student(school)
    with clock.frozen(SPEND_AT):
        services.assign(school, [person.pk], actor=bh)
        provider, provider_person = voucher_provider()
        voucher = services.claim(membership.user, provider.pk)

    def redeem(_i):
        with clock.frozen(SPEND_AT):
            found = services.find_for_provider(voucher.code, [provider.pk])
            return services.redeem(found, actor=provider_person)

    results = run_threads(8, redeem)
    ok = [r for kind, r in results if kind == "ok"]
    assert len(ok) == 1
    assert all(isinstance(r, VoucherUsed) for kind, r in results if kind == "error"), results
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REDEEMED
    payable = ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    assert payable.display_balance == Decimal("5.50")
    assert problems() == []


def test_concurrent_assignments_never_exceed_what_was_ordered():
    school, programme, bh, _ = school_with_pool(without=3)
    people = [student(school)[0] for _ in range(6)]

    def assign(i):
        with clock.frozen(SPEND_AT):
            return services.assign(school, [people[i].pk], actor=bh)

    results = run_threads(6, assign)
    assert len([r for kind, r in results if kind == "ok"]) == 3
    refused = [r for kind, r in results if kind == "error"]
    assert all(getattr(e, "type", "") == "insufficient-budget" for e in refused), refused
    pool = ledger.account(AccountKind.INDIVIDUAL, school=school, programme=programme)
    assert pool.display_balance == Decimal("0.00")
    assert problems() == []
