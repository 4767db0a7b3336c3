"""Concurrency on PostgreSQL: two settlements (or redistributions) at once book once; a
debit racing the settlement never leaves money behind or overdraws."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from cultuurkaart.core import clock
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import EntryKind
from cultuurkaart.ledger.models import Entry
from cultuurkaart.ledger.tests.test_concurrency import run_threads
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders.tests.factories import fund
from cultuurkaart.yearend import services
from cultuurkaart.yearend.models import Redistribution, Statement, YearEnd

from .factories import MIDNIGHT, Q1, memberships, next_programme, paid_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"
    ),
]


def test_two_settlements_at_once_book_once():
    prog = programme()
    schools = [SchoolFactory() for _ in range(5)]
    for school in schools:
        fund(school, school_amount="20.00", ocw="5.50")

    def close(_i):
        with clock.frozen(MIDNIGHT):
            year_end, created = services.close_year(prog)
        return created, services.statements_api(year_end)

    results = run_threads(4, close)
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(created for _, (created, _) in results) == [False, False, False, True]
    answers = {str(answer) for _, (_, answer) in results}
    assert len(answers) == 1
    assert YearEnd.objects.count() == 1 and Statement.objects.count() == 5
    assert Entry.objects.filter(kind=EntryKind.EXPIRY).count() == 5
    assert problems() == []


def test_a_debit_racing_the_settlement_is_either_in_the_statement_or_refused():
    prog = programme()
    school = SchoolFactory()
    fund(school, school_amount="100.00")

    def work(i):
        with clock.frozen(MIDNIGHT):
            if i == 0:
                return services.close_year(prog)[0].pk
            return ledger.debit_collective(school, prog, Decimal("30.00"), description="x").split

    results = run_threads(2, work)
    statement = Statement.objects.get(school=school)
    debited = [r for kind, r in results if kind == "ok" and isinstance(r, dict)]
    refused = [r for kind, r in results if kind == "error"]
    # Either the debit came first (the refund is 70.00) or the settlement did (the debit
    # found an empty bucket); never both, never money left behind.
    assert (statement.refund_school, len(debited), len(refused)) in {
        (Decimal("70.00"), 1, 0),
        (Decimal("100.00"), 0, 1),
    }
    assert all(isinstance(e, ledger.InsufficientBudget) for e in refused)
    assert problems() == []


def test_two_redistributions_at_once_book_once():
    prog = programme()
    nxt = next_programme()
    school = SchoolFactory()
    paid_order(school, with_contribution=10)
    memberships(school, 3)

    def run(_i):
        with clock.frozen(Q1):
            return services.redistribute_ocw(prog, nxt)[0].as_api()

    results = run_threads(3, run)
    assert all(kind == "ok" for kind, _ in results), results
    assert len({str(r) for _, r in results}) == 1
    assert Redistribution.objects.count() == 1
    assert Entry.objects.filter(kind=EntryKind.REDISTRIBUTION).count() == 1
    assert problems() == []
