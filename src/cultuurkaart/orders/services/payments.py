"""Payments: registration, release of the budget, cancellation for non-payment (SPEC §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import ZERO, MoneyError, parse_amount, quantize, to_api
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.memberships import services as memberships_services
from cultuurkaart.memberships.constants import EndReason
from cultuurkaart.schools import services as schools_services
from cultuurkaart.schools.models import Programme

from .. import calendar
from ..constants import (
    LIVE,
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
from .orders import _locked_order, ocw_allocated

# --- payments -------------------------------------------------------------------------


def register_payment(invoice: Invoice, amount: Any, paid_on: Any, *, actor) -> Payment:
    """Register a (partial) payment. Fully paid → status paid and the budget released;
    an overpayment is held as credit for the school."""
    errors: list[dict] = []
    try:
        value = parse_amount(amount)
    except MoneyError as exc:
        errors.append({"field": "amount", "code": exc.code, "message": exc.message})
        value = ZERO
    day = paid_on
    if isinstance(paid_on, str):
        try:
            day = dt.date.fromisoformat(paid_on)
        except ValueError:
            day = None
    if not isinstance(day, dt.date):
        errors.append({"field": "paid_on", "code": "invalid", "message": "Datum: JJJJ-MM-DD."})
    elif not clock.is_sane_date(day):
        errors.append(
            {"field": "paid_on", "code": "date-out-of-range", "message": "Deze datum kan niet."}
        )
    elif day > clock.today():
        errors.append(
            {"field": "paid_on", "code": "in-future", "message": "De datum ligt in de toekomst."}
        )
    if errors:
        raise ValidationFailed("Invalid payment.", errors=errors)
    with transaction.atomic():
        order_id = Invoice.objects.filter(pk=invoice.pk).values_list("order_id", flat=True).first()
        order = None
        if order_id:
            # Lock order of docs/invoicing.md: programme → order → invoice. The programme
            # is locked because a payment dated in time may reinstate a cancelled order
            # and its OCW under the national cap.
            programme_id = BudgetOrder.objects.values_list("programme_id", flat=True).get(
                pk=order_id
            )
            Programme.objects.select_for_update(of=("self",), no_key=True).get(pk=programme_id)
            order = (
                BudgetOrder.objects.select_for_update(of=("self",), no_key=True)
                .select_related("school", "programme")
                .get(pk=order_id)
            )
        invoice = (
            Invoice.objects.select_for_update(of=("self",), no_key=True)
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
        outcome = "partial"
        if invoice.status == InvoiceStatus.OPEN and invoice.amount_paid >= invoice.total:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = clock.now()
            fields += ["status", "paid_at"]
            outcome = "released"
            if order is not None and order.status == OrderStatus.CANCELLED_UNPAID:
                if paid_in_time(invoice, order) and not _replaced(order):
                    _reinstate(order, actor=actor)
                    invoice.order = order
                else:
                    outcome = "held"
            _release(invoice, actor=actor, hold=outcome == "held")
        invoice.save(update_fields=fields)
        audit.record(
            "orders.payment.registered",
            actor=actor,
            obj=payment,
            school_id=school.pk,
            data={
                "invoice": invoice.pk,
                "amount": to_api(value),
                "paid_on": day.isoformat(),
                "paid": invoice.status == "paid",
                "outcome": outcome,
            },
        )
    return payment


def paid_in_time(invoice: Invoice, order: BudgetOrder) -> bool:
    """The invoice is covered by payments dated before the order's cancellation date
    (what counts is when the school paid, `paid_on`, not when it was registered)."""
    cancellation_on = calendar.unpaid_cancellation_from(order.submitted_at, invoice.due_on)
    in_time = invoice.payments.filter(paid_on__lt=cancellation_on).aggregate(s=Sum("amount"))["s"]
    return (in_time or ZERO) >= invoice.total


def _replaced(order: BudgetOrder) -> bool:
    """An initial order cannot come back while the school has another live initial order
    (one live initial order per school and programme); its money is then held."""
    return (
        order.kind == OrderKind.INITIAL
        and BudgetOrder.objects.filter(
            school_id=order.school_id,
            programme_id=order.programme_id,
            kind=OrderKind.INITIAL,
            status__in=LIVE,
        )
        .exclude(pk=order.pk)
        .exists()
    )


def _reinstate(order: BudgetOrder, *, actor) -> None:
    """A payment dated before the cancellation moment was registered after it: the order
    is approved again with its OCW when the national cap allows (otherwise without it,
    decision M8-4), and a registration the cancellation ended comes back with the
    memberships it ended. Runs under the programme and order locks."""
    programme = order.programme
    cap_ok = programme.ocw_total is None or (
        ocw_allocated(programme) + order.ocw_allocated <= programme.ocw_total
    )
    _transition(order, OrderStatus.APPROVED)
    if cap_ok:
        order.ocw_forfeited_at = None
    else:
        order.ocw_allocated = ZERO
    order.updated_at = clock.now()
    order.save(update_fields=["status", "ocw_forfeited_at", "ocw_allocated", "updated_at"])
    restored = 0
    registration = False
    if order.cancelled_registration:
        registration = schools_services.reinstate_registration(
            order.school, reason="paid-in-time", actor=actor, data={"order": order.pk}
        )
        if registration and order.unpaid_cancelled_at is not None:
            restored = memberships_services.restore_school_memberships(
                order.school, ended_since=order.unpaid_cancelled_at, actor=actor
            )
    audit.record(
        "orders.order.reinstated",
        actor=actor,
        obj=order,
        school_id=order.school_id,
        data={
            "ocw_reinstated": cap_ok,
            "registration_reinstated": registration,
            "memberships_restored": restored,
        },
    )
    mail.send(
        "order_reinstated",
        order_contacts(order.school),
        {"order": order, "school": order.school, "ocw_reinstated": cap_ok},
    )


def _release(invoice: Invoice, *, actor, hold: bool = False) -> None:
    """The invoice is paid in full: move its money into the school's buckets.

    `hold`: the order was cancelled for non-payment and this money came too late: the
    school contribution is held for refund (the school's credit account, never a
    spendable bucket) and no OCW is released; fees stay income, as the invoice stayed
    due (SPEC §5, decision M8-4)."""
    school, programme = invoice.school, invoice.programme
    acct = ledger.account
    lines: list[tuple[Any, Decimal]] = [
        (acct(AccountKind.INVOICED, programme=programme), invoice.total)
    ]
    by_code: dict[str, Decimal] = {}
    for line in invoice.lines.all():
        by_code[line.code] = by_code.get(line.code, ZERO) + line.amount
    targets = {
        LineCode.SCHOOL_CONTRIBUTION: acct(
            AccountKind.CUSTOMER_CREDIT if hold else AccountKind.SCHOOL,
            school=school,
            programme=programme,
        ),
        LineCode.ADMIN_FEE: acct(AccountKind.ADMIN_FEE_INCOME, programme=programme),
        LineCode.TEACHER_MEMBERSHIP: acct(AccountKind.MEMBERSHIP_INCOME, programme=programme),
        LineCode.TEACHER_MEMBERSHIP_FREE: acct(AccountKind.MEMBERSHIP_INCOME, programme=programme),
        LineCode.THIRD_PARTY: acct(AccountKind.THIRD_PARTY, school=school, programme=programme),
        LineCode.DOSSIER: acct(AccountKind.DOSSIER_INCOME, programme=programme),
    }
    for code, amount in by_code.items():
        lines.append((targets[LineCode(code)], -amount))
    if invoice.vat_amount:
        lines.append((acct(AccountKind.VAT_PAYABLE, programme=programme), -invoice.vat_amount))
    order = invoice.order
    if hold:
        ledger.post_entry(
            kind=EntryKind.OTHER,
            description=(
                f"Betaald na annulering (factuur {invoice.number}): bijdrage school "
                "apart gehouden voor terugbetaling"
            ),
            lines=lines,
            school=school,
            programme=programme,
            reference=f"invoice:{invoice.pk}",
            actor=actor,
        )
        audit.record(
            "orders.payment.held_for_refund",
            actor=actor,
            obj=invoice,
            school_id=school.pk,
            data={"order": order.pk if order else None},
        )
        return
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
    """Approved orders unpaid on their cancellation date (the later of order date + 3
    months + 1 day and due date + 1 day, `calendar.unpaid_cancellation_from`) lose their
    OCW contribution; an initial order's school registration is cancelled and the
    school's memberships end. The invoice stays due; a payment dated before the
    cancellation date that is registered later reinstates all of it
    (`register_payment`). Idempotent."""
    today = clock.today()
    cancelled: list[int] = []
    candidates = (
        BudgetOrder.objects.filter(status=OrderStatus.APPROVED, invoice__status=InvoiceStatus.OPEN)
        .select_related("school", "programme", "invoice")
        .order_by("pk")
    )
    for candidate in candidates:
        due_on = candidate.invoice.due_on
        if calendar.unpaid_cancellation_from(candidate.submitted_at, due_on) > today:
            continue
        with transaction.atomic():
            order = _locked_order(candidate)
            invoice = Invoice.objects.select_for_update(of=("self",), no_key=True).get(order=order)
            if order.status != OrderStatus.APPROVED or invoice.status != InvoiceStatus.OPEN:
                continue
            _transition(order, OrderStatus.CANCELLED_UNPAID)
            moment = clock.now()
            order.ocw_forfeited_at = moment
            order.unpaid_cancelled_at = moment
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
                order.cancelled_registration = True
                order.save(update_fields=["cancelled_registration"])
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
