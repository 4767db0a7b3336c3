"""Quotes: the invoice lines, total, OCW top-up and budgets for a set of numbers (SPEC §5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cultuurkaart.core import clock
from cultuurkaart.core.money import ZERO, quantize, to_api
from cultuurkaart.schools.models import Programme

from ..constants import (
    LineCode,
    OrderKind,
)
from ..models import (
    BudgetOrder,
)
from .common import vat_rate

# --- quotes -------------------------------------------------------------------------


@dataclass
class QuoteLine:
    code: str
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal

    def api(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": to_api(self.unit_price),
            "amount": to_api(self.amount),
        }


@dataclass
class Quote:
    lines: list[QuoteLine]
    subtotal: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    total: Decimal
    ocw_top_up: Decimal
    collective: Decimal
    individual: Decimal
    free_teachers: int = 0
    notes: list[str] = field(default_factory=list)

    def api(self) -> dict[str, Any]:
        return {
            "lines": [line.api() for line in self.lines],
            "subtotal": to_api(self.subtotal),
            "vat": {"rate": str(self.vat_rate), "amount": to_api(self.vat_amount)},
            "total": to_api(self.total),
            "ocw_top_up": to_api(self.ocw_top_up),
        }

    def budget_api(self) -> dict[str, str]:
        return {"collective": to_api(self.collective), "individual": to_api(self.individual)}


def free_teachers_apply(programme: Programme, kind: str, first_submitted_at: dt.datetime) -> bool:
    """VO: the first `teacher_free_count` teacher memberships are free when the initial
    order was first submitted before `teacher_free_before` (SPEC §5)."""
    if kind != OrderKind.INITIAL or programme.teacher_free_before is None:
        return False
    return first_submitted_at.astimezone(clock.AMSTERDAM).date() < programme.teacher_free_before


def make_quote(
    programme: Programme,
    *,
    kind: str,
    with_contribution: int,
    without_contribution: int,
    teachers: int = 0,
    first_submitted_at: dt.datetime | None = None,
    dossier: bool = False,
) -> Quote:
    """The invoice lines, total, OCW top-up and resulting budgets for these numbers.

    `dossier`: the school asked for the Cultuurkaart-dossier (`dossier_interest`): a line of
    the programme's `rate_dossier` per ordered student (SPEC §11: €2 per VO student per
    year; MBO's rate is 0, so no line: free)."""
    lines: list[QuoteLine] = []
    if with_contribution:
        lines.append(
            QuoteLine(
                LineCode.SCHOOL_CONTRIBUTION,
                "Bijdrage school (studenten met bijdrage)",
                with_contribution,
                programme.rate_school,
                quantize(with_contribution * programme.rate_school),
            )
        )
    if without_contribution:
        lines.append(
            QuoteLine(
                LineCode.ADMIN_FEE,
                "Administratiekosten (studenten zonder bijdrage)",
                without_contribution,
                programme.rate_admin_fee,
                quantize(without_contribution * programme.rate_admin_fee),
            )
        )
    free = 0
    if teachers and programme.rate_teacher_fee > 0:
        lines.append(
            QuoteLine(
                LineCode.TEACHER_MEMBERSHIP,
                "Lidmaatschap docenten en medewerkers",
                teachers,
                programme.rate_teacher_fee,
                quantize(teachers * programme.rate_teacher_fee),
            )
        )
        if free_teachers_apply(programme, kind, first_submitted_at or clock.now()):
            free = min(teachers, programme.teacher_free_count)
            if free:
                lines.append(
                    QuoteLine(
                        LineCode.TEACHER_MEMBERSHIP_FREE,
                        "Gratis docentlidmaatschappen (besteld vóór "
                        f"{programme.teacher_free_before:%d-%m-%Y})",
                        -free,
                        programme.rate_teacher_fee,
                        quantize(-free * programme.rate_teacher_fee),
                    )
                )
    students = with_contribution + without_contribution
    if dossier and students and programme.rate_dossier > 0:
        lines.append(
            QuoteLine(
                LineCode.DOSSIER,
                "Cultuurkaart-dossier (per student per jaar)",
                students,
                programme.rate_dossier,
                quantize(students * programme.rate_dossier),
            )
        )
    subtotal = sum((line.amount for line in lines), ZERO)
    rate = vat_rate()
    vat_amount = quantize(subtotal * rate / 100)
    return Quote(
        lines=lines,
        subtotal=subtotal,
        vat_rate=rate,
        vat_amount=vat_amount,
        total=subtotal + vat_amount,
        ocw_top_up=quantize((with_contribution + without_contribution) * programme.rate_ocw),
        collective=quantize(with_contribution * (programme.rate_school + programme.rate_ocw)),
        individual=quantize(without_contribution * programme.rate_ocw),
        free_teachers=free,
    )


def first_initial_submission(school, programme, default: dt.datetime | None = None):
    """When the school first submitted an initial order for the programme (also one
    that was later cancelled or rejected); `default` when it never did."""
    first = (
        BudgetOrder.objects.filter(school=school, programme=programme, kind=OrderKind.INITIAL)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    if first is None:
        return default
    return min(first, default) if default else first


def order_quote(order: BudgetOrder) -> Quote:
    first = order.submitted_at
    if order.kind == OrderKind.INITIAL and order.programme.teacher_free_before and order.teachers:
        first = first_initial_submission(order.school_id, order.programme_id, order.submitted_at)
    return make_quote(
        order.programme,
        kind=order.kind,
        with_contribution=order.with_contribution,
        without_contribution=order.without_contribution,
        teachers=order.teachers,
        first_submitted_at=first,
        dossier=order.dossier_interest,
    )
