"""Invoices: gapless numbering, issue, credit notes, reminders and third-party
contribution invoices (SPEC §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import ZERO, MoneyError, parse_amount, to_api
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.schools.models import Programme, School

from .. import pdf
from ..constants import (
    InvoiceKind,
    InvoiceStatus,
    LineCode,
    OrderStatus,
)
from ..models import (
    BudgetOrder,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    ThirdPartyContribution,
)
from .common import (
    PAYMENT_TERM_DAYS,
    REMINDER_INTERVAL_DAYS,
    _programme_for,
    _transition,
    budget_holder_emails,
)
from .quotes import QuoteLine

# --- invoices -----------------------------------------------------------------------


def next_invoice_number(year: int) -> tuple[int, str]:
    """Take the next number of `year` from the row-locked counter: YY + six digits
    (2024 → 24000001, 24000002, …). Gapless: the counter row is locked until the
    surrounding transaction commits, and a rolled-back transaction rolls it back too."""
    if InvoiceSequence.objects.filter(year=year).first() is None:
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(year=year, last=0)
        except IntegrityError:
            pass
    seq = InvoiceSequence.objects.select_for_update(of=("self",), no_key=True).get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last, f"{year % 100:02d}{seq.last:06d}"


def _issue_invoice(
    *,
    kind: str,
    school: School,
    programme: Programme,
    recipient_name: str,
    recipient_email: str,
    recipient_address: str,
    reference: str,
    lines: list[QuoteLine],
    vat: tuple[Decimal, Decimal],
    ocw_top_up: Decimal,
    actor,
    order: BudgetOrder | None = None,
    credit_for: Invoice | None = None,
) -> Invoice:
    now = clock.now()
    issued_on = now.astimezone(clock.AMSTERDAM).date()
    sequence, number = next_invoice_number(issued_on.year)
    subtotal = sum((line.amount for line in lines), ZERO)
    invoice = Invoice(
        number=number,
        year=issued_on.year,
        sequence=sequence,
        kind=kind,
        school=school,
        programme=programme,
        order=order,
        credit_for=credit_for,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        recipient_address=recipient_address,
        reference=reference,
        issued_on=issued_on,
        issued_at=now,
        due_on=issued_on + dt.timedelta(days=PAYMENT_TERM_DAYS),
        subtotal=subtotal,
        vat_rate=vat[0],
        vat_amount=vat[1],
        total=subtotal + vat[1],
        ocw_top_up=ocw_top_up,
        status=InvoiceStatus.CANCELLED if kind == InvoiceKind.CREDIT_NOTE else InvoiceStatus.OPEN,
    )
    invoice.pdf = b""
    invoice.save()
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=i,
                code=line.code,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for i, line in enumerate(lines, start=1)
        ]
    )
    invoice.pdf = pdf.render_invoice(invoice, lines, school=school, programme=programme)
    invoice.save(update_fields=["pdf"])
    if invoice.total:
        ledger.post_entry(
            kind=EntryKind.CREDIT_NOTE
            if kind == InvoiceKind.CREDIT_NOTE
            else EntryKind.INVOICE_ISSUED,
            description=f"Factuur {number}",
            lines=[
                (
                    ledger.account(AccountKind.RECEIVABLE, school=school, programme=programme),
                    invoice.total,
                ),
                (ledger.account(AccountKind.INVOICED, programme=programme), -invoice.total),
            ],
            school=school,
            programme=programme,
            reference=f"invoice:{invoice.pk}",
            actor=actor,
        )
    audit.record(
        "orders.invoice.issued",
        actor=actor,
        obj=invoice,
        school_id=school.pk,
        data={"number": number, "kind": kind},
    )
    if recipient_email:
        mail.send(
            "invoice",
            [recipient_email],
            {"invoice": invoice, "school": school, "programme": programme},
            attachments=[(f"factuur-{number}.pdf", bytes(invoice.pdf), "application/pdf")],
        )
    return invoice


def issue_credit_note(invoice: Invoice, *, reason: str, actor) -> Invoice:
    """Correct an issued, unpaid invoice: a credit note with the negated lines; the
    original keeps its number and content and is marked credited (cancelled).

    A budget-order invoice credited in full ends its order in the same transaction
    (status `credited`): its OCW no longer counts against the national cap, and the
    school may order again (SPEC §5, decision M8-3). Locks the order before the invoice
    (the lock order of docs/invoicing.md)."""
    with transaction.atomic():
        order = None
        if invoice.order_id:
            order = BudgetOrder.objects.select_for_update(of=("self",), no_key=True).get(
                pk=invoice.order_id
            )
        invoice = (
            Invoice.objects.select_for_update(of=("self",), no_key=True)
            .select_related("school", "programme")
            .get(pk=invoice.pk)
        )
        if invoice.kind == InvoiceKind.CREDIT_NOTE or invoice.status != InvoiceStatus.OPEN:
            raise Conflict("Only an open invoice can be credited.", type="invalid-status")
        if invoice.amount_paid:
            raise Conflict(
                "A (partly) paid invoice cannot be credited here.", type="invoice-partly-paid"
            )
        lines = [
            QuoteLine(line.code, line.description, -line.quantity, line.unit_price, -line.amount)
            for line in invoice.lines.all()
        ]
        note = _issue_invoice(
            kind=InvoiceKind.CREDIT_NOTE,
            school=invoice.school,
            programme=invoice.programme,
            recipient_name=invoice.recipient_name,
            recipient_email=invoice.recipient_email,
            recipient_address=invoice.recipient_address,
            reference=f"Creditnota bij factuur {invoice.number}: {reason}"[:60],
            lines=lines,
            vat=(invoice.vat_rate, -invoice.vat_amount),
            ocw_top_up=ZERO,
            actor=actor,
            credit_for=invoice,
        )
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CANCELLED)
        audit.record(
            "orders.invoice.credited",
            actor=actor,
            obj=invoice,
            school_id=invoice.school_id,
            data={"credit_note": note.pk},
        )
        if order is not None:
            previous = order.status
            _transition(order, OrderStatus.CREDITED)
            order.updated_at = clock.now()
            order.save(update_fields=["status", "updated_at"])
            audit.record(
                "orders.order.credited",
                actor=actor,
                obj=order,
                school_id=order.school_id,
                data={
                    "invoice": invoice.pk,
                    "credit_note": note.pk,
                    "previous_status": previous,
                    "ocw_released": to_api(order.ocw_allocated)
                    if previous == OrderStatus.APPROVED and order.ocw_forfeited_at is None
                    else "0.00",
                },
            )
    return note


# --- third parties --------------------------------------------------------------------


def create_third_party_contribution(school: School, data: dict, *, actor) -> ThirdPartyContribution:
    programme = _programme_for(school, data.get("programme"))
    errors: list[dict] = []
    funder = (data.get("funder") or "").strip() if isinstance(data.get("funder"), str) else ""
    if not funder:
        errors.append(
            {"field": "funder", "code": "required", "message": "Vul de naam van de derde in."}
        )
    try:
        amount = parse_amount(data.get("amount"))
    except MoneyError as exc:
        errors.append({"field": "amount", "code": exc.code, "message": exc.message})
        amount = ZERO
    if errors:
        raise ValidationFailed("Invalid contribution.", errors=errors)
    with transaction.atomic():
        contribution = ThirdPartyContribution.objects.create(
            school=school,
            programme=programme,
            funder=funder[:200],
            funder_email=(data.get("funder_email") or "")[:254],
            funder_address=data.get("funder_address") or "",
            amount=amount,
            created_by=actor,
        )
        invoice = _issue_invoice(
            kind=InvoiceKind.THIRD_PARTY,
            school=school,
            programme=programme,
            recipient_name=contribution.funder,
            recipient_email=contribution.funder_email,
            recipient_address=contribution.funder_address,
            reference=f"Bijdrage derden voor {school.name}"[:60],
            lines=[
                QuoteLine(
                    LineCode.THIRD_PARTY,
                    f"Bijdrage cultuurbudget {school.name} ({programme.name})",
                    1,
                    amount,
                    amount,
                )
            ],
            vat=(ZERO, ZERO),
            ocw_top_up=ZERO,
            actor=actor,
        )
        contribution.invoice = invoice
        contribution.save(update_fields=["invoice"])
        audit.record(
            "orders.third_party.created",
            actor=actor,
            obj=contribution,
            school_id=school.pk,
            data={"invoice": invoice.pk},
        )
    return contribution


def send_reminders(*, actor=None) -> list[int]:
    """A reminder for every open invoice past its due date, at most every 14 days."""
    today = clock.today()
    last_ok = today - dt.timedelta(days=REMINDER_INTERVAL_DAYS)
    reminded: list[int] = []
    qs = Invoice.objects.filter(status=InvoiceStatus.OPEN, due_on__lt=today).exclude(
        kind=InvoiceKind.CREDIT_NOTE
    )
    for invoice in qs.select_related("school"):
        if invoice.last_reminder_on and invoice.last_reminder_on > last_ok:
            continue
        with transaction.atomic():
            updated = (
                Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.OPEN)
                .exclude(last_reminder_on__gt=last_ok)
                .update(last_reminder_on=today, reminders=F("reminders") + 1)
            )
            if not updated:
                continue
            audit.record(
                "orders.invoice.reminded", actor=actor, obj=invoice, school_id=invoice.school_id
            )
            to = {invoice.recipient_email}
            if invoice.kind == InvoiceKind.BUDGET_ORDER:
                to |= budget_holder_emails(invoice.school)
            mail.send(
                "invoice_reminder",
                to - {""},
                {"invoice": invoice, "school": invoice.school, "outstanding": invoice.outstanding},
            )
            reminded.append(invoice.pk)
    return reminded
