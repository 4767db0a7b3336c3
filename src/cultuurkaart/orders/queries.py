"""Read side of orders and budgets, shared by the API and the portal pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from cultuurkaart.core.money import ZERO
from cultuurkaart.ledger import queries as ledger
from cultuurkaart.rosters import queries as rosters
from cultuurkaart.schools.models import Programme, School

from .constants import LIVE, OrderKind
from .models import BudgetOrder


@dataclass
class BudgetSummary:
    programme: Programme
    buckets: dict[str, Decimal]
    collective: Decimal
    individual_available: Decimal
    individual_assigned: Decimal
    released: bool
    spendable_from: object
    spendable_until: object
    third_party_released: bool = False
    third_party_spendable_from: object = None
    held_for_refund: Decimal = ZERO


def budget_summary(school: School, programme: Programme) -> BudgetSummary:
    balances = ledger.balances(school, programme)
    released = ledger.released_at(school, programme)
    third_party = ledger.third_party_released_at(school, programme)
    return BudgetSummary(
        programme=programme,
        buckets={k: balances[k] for k in ("school", "ocw", "third_party")},
        collective=balances["school"] + balances["ocw"] + balances["third_party"],
        individual_available=balances["individual"],
        individual_assigned=ledger.individual_assigned(school, programme),
        released=released is not None,
        spendable_from=ledger.spendable_from(programme, released),
        spendable_until=programme.spend_until,
        third_party_released=third_party is not None,
        third_party_spendable_from=ledger.third_party_spendable_from(third_party),
        held_for_refund=ledger.held_for_refund(school, programme),
    )


def current_programme(school: School, code: str | None = None) -> Programme | None:
    """The programme asked for, else the school's newest programme."""
    programmes = school.programmes.all()
    if code:
        return next((p for p in programmes if p.code == code), None)
    return max(programmes, key=lambda p: p.spend_from, default=None)


def deviation_percent(uploaded: int, ordered: int) -> str | None:
    """|uploaded − ordered| / uploaded in %, two decimals; None ("onbekend") when either
    number is 0 (SPEC §5)."""
    if not uploaded or not ordered:
        return None
    value = (Decimal(abs(uploaded - ordered)) * 100 / Decimal(uploaded)).quantize(Decimal("0.01"))
    return f"{value:.2f}".replace(".", ",")


@dataclass
class OverviewRow:
    label: str
    ordered: int
    uploaded: int
    deviation: str | None


def order_overview(school: School, programme: Programme) -> list[OverviewRow]:
    orders = BudgetOrder.objects.filter(school=school, programme=programme, status__in=LIVE)
    students = sum(o.students for o in orders)
    teachers = sum(o.teachers for o in orders)
    up_students = rosters.roster_size(school, "students")
    up_teachers = rosters.roster_size(school, "teachers")
    return [
        OverviewRow("Studenten", students, up_students, deviation_percent(up_students, students)),
        OverviewRow("Docenten", teachers, up_teachers, deviation_percent(up_teachers, teachers)),
    ]


def has_live_initial(school: School, programme: Programme) -> bool:
    return BudgetOrder.objects.filter(
        school=school, programme=programme, kind=OrderKind.INITIAL, status__in=LIVE
    ).exists()


def teacher_allowance(school: School, programme: Programme) -> int | None:
    """Teacher memberships the school may have in the programme: the teachers on its live
    orders (the free ones are part of that number); None (no limit) when the programme's
    teacher membership is free (MBO). Registered with memberships (decision M8-7)."""
    if programme.rate_teacher_fee <= 0:
        return None
    return (
        BudgetOrder.objects.filter(school=school, programme=programme, status__in=LIVE).aggregate(
            n=Sum("teachers")
        )["n"]
        or 0
    )


__all__ = ["ZERO", "budget_summary", "deviation_percent", "order_overview"]
