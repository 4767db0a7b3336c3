"""Budget orders, invoices, payments and third-party contributions: every write (SPEC §5).

Lock order (docs/invoicing.md): programme → budget order → invoice → invoice sequence →
ledger accounts (ascending id, inside ledger.services). Every service runs in its own
transaction, writes its audit entry there and sends mail on commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import Conflict, DomainError, ValidationFailed
from cultuurkaart.core.money import ZERO, parse_money, quantize, to_api
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.memberships import services as memberships_services
from cultuurkaart.memberships.constants import EndReason
from cultuurkaart.rosters import queries as rosters
from cultuurkaart.schools import services as schools_services
from cultuurkaart.schools.constants import SchoolKind, SchoolStatus
from cultuurkaart.schools.models import Programme, School

from . import calendar, pdf
from .constants import (
    AWAITING,
    LIVE,
    TRANSITIONS,
    InvoiceKind,
    InvoiceStatus,
    LineCode,
    OrderKind,
    OrderStatus,
)
from .models import (
    BudgetOrder,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
    ThirdPartyContribution,
)

PAYMENT_TERM_DAYS = 30
REMINDER_INTERVAL_DAYS = 14


# --- errors (types from API.md) ------------------------------------------------------


class OrderRefused(DomainError):
    status = 422
    title = "Order refused"


class ObjectionPeriodOver(Conflict):
    type = "objection-period-over"
    title = "The objection period is over"


class ObjectionPeriodRunning(Conflict):
    type = "objection-period-running"
    title = "The objection period is still running"


class OcwFundsExhausted(Conflict):
    type = "ocw-funds-exhausted"
    title = "The national OCW budget is exhausted"


def _refuse(type_: str, message: str) -> OrderRefused:
    return OrderRefused(message, type=type_)


def _transition(order: BudgetOrder, status: str) -> None:
    if status not in TRANSITIONS[OrderStatus(order.status)]:
        raise Conflict(
            f"An order that is {order.status} cannot become {status}.", type="invalid-status"
        )
    order.status = status


def vat_rate() -> Decimal:
    """VAT on budget-order invoices in percent; 0 unless CK_INVOICE_VAT_RATE is set."""
    return Decimal(str(getattr(settings, "CK_INVOICE_VAT_RATE", "0")))


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
) -> Quote:
    """The invoice lines, total, OCW top-up and resulting budgets for these numbers."""
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
    )


# --- input --------------------------------------------------------------------------


def _whole(data: dict, name: str, errors: list[dict], *, required: bool) -> int:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.append({"field": name, "code": "required", "message": "Vul een aantal in."})
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append({"field": name, "code": "not-whole", "message": "Vul een heel getal in."})
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.append({"field": name, "code": "not-whole", "message": "Vul een heel getal in."})
        return 0
    if number < 0:
        errors.append({"field": name, "code": "negative", "message": "Vul 0 of meer in."})
        return 0
    if number > 1_000_000:
        errors.append({"field": name, "code": "too-large", "message": "Dit aantal is te groot."})
        return 0
    return number


@dataclass
class OrderInput:
    with_contribution: int
    without_contribution: int
    teachers: int
    dossier_interest: bool
    reference: str


def clean_numbers(data: dict) -> OrderInput:
    errors: list[dict] = []
    with_c = _whole(data, "with_contribution", errors, required=True)
    without_c = _whole(data, "without_contribution", errors, required=True)
    teachers = _whole(data, "teachers", errors, required=False)
    reference = data.get("reference") or ""
    if not isinstance(reference, str):
        errors.append({"field": "reference", "code": "invalid", "message": "Vul tekst in."})
        reference = ""
    reference = reference.strip()
    if len(reference) > 60:
        errors.append({"field": "reference", "code": "too-long", "message": "Maximaal 60 tekens."})
    if not errors and with_c + without_c == 0:
        errors.append(
            {
                "field": "with_contribution",
                "code": "no-students",
                "message": "Bestel voor ten minste één student.",
            }
        )
    if errors:
        raise ValidationFailed("Some numbers are missing or invalid.", errors=errors)
    return OrderInput(with_c, without_c, teachers, bool(data.get("dossier_interest")), reference)


def _programme_for(school: School, code: Any) -> Programme:
    programme = Programme.objects.filter(code=code).first() if isinstance(code, str) else None
    if programme is None or not school.programmes.filter(pk=programme.pk).exists():
        raise ValidationFailed(
            "Unknown programme.",
            errors=[
                {
                    "field": "programme",
                    "code": "unknown-programme",
                    "message": "Deze school doet niet mee aan dit programma.",
                }
            ],
        )
    return programme


def _check_deviation(students_total: int, duo: int | None) -> None:
    if duo is None:
        raise _refuse(
            "duo-count-missing",
            "Het aantal studenten volgens DUO is niet bekend; neem contact op met CJP.",
        )
    if 10 * abs(students_total - duo) > duo:
        raise _refuse(
            "deviation-exceeded",
            f"Het aantal studenten ({students_total}) wijkt meer dan 10% af van het aantal "
            f"volgens DUO ({duo}).",
        )


def _live_students(school: School, programme: Programme, exclude: int | None = None) -> int:
    qs = BudgetOrder.objects.filter(school=school, programme=programme, status__in=LIVE)
    if exclude:
        qs = qs.exclude(pk=exclude)
    agg = qs.aggregate(w=Sum("with_contribution"), wo=Sum("without_contribution"))
    return (agg["w"] or 0) + (agg["wo"] or 0)


def _check_registration(school: School) -> None:
    if school.status != SchoolStatus.ACTIVE:
        raise _refuse("registration-not-active", "De aanmelding van de school is niet actief.")


def check_order(
    school: School, programme: Programme, kind: str, data: dict, *, exclude: int | None = None
) -> OrderInput:
    """The submission checks in the order of SPEC §5 (permission is the caller's)."""
    _check_registration(school)
    today = clock.today()
    if not programme.is_ordering_open(today):
        raise _refuse(
            "ordering-closed",
            f"Bestellen kan van {programme.order_from:%d-%m-%Y} tot en met "
            f"{programme.order_until:%d-%m-%Y}.",
        )
    uploaded = rosters.last_full_upload_at(school, "students")
    if (
        uploaded is None
        or uploaded.astimezone(clock.AMSTERDAM).date() < programme.roster_after
        or rosters.roster_size(school, "students") == 0
    ):
        raise _refuse(
            "roster-missing",
            "Upload eerst de studentgegevens (op of na "
            f"{programme.roster_after:%d-%m-%Y}) voordat u bestelt.",
        )
    if kind == OrderKind.INITIAL and programme.max_orders is not None:
        live_initial = (
            BudgetOrder.objects.filter(
                school=school, programme=programme, kind=OrderKind.INITIAL, status__in=LIVE
            )
            .exclude(pk=exclude or 0)
            .count()
        )
        if live_initial >= programme.max_orders:
            raise _refuse(
                "already-ordered",
                "Voor dit programma is al een eerste bestelling gedaan; gebruik bijbestellen.",
            )
    numbers = clean_numbers(data)
    students = numbers.with_contribution + numbers.without_contribution
    if kind == OrderKind.SUPPLEMENTARY:
        students += _live_students(school, programme, exclude=exclude)
    _check_deviation(students, school.duo_count)
    return numbers


def _kind(value: Any) -> str:
    if value not in OrderKind.values:
        raise ValidationFailed(
            "Unknown order kind.",
            errors=[{"field": "kind", "code": "invalid", "message": "initial of supplementary"}],
        )
    return value


def quote_for(school: School, data: dict) -> Quote:
    """The live quote of the order form / quote endpoint: numbers only, nothing stored."""
    programme = _programme_for(school, data.get("programme"))
    kind = _kind(data.get("kind", OrderKind.INITIAL))
    numbers = clean_numbers(data)
    return make_quote(
        programme,
        kind=kind,
        with_contribution=numbers.with_contribution,
        without_contribution=numbers.without_contribution,
        teachers=numbers.teachers,
        first_submitted_at=first_initial_submission(school, programme, clock.now()),
    )


# --- contacts -------------------------------------------------------------------------


def budget_holder_emails(school: School) -> set[str]:
    return set(schools_services.budget_holder_emails(school))


def order_contacts(school: School) -> set[str]:
    """Directie and every budget holder (SPEC §1, §5)."""
    return {school.directie_email, *budget_holder_emails(school)} - {""}


# --- orders ---------------------------------------------------------------------------


def submit_order(school: School, data: dict, *, actor) -> BudgetOrder:
    with transaction.atomic():
        school = School.objects.select_for_update(of=("self",), no_key=True).get(pk=school.pk)
        _check_registration(school)  # first, before the body is looked at (SPEC §5)
        programme = _programme_for(school, data.get("programme"))
        kind = _kind(data.get("kind"))
        numbers = check_order(school, programme, kind, data)
        now = clock.now()
        order = BudgetOrder.objects.create(
            school=school,
            programme=programme,
            kind=kind,
            status=OrderStatus.SUBMITTED,
            with_contribution=numbers.with_contribution,
            without_contribution=numbers.without_contribution,
            teachers=numbers.teachers,
            dossier_interest=numbers.dossier_interest,
            reference=numbers.reference,
            duo_count=school.duo_count,
            submitted_at=now,
            objection_deadline=calendar.objection_deadline(now),
            updated_at=now,
            submitted_by=actor,
        )
        audit.record(
            "orders.order.submitted",
            actor=actor,
            obj=order,
            school_id=school.pk,
            data={
                "kind": kind,
                "with": order.with_contribution,
                "without": order.without_contribution,
                "teachers": order.teachers,
            },
        )
        _mail_order(order, "order_confirmation")
    return order


def _mail_order(order: BudgetOrder, template: str, **extra) -> None:
    quote = order_quote(order)
    mail.send(
        template,
        order_contacts(order.school),
        {"order": order, "school": order.school, "quote": quote, **extra},
    )


def _locked_order(order: BudgetOrder) -> BudgetOrder:
    return (
        BudgetOrder.objects.select_for_update(of=("self",), no_key=True)
        .select_related("school", "programme")
        .get(pk=order.pk)
    )


def change_order(order: BudgetOrder, data: dict, *, actor) -> BudgetOrder:
    """New numbers during the objection period; the deadline does not move."""
    with transaction.atomic():
        order = _locked_order(order)
        if order.status != OrderStatus.SUBMITTED or not order.in_objection_period():
            raise ObjectionPeriodOver("The order can no longer be changed.")
        merged = {
            "with_contribution": order.with_contribution,
            "without_contribution": order.without_contribution,
            "teachers": order.teachers,
            "dossier_interest": order.dossier_interest,
            "reference": order.reference,
        }
        merged.update({k: v for k, v in data.items() if k in merged and v is not None})
        numbers = check_order(order.school, order.programme, order.kind, merged, exclude=order.pk)
        order.with_contribution = numbers.with_contribution
        order.without_contribution = numbers.without_contribution
        order.teachers = numbers.teachers
        order.dossier_interest = numbers.dossier_interest
        order.reference = numbers.reference
        order.updated_at = clock.now()
        order.save()
        audit.record(
            "orders.order.changed",
            actor=actor,
            obj=order,
            school_id=order.school_id,
            data={
                "with": order.with_contribution,
                "without": order.without_contribution,
                "teachers": order.teachers,
            },
        )
        _mail_order(order, "order_changed")
    return order


def cancel_order(order: BudgetOrder, *, actor) -> BudgetOrder:
    with transaction.atomic():
        order = _locked_order(order)
        if order.status != OrderStatus.SUBMITTED or not order.in_objection_period():
            raise ObjectionPeriodOver("The order can no longer be cancelled.")
        _transition(order, OrderStatus.CANCELLED)
        order.updated_at = clock.now()
        order.save()
        audit.record("orders.order.cancelled", actor=actor, obj=order, school_id=order.school_id)
        _mail_order(order, "order_cancelled")
    return order


def close_objection_periods() -> int:
    """Move orders whose objection period is over to the admin's worklist."""
    with transaction.atomic():
        ids = list(
            BudgetOrder.objects.select_for_update(of=("self",), no_key=True)
            .filter(status=OrderStatus.SUBMITTED, objection_deadline__lt=clock.now())
            .values_list("pk", flat=True)
        )
        BudgetOrder.objects.filter(pk__in=ids).update(status=OrderStatus.AWAITING_DECISION)
        if ids:
            audit.record("orders.objection_period.closed", data={"orders": len(ids)})
    return len(ids)


def _check_decidable(order: BudgetOrder) -> None:
    if order.status not in AWAITING:
        raise Conflict("This order has already been decided.", type="already-decided")
    if order.in_objection_period():
        raise ObjectionPeriodRunning(
            "The school can still change or cancel this order until "
            f"{order.objection_deadline.astimezone(clock.AMSTERDAM):%d-%m-%Y %H:%M:%S}."
        )


def reject_order(order: BudgetOrder, reason: str, *, actor) -> BudgetOrder:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "A reason is required.",
            errors=[{"field": "reason", "code": "required", "message": "Vul een reden in."}],
        )
    with transaction.atomic():
        order = _locked_order(order)
        _check_decidable(order)
        _transition(order, OrderStatus.REJECTED)
        order.rejection_reason = reason[:2000]
        order.decided_at = clock.now()
        order.decided_by = actor
        order.save()
        audit.record("orders.order.rejected", actor=actor, obj=order, school_id=order.school_id)
        _mail_order(order, "order_rejected")
    return order


def ocw_allocated(programme: Programme) -> Decimal:
    total = BudgetOrder.objects.filter(programme=programme, status=OrderStatus.APPROVED).aggregate(
        s=Sum("ocw_allocated")
    )["s"]
    return total or ZERO


def approve_order(order: BudgetOrder, *, actor) -> Invoice:
    """Approve after the objection period, within the national OCW cap, and issue the
    invoice (numbered, with PDF, e-mailed to the invoice address)."""
    with transaction.atomic():
        programme = Programme.objects.select_for_update(of=("self",), no_key=True).get(
            pk=order.programme_id
        )
        order = _locked_order(order)
        _check_decidable(order)
        quote = order_quote(order)
        if programme.ocw_total is not None and (
            ocw_allocated(programme) + quote.ocw_top_up > programme.ocw_total
        ):
            raise OcwFundsExhausted(
                "Approving this order would exceed the national OCW budget of the programme."
            )
        _transition(order, OrderStatus.APPROVED)
        order.decided_at = clock.now()
        order.decided_by = actor
        order.ocw_allocated = quote.ocw_top_up
        order.save()
        school = order.school
        invoice = _issue_invoice(
            kind=InvoiceKind.BUDGET_ORDER,
            school=school,
            programme=programme,
            order=order,
            recipient_name=school.name,
            recipient_email=school.invoice_email,
            recipient_address=school.invoice_address,
            reference=order.reference,
            lines=quote.lines,
            vat=(quote.vat_rate, quote.vat_amount),
            ocw_top_up=quote.ocw_top_up,
            actor=actor,
        )
        audit.record(
            "orders.order.approved",
            actor=actor,
            obj=order,
            school_id=school.pk,
            data={"invoice": invoice.pk},
        )
        _mail_order(order, "order_approved", invoice=invoice)
    return invoice


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
    original keeps its number and content and is marked credited (cancelled)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",), no_key=True).get(pk=invoice.pk)
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
    return note


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
        amount = parse_money(data.get("amount"))
        if amount <= 0:
            raise ValueError
    except (ValueError, TypeError):
        errors.append(
            {"field": "amount", "code": "invalid", "message": "Vul een positief bedrag in."}
        )
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
            invoice = Invoice.objects.select_for_update(of=("self",), no_key=True).get(order=order)
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


def is_mbo(programme: Programme) -> bool:
    return programme.kind == SchoolKind.MBO
