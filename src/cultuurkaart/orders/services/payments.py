"""Payments: registration, release of the budget, cancellation for non-payment (SPEC §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import ZERO, parse_money, quantize, to_api
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.memberships import services as memberships_services
from cultuurkaart.memberships.constants import EndReason
from cultuurkaart.schools import services as schools_services

from .. import calendar
from ..constants import (
    InvoiceKind,
    InvoiceStatus,
    LineCode,
    OrderKind,
    OrderStatus,
)
from ..models import (
    BudgetOrder,
    Invoice,
    Payment,
)
from .common import _transition, order_contacts
from .orders import _locked_order

# --- payments -------------------------------------------------------------------------


def register_payment(invoice: Invoice, amount: Any, paid_on: Any, *, actor) -> Payment:
    """Register a (partial) payment. Fully paid → status paid and the budget released;
    an overpayment is held as credit for the school."""
    errors: list[dict] = []
    try:
        value = parse_money(amount)
        if value <= 0:
            raise ValueError
    except (ValueError, TypeError):
        errors.append(
            {"field": "amount", "code": "invalid", "message": "Vul een positief bedrag in."}
        )
        value = ZERO
    day = paid_on
    if isinstance(paid_on, str):
        try:
            day = dt.date.fromisoformat(paid_on)
        except ValueError:
            day = None
    if not isinstance(day, dt.date):
        errors.append({"field": "paid_on", "code": "invalid", "message": "Datum: JJJJ-MM-DD."})
    elif day > clock.today():
        errors.append(
            {"field": "paid_on", "code": "in-future", "message": "De datum ligt in de toekomst."}
        )
    if errors:
        raise ValidationFailed("Invalid payment.", errors=errors)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .select_related("school", "programme")
            .get(pk=invoice.pk)
        )
        if invoice.kind == InvoiceKind.CREDIT_NOTE or invoice.status == InvoiceStatus.CANCELLED:
            raise Conflict("No payments on a credited invoice.", type="invalid-status")
        to_receivable = min(value, invoice.outstanding)
        to_credit = value - to_receivable
        school, programme = invoice.school, invoice.programme
        lines = [(ledger.account(AccountKind.BANK), value)]
        if to_receivable:
            lines.append(
                (
                    ledger.account(AccountKind.RECEIVABLE, school=school, programme=programme),
                    -to_receivable,
                )
            )
        if to_credit:
            lines.append(
                (
                    ledger.account(AccountKind.CUSTOMER_CREDIT, school=school, programme=programme),
                    -to_credit,
                )
            )
        payment = Payment.objects.create(
            invoice=invoice, amount=value, paid_on=day, registered_by=actor
        )
        ledger.post_entry(
            kind=EntryKind.PAYMENT_RECEIVED,
            description=f"Betaling factuur {invoice.number}",
            lines=lines,
            school=school,
            programme=programme,
            reference=f"payment:{payment.pk}",
            actor=actor,
        )
        invoice.amount_paid += value
        fields = ["amount_paid"]
        if invoice.status == InvoiceStatus.OPEN and invoice.amount_paid >= invoice.total:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = clock.now()
            fields += ["status", "paid_at"]
            _release(invoice, actor=actor)
        invoice.save(update_fields=fields)
        audit.record(
            "orders.payment.registered",
            actor=actor,
            obj=payment,
            school_id=school.pk,
            data={"invoice": invoice.pk, "amount": to_api(value), "paid": invoice.status == "paid"},
        )
    return payment


def _release(invoice: Invoice, *, actor) -> None:
    """The invoice is paid in full: move its money into the school's buckets."""
    school, programme = invoice.school, invoice.programme
    acct = ledger.account
    lines: list[tuple[Any, Decimal]] = [
        (acct(AccountKind.INVOICED, programme=programme), invoice.total)
    ]
    by_code: dict[str, Decimal] = {}
    for line in invoice.lines.all():
        by_code[line.code] = by_code.get(line.code, ZERO) + line.amount
    targets = {
        LineCode.SCHOOL_CONTRIBUTION: acct(AccountKind.SCHOOL, school=school, programme=programme),
        LineCode.ADMIN_FEE: acct(AccountKind.ADMIN_FEE_INCOME, programme=programme),
        LineCode.TEACHER_MEMBERSHIP: acct(AccountKind.MEMBERSHIP_INCOME, programme=programme),
        LineCode.TEACHER_MEMBERSHIP_FREE: acct(AccountKind.MEMBERSHIP_INCOME, programme=programme),
        LineCode.THIRD_PARTY: acct(AccountKind.THIRD_PARTY, school=school, programme=programme),
    }
    for code, amount in by_code.items():
        lines.append((targets[LineCode(code)], -amount))
    if invoice.vat_amount:
        lines.append((acct(AccountKind.VAT_PAYABLE, programme=programme), -invoice.vat_amount))
    order = invoice.order
    if order is not None and order.ocw_forfeited_at is None:
        ocw_collective = quantize(order.with_contribution * programme.rate_ocw)
        ocw_individual = quantize(order.without_contribution * programme.rate_ocw)
        lines += [
            (acct(AccountKind.OCW_FUND, programme=programme), ocw_collective + ocw_individual),
            (acct(AccountKind.OCW, school=school, programme=programme), -ocw_collective),
            (acct(AccountKind.INDIVIDUAL, school=school, programme=programme), -ocw_individual),
        ]
    ledger.post_entry(
        kind=EntryKind.RELEASE,
        description=(
            f"Budget vrijgegeven (factuur {invoice.number})"
            if invoice.kind == InvoiceKind.BUDGET_ORDER
            else f"Bijdrage derden vrijgegeven (factuur {invoice.number})"
        ),
        lines=lines,
        school=school,
        programme=programme,
        reference=f"invoice:{invoice.pk}",
        actor=actor,
    )
    if order is not None:
        BudgetOrder.objects.filter(pk=order.pk).update(released_at=clock.now())
    audit.record("orders.budget.released", actor=actor, obj=invoice, school_id=school.pk)
    spendable = max(programme.spend_from, clock.today())
    mail.send(
        "budget_released",
        order_contacts(school),
        {"invoice": invoice, "school": school, "programme": programme, "spendable_from": spendable},
    )


# --- jobs ---------------------------------------------------------------------------


def cancel_unpaid(*, actor=None) -> list[int]:
    """Approved orders unpaid more than 3 months after the order date lose their OCW
    contribution; an initial order's school registration is cancelled. The invoice stays
    due. Idempotent."""
    today = clock.today()
    cancelled: list[int] = []
    candidates = (
        BudgetOrder.objects.filter(status=OrderStatus.APPROVED, invoice__status=InvoiceStatus.OPEN)
        .select_related("school", "programme", "invoice")
        .order_by("pk")
    )
    for candidate in candidates:
        if calendar.unpaid_cancellation_from(candidate.submitted_at) > today:
            continue
        with transaction.atomic():
            order = _locked_order(candidate)
            invoice = Invoice.objects.select_for_update().get(order=order)
            if order.status != OrderStatus.APPROVED or invoice.status != InvoiceStatus.OPEN:
                continue
            _transition(order, OrderStatus.CANCELLED_UNPAID)
            order.ocw_forfeited_at = clock.now()
            order.save()
            audit.record(
                "orders.order.cancelled_unpaid",
                actor=actor,
                obj=order,
                school_id=order.school_id,
                data={"invoice": invoice.pk},
            )
            school = order.school
            registration_cancelled = False
            if order.kind == OrderKind.INITIAL and schools_services.cancel_registration(
                school, reason="unpaid", actor=actor, data={"order": order.pk}
            ):
                # SPEC §4 Early end: a registration cancelled for non-payment ends the
                # school's memberships.
                memberships_services.end_school_memberships(
                    school, reason=EndReason.SCHOOL_ENDED, actor=actor
                )
                registration_cancelled = True
            mail.send(
                "order_cancelled_unpaid",
                {*order_contacts(school), school.board_email, school.invoice_email} - {""},
                {
                    "order": order,
                    "school": school,
                    "invoice": invoice,
                    "registration_cancelled": registration_cancelled,
                },
            )
            cancelled.append(order.pk)
    return cancelled
