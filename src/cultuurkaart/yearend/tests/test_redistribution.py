"""redistribute-ocw (SPEC §14) on a small example worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cultuurkaart.core import clock, jobs
from cultuurkaart.ledger import checks
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.ledger.models import Account, Entry, Line
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders.tests.factories import fund
from cultuurkaart.yearend import services
from cultuurkaart.yearend.models import Redistribution, Share

from .factories import (
    LAST_SECOND,
    MIDNIGHT,
    Q1,
    assignment,
    memberships,
    next_programme,
    paid_order,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _ocw(school, prog):
    acc = Account.objects.filter(kind=AccountKind.OCW, school=school, programme=prog).first()
    return acc.display_balance if acc else D("0.00")


def _example():
    """National total €1,000.00 (data), OCW rate €5.50.
    A: paid order 40 with + 10 without; 42 students activated in time → capped at 40.
    B: paid order 20 with; 10 students in time (one of them inactive now, one activated at
       23:59:59), one with a withdrawn assignment (counts), one with a live assignment (no),
       one activated at 00:00:00 after the window (no), two teachers (no), one student of
       another programme (no) → 11.
    C: approved but unpaid order of 30 with, 30 students → not in `initial`, no count.
    initial = (50 + 20) × 5.50 = 385.00; pool = 1000.00 − 385.00 = 615.00;
    Σ counts = 40 + 11 = 51; per student = 615.00 / 51 = 12.0588… → 12.05 (down);
    total = 51 × 12.05 = 614.55; leftover 0.45 stays national; A 482.00, B 132.55."""
    prog = programme()
    prog.ocw_total = D("1000.00")
    prog.save()
    a, b, c = SchoolFactory(), SchoolFactory(), SchoolFactory()
    paid_order(a, with_contribution=40, without_contribution=10)
    paid_order(b, with_contribution=20)
    paid_order(c, with_contribution=30, paid=False)
    memberships(a, 42)
    memberships(b, 8)
    memberships(b, 1, status="inactive")
    memberships(b, 1, at=LAST_SECOND)
    (withdrawn,) = memberships(b, 1)
    assignment(withdrawn, withdrawn=True)
    (budgeted,) = memberships(b, 1)
    assignment(budgeted)
    memberships(b, 1, at=MIDNIGHT)
    memberships(b, 2, kind="teacher")
    memberships(b, 1, prog=programme("mbo-pilot"))
    memberships(c, 30)
    return prog, a, b, c


def test_redistribution_worked_out_by_hand():
    prog, a, b, c = _example()
    nxt = next_programme()
    fund_before = Account.objects.filter(kind=AccountKind.OCW_FUND, programme=nxt).first()
    assert fund_before is None
    with clock.frozen(Q1):
        result = jobs.run("redistribute-ocw", {"programme": prog.code, "next_programme": nxt.pk})
    assert result == {"per_student": "12.05", "recipients": 51, "total": "614.55"}
    run = Redistribution.objects.get(programme=prog)
    assert (run.initial, run.pool, run.leftover) == (D("385.00"), D("615.00"), D("0.45"))
    shares = {s.school_id: s for s in Share.objects.filter(redistribution=run)}
    assert (shares[a.pk].activated, shares[a.pk].ordered_with, shares[a.pk].count) == (42, 40, 40)
    assert (shares[b.pk].activated, shares[b.pk].count) == (11, 11)
    assert c.pk not in shares  # no approved and paid order
    assert _ocw(a, nxt) == D("482.00")
    assert _ocw(b, nxt) == D("132.55")
    assert _ocw(c, nxt) == D("0.00")
    fund = Account.objects.get(kind=AccountKind.OCW_FUND, programme=nxt)
    assert fund.balance == D("614.55")  # handed out of the national fund of 2025
    assert Entry.objects.filter(kind=EntryKind.REDISTRIBUTION).count() == 2
    assert checks.problems() == []


def test_second_run_returns_the_same_result_and_books_nothing():
    prog, *_ = _example()
    nxt = next_programme()
    with clock.frozen(Q1):
        first = jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.code})
    entries, lines = Entry.objects.count(), Line.objects.count()
    with clock.frozen(Q1.replace(month=3)):
        second = jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.code})
    assert second == first
    assert (Entry.objects.count(), Line.objects.count()) == (entries, lines)
    assert checks.problems() == []


def test_redistributed_money_is_spendable_only_once_the_next_order_is_paid():
    prog, a, *_ = _example()
    nxt = next_programme()
    with clock.frozen(Q1):
        jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.pk})
    in_2025 = Q1.replace(year=2025, month=3)
    assert ledger_queries.spendable_buckets(a, nxt, in_2025) == []
    with clock.frozen(in_2025), pytest.raises(ledger.InsufficientBudget):
        ledger.debit_collective(
            a,
            nxt,
            D("1.00"),
            description="x",
            only=ledger_queries.spendable_buckets(a, nxt, in_2025),
        )
    # A third party's payment makes only the third-party bucket spendable.
    fund(a, nxt, third="10.00", at=in_2025)
    assert ledger_queries.spendable_buckets(a, nxt, in_2025) == ["third_party"]
    # The school's own order is paid: its OCW bucket, with the redistributed money, opens.
    fund(a, nxt, school_amount="16.50", ocw="5.50", at=in_2025)
    assert ledger_queries.spendable_buckets(a, nxt, in_2025) == ["school", "ocw", "third_party"]
    with clock.frozen(in_2025):
        debit = ledger.debit_collective(
            a, nxt, D("500.00"), description="y", only=["school", "ocw", "third_party"]
        )
    assert debit.split == {"school": D("16.50"), "ocw": D("483.50"), "third_party": D("0.00")}
    assert checks.problems() == []


def test_nothing_is_distributed_when_no_student_counts():
    prog = programme()
    school = SchoolFactory()
    paid_order(school, with_contribution=10)
    (only,) = memberships(school, 1)
    assignment(only)  # individually budgeted: does not count
    with clock.frozen(Q1):
        result = jobs.run(
            "redistribute-ocw", {"programme": prog.pk, "next_programme": next_programme().pk}
        )
    assert result == {"per_student": "0.00", "recipients": 0, "total": "0.00"}
    assert not Entry.objects.filter(kind=EntryKind.REDISTRIBUTION).exists()
    assert checks.problems() == []


def test_nothing_is_distributed_when_the_initial_allocation_uses_the_national_total():
    prog = programme()
    prog.ocw_total = D("50.00")
    prog.save()
    school = SchoolFactory()
    paid_order(school, with_contribution=10)  # 10 × 5.50 = 55.00 > 50.00: pool 0
    memberships(school, 10)
    with clock.frozen(Q1):
        result = jobs.run(
            "redistribute-ocw", {"programme": prog.pk, "next_programme": next_programme().pk}
        )
    assert result == {"per_student": "0.00", "recipients": 0, "total": "0.00"}
    assert Redistribution.objects.get(programme=prog).pool == D("0.00")


def test_mbo_is_not_redistributed(admin_api):
    response = admin_api.post(
        "/admin/jobs/redistribute-ocw",
        {"programme": "mbo-pilot", "next_programme": next_programme().code},
        headers={"X-Clock": Q1.isoformat()},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "vo-only"
    assert not Redistribution.objects.exists()


def test_refused_before_the_window_ends_and_into_an_earlier_programme(admin_api):
    nxt = next_programme()
    response = admin_api.post(
        "/admin/jobs/redistribute-ocw",
        {"programme": "vo-2024", "next_programme": nxt.code},
        headers={"X-Clock": LAST_SECOND.isoformat()},
    )
    assert (response.status_code, response.json()["type"]) == (409, "too-early")
    response = admin_api.post(
        "/admin/jobs/redistribute-ocw",
        {"programme": "vo-2024", "next_programme": "vo-2024"},
        headers={"X-Clock": Q1.isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "next_programme"
    response = admin_api.post(
        "/admin/jobs/redistribute-ocw",
        {"programme": "vo-2024"},
        headers={"X-Clock": Q1.isoformat()},
    )
    assert response.status_code == 422
    assert not Redistribution.objects.exists()


def test_only_the_admin_runs_it(api_as, budget_holder):
    response = api_as(budget_holder).post(
        "/admin/jobs/redistribute-ocw",
        {"programme": "vo-2024", "next_programme": next_programme().code},
        headers={"X-Clock": Q1.isoformat()},
    )
    assert response.status_code == 403
    assert not Redistribution.objects.exists()


def test_services_refuse_without_a_national_total():
    prog = programme()
    prog.ocw_total = None
    prog.save()
    with clock.frozen(Q1), pytest.raises(services.NationalTotalMissing):
        services.redistribute_ocw(prog, next_programme())
