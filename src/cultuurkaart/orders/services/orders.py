"""Budget orders: submission checks, changes and cancellation in the objection period,
the admin's decision (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail, wording
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.core.money import ZERO
from cultuurkaart.rosters import queries as rosters
from cultuurkaart.schools.constants import SchoolKind, SchoolStatus
from cultuurkaart.schools.models import Programme, School

from .. import calendar
from ..constants import (
    AWAITING,
    LIVE,
    InvoiceKind,
    OrderKind,
    OrderStatus,
)
from ..models import (
    BudgetOrder,
    Invoice,
)
from .common import (
    ObjectionPeriodOver,
    ObjectionPeriodRunning,
    OcwFundsExhausted,
    _programme_for,
    _refuse,
    _transition,
    order_contacts,
)
from .invoices import _issue_invoice
from .quotes import Quote, first_initial_submission, make_quote, order_quote

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


def clean_numbers(data: dict, kind: str | None = None) -> OrderInput:
    """The numbers of an order form; `kind` ("vo"/"mbo") names the learners in messages."""
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
                "message": _("Bestel voor ten minste één %(learner)s.")
                % {"learner": wording.learners(kind, plural=False)},
            }
        )
    if errors:
        raise ValidationFailed("Some numbers are missing or invalid.", errors=errors)
    return OrderInput(with_c, without_c, teachers, bool(data.get("dossier_interest")), reference)


def _check_deviation(students_total: int, duo: int | None, kind: str) -> None:
    learners = wording.learners(kind)
    if duo is None:
        raise _refuse(
            "duo-count-missing",
            _("Het aantal %(learners)s volgens DUO is niet bekend; neem contact op met CJP.")
            % {"learners": learners},
        )
    if 10 * abs(students_total - duo) > duo:
        raise _refuse(
            "deviation-exceeded",
            _(
                "Het aantal %(learners)s (%(ordered)s) wijkt meer dan 10%% af van het aantal "
                "volgens DUO (%(duo)s)."
            )
            % {"learners": learners, "ordered": students_total, "duo": duo},
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


def _live(school: School, programme: Programme, kind: str, exclude: int | None):
    return (
        BudgetOrder.objects.filter(school=school, programme=programme, kind=kind, status__in=LIVE)
        .exclude(pk=exclude or 0)
        .count()
    )


def check_order(
    school: School,
    programme: Programme,
    kind: str,
    data: dict,
    *,
    exclude: int | None = None,
    changing: bool = False,
) -> OrderInput:
    """The submission checks in the order of SPEC §5 (permission is the caller's).

    `changing`: a change inside the objection period (SPEC §5) is checked for field
    errors and the deviation rule only, so it also works after the ordering period
    closed (decision M8-5)."""
    if not changing:
        _check_kind_rules(school, programme, kind, exclude)
    numbers = clean_numbers(data, programme.kind)
    # Every live order of the school in the programme counts, whatever its kind (SPEC §5):
    # otherwise orders in another sequence could add up to far more than DUO.
    students = numbers.with_contribution + numbers.without_contribution
    students += _live_students(school, programme, exclude=exclude)
    _check_deviation(students, school.duo_count, programme.kind)
    return numbers


def _check_kind_rules(school: School, programme: Programme, kind: str, exclude: int | None) -> None:
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
            _("Upload eerst de lijst van %(learners)s (op of na %(date)s) voordat u bestelt.")
            % {
                "learners": wording.learners(programme.kind),
                "date": f"{programme.roster_after:%d-%m-%Y}",
            },
        )
    # One live initial order per school and programme, whatever max_orders says (SPEC §5;
    # backed by the constraint budget_order_one_live_initial).
    if kind == OrderKind.INITIAL and _live(school, programme, OrderKind.INITIAL, exclude):
        raise _refuse(
            "already-ordered",
            "Voor dit programma is al een eerste bestelling gedaan; gebruik bijbestellen.",
        )
    if kind == OrderKind.SUPPLEMENTARY:
        if not _live(school, programme, OrderKind.INITIAL, exclude):
            raise _refuse(
                "initial-order-missing",
                "Een bijbestelling kan pas na een lopende eerste bestelling voor dit programma.",
            )
        # max_orders: the most supplementary orders per school (null: no limit).
        if programme.max_orders is not None and (
            _live(school, programme, OrderKind.SUPPLEMENTARY, exclude) >= programme.max_orders
        ):
            raise _refuse(
                "already-ordered",
                f"Voor dit programma kunnen hoogstens {programme.max_orders} bijbestellingen "
                "worden gedaan.",
            )


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
    numbers = clean_numbers(data, programme.kind)
    return make_quote(
        programme,
        kind=kind,
        with_contribution=numbers.with_contribution,
        without_contribution=numbers.without_contribution,
        teachers=numbers.teachers,
        first_submitted_at=first_initial_submission(school, programme, clock.now()),
        dossier=numbers.dossier_interest,
    )


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
        numbers = check_order(
            order.school, order.programme, order.kind, merged, exclude=order.pk, changing=True
        )
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


def is_mbo(programme: Programme) -> bool:
    return programme.kind == SchoolKind.MBO
