"""Year-end tests: money in a school's buckets and individual pool, paid orders,
memberships and individual-budget assignments written directly (no voucher services)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from cultuurkaart.core import clock
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.memberships.models import Membership
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.schools.models import Programme
from cultuurkaart.schools.tests.factories import programme
from cultuurkaart.vouchers.models import Assignment

IN_2024 = dt.datetime(2024, 3, 4, 10, 0, tzinfo=clock.AMSTERDAM)
LAST_SECOND = dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=clock.AMSTERDAM)
MIDNIGHT = dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=clock.AMSTERDAM)
Q1 = dt.datetime(2025, 2, 3, 10, 0, tzinfo=clock.AMSTERDAM)
_keys = itertools.count(1)


def next_programme(code: str = "vo-2025") -> Programme:
    """vo-2024 one year later (the admin's copy of a programme)."""
    found = Programme.objects.filter(code=code).first()
    if found:
        return found
    base = programme()

    def shift(day):
        return day.replace(year=day.year + 1) if day else day

    return Programme.objects.create(
        code=code,
        kind=base.kind,
        name="VO Cultuurkaart 2025",
        rate_ocw=base.rate_ocw,
        rate_school=base.rate_school,
        rate_admin_fee=base.rate_admin_fee,
        rate_teacher_fee=base.rate_teacher_fee,
        rate_voucher=base.rate_voucher,
        order_from=shift(base.order_from),
        order_until=shift(base.order_until),
        roster_after=shift(base.roster_after),
        spend_from=shift(base.spend_from),
        spend_until=shift(base.spend_until),
        membership_until=shift(base.membership_until),
        ocw_total=base.ocw_total,
    )


def release_individual(school, prog, amount) -> None:
    """The OCW money of students without school contribution, released into the pool."""
    with clock.frozen(dt.datetime(2023, 11, 1, 9, 0, tzinfo=clock.AMSTERDAM)):
        ledger.post_entry(
            kind=EntryKind.RELEASE,
            description="Budget vrijgegeven",
            lines=[
                (ledger.account(AccountKind.OCW_FUND, programme=prog), Decimal(amount)),
                (
                    ledger.account(AccountKind.INDIVIDUAL, school=school, programme=prog),
                    -Decimal(amount),
                ),
            ],
            school=school,
            programme=prog,
        )


def assign_individual(school, prog, amount, at=IN_2024):
    """Move a student's share from the pool to INDIVIDUAL_ASSIGNED, as an assignment does."""
    with clock.frozen(at):
        return ledger.post_entry(
            kind=EntryKind.VOUCHER,
            description="Individueel budget toegekend",
            lines=[
                (
                    ledger.account(AccountKind.INDIVIDUAL, school=school, programme=prog),
                    Decimal(amount),
                ),
                (
                    ledger.account(AccountKind.INDIVIDUAL_ASSIGNED, school=school, programme=prog),
                    -Decimal(amount),
                ),
            ],
            school=school,
            programme=prog,
        )


def redeem(school, prog, amount, at=IN_2024):
    """A redeemed voucher: INDIVIDUAL_ASSIGNED → provider-payable."""
    with clock.frozen(at):
        return ledger.post_entry(
            kind=EntryKind.VOUCHER,
            description="Tegoedbon verzilverd",
            lines=[
                (
                    ledger.account(AccountKind.INDIVIDUAL_ASSIGNED, school=school, programme=prog),
                    Decimal(amount),
                ),
                (ledger.account(AccountKind.PROVIDER_PAYABLE, programme=prog), -Decimal(amount)),
            ],
            school=school,
            programme=prog,
        )


def paid_order(school, prog=None, *, with_contribution=0, without_contribution=0, paid=True):
    prog = prog or programme()
    at = dt.datetime(2023, 10, 2, 10, 0, tzinfo=clock.AMSTERDAM)
    return BudgetOrder.objects.create(
        school=school,
        programme=prog,
        kind="initial",
        status="approved",
        with_contribution=with_contribution,
        without_contribution=without_contribution,
        duo_count=with_contribution + without_contribution,
        submitted_at=at,
        objection_deadline=at + dt.timedelta(days=7),
        decided_at=at + dt.timedelta(days=8),
        ocw_allocated=(with_contribution + without_contribution) * prog.rate_ocw,
        released_at=at + dt.timedelta(days=20) if paid else None,
    )


def memberships(school, n, *, prog=None, at=IN_2024, kind="student", status="active"):
    prog = prog or programme()
    return Membership.objects.bulk_create(
        [
            Membership(
                school=school,
                programme=prog,
                kind=kind,
                mark="cultuurkaart",
                valid_until=prog.membership_valid_until,
                status=status,
                activated_at=at,
                pass_key=f"ye-{next(_keys)}",
            )
            for _ in range(n)
        ]
    )


def assignment(membership, prog=None, *, withdrawn=False):
    prog = prog or programme()
    return Assignment.objects.create(
        school=membership.school,
        programme=prog,
        membership=membership,
        amount=prog.rate_ocw,
        vouchers_allowed=1,
        withdrawn_at=IN_2024 if withdrawn else None,
    )
