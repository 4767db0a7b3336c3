"""Individual budget and vouchers: every list takes the same number of queries for 1 and 50
rows (issue 14, point 3; inventory in docs/query-counts.md)."""

from __future__ import annotations

import pytest

from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.vouchers import services

from .factories import SPEND_AT, school_with_pool, student, voucher_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spending_time():
    with clock.frozen(SPEND_AT):
        yield


@pytest.fixture
def pool():
    school, _programme, bh, _invoice = school_with_pool(without=60)
    return school, bh


def _assigned_students(school, bh):
    def add(n):
        people = [student(school, group=f"{i % 3 + 1}A")[0] for i in range(n)]
        services.assign(school, [p.pk for p in people], actor=bh)

    return add


def test_school_individual_budget_page(pool):
    school, bh = pool
    client = page_client(bh)
    assert_flat(
        _assigned_students(school, bh),
        lambda: client.get(f"/school/{school.pk}/individueel-budget/"),
    )


def test_provider_redeemed_vouchers(pool):
    school, bh = pool
    provider, person = voucher_provider()
    client = page_client(person)

    def add(n):
        people = [student(school) for _ in range(n)]
        services.assign(school, [p.pk for p, _m in people], actor=bh)
        for _p, membership in people:
            voucher = services.claim(membership.user, provider.pk, actor=membership.user)
            services.redeem(voucher, actor=person)

    assert_flat(add, lambda: client.get(f"/aanbieder/{provider.pk}/tegoedbonnen/"))


def test_my_vouchers_provider_choice(pool):
    """The student with budget left chooses from the providers that accept it."""
    school, bh = pool
    person, membership = student(school)
    services.assign(school, [person.pk], actor=bh)
    client = page_client(membership.user)

    def add(n):
        for _ in range(n):
            voucher_provider()

    assert_flat(add, lambda: client.get("/mijn-tegoedbonnen/"), rows=None)
