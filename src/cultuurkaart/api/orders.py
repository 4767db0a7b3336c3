"""Budget orders and invoices (API.md "Budget orders and invoices"). Thin: parse, check
scope, call services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from cultuurkaart.core import clock
from cultuurkaart.core.fields import ApiDate, ApiMoney
from cultuurkaart.core.idempotency import idempotent
from cultuurkaart.core.money import to_api
from cultuurkaart.orders import services
from cultuurkaart.orders.constants import AWAITING
from cultuurkaart.orders.models import BudgetOrder, Invoice

from .base import Page, errors, file_download, paged, paginate, path_id
from .permissions import check_school, require, school_for
from .schemas import (
    InvoiceOut,
    OrderApproved,
    OrderOut,
    OrderRejected,
    PaymentOut,
    QuoteOut,
)

router = Router(tags=["orders"])


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def serialize_order(order: BudgetOrder) -> dict[str, Any]:
    quote = services.order_quote(order)
    invoice = getattr(order, "invoice", None) if order.status != "submitted" else None
    return {
        "id": str(order.pk),
        "school": str(order.school_id),
        "programme": order.programme.code,
        "kind": order.kind,
        "status": order.status,
        "with_contribution": order.with_contribution,
        "without_contribution": order.without_contribution,
        "teachers": order.teachers,
        "dossier_interest": order.dossier_interest,
        "reference": order.reference,
        "duo_count": order.duo_count,
        "submitted_at": _iso(order.submitted_at),
        "objection_deadline": _iso(order.objection_deadline),
        "decided_at": _iso(order.decided_at),
        "rejection_reason": order.rejection_reason,
        "quote": quote.api(),
        "budget": quote.budget_api(),
        "invoice": str(invoice.pk) if invoice else None,
    }


def serialize_invoice(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": str(invoice.pk),
        "number": invoice.number,
        "kind": invoice.kind,
        "school": str(invoice.school_id),
        "programme": invoice.programme.code,
        "order": str(invoice.order_id) if invoice.order_id else None,
        "recipient": invoice.recipient_name,
        "reference": invoice.reference,
        "date": invoice.issued_on.isoformat(),
        "due_date": invoice.due_on.isoformat(),
        "lines": [
            {
                "code": line.code,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": to_api(line.unit_price),
                "amount": to_api(line.amount),
            }
            for line in invoice.lines.all()
        ],
        "subtotal": to_api(invoice.subtotal),
        "vat": {"rate": str(invoice.vat_rate), "amount": to_api(invoice.vat_amount)},
        "total": to_api(invoice.total),
        "ocw_top_up": to_api(invoice.ocw_top_up),
        "amount_paid": to_api(invoice.amount_paid),
        "outstanding": to_api(invoice.outstanding),
        "credit": to_api(invoice.credit),
        "status": invoice.shown_status(),
        "credit_for": str(invoice.credit_for_id) if invoice.credit_for_id else None,
    }


class OrderIn(Schema):
    programme: Any = None
    kind: Any = None
    with_contribution: Any = None
    without_contribution: Any = None
    teachers: Any = None
    dossier_interest: Any = None
    reference: Any = None


def _order(request, order_id: str, action: str) -> BudgetOrder:
    """The order, if the caller may do `action` at its school (404 outside it)."""
    order = (
        BudgetOrder.objects.select_related("programme", "school")
        .filter(pk=path_id(order_id))
        .first()
    )
    if order is None:
        raise Http404
    check_school(request, order.school_id, action)
    return order


def _invoice(request, invoice_id: str, action: str) -> Invoice:
    invoice = Invoice.objects.select_related("programme").filter(pk=path_id(invoice_id)).first()
    if invoice is None:
        raise Http404
    check_school(request, invoice.school_id, action)
    return invoice


@router.post(
    "/schools/{school_id}/budget-orders/quote",
    response={200: QuoteOut, **errors(401, 403, 404, 409, 413, 422)},
)
def quote(request, school_id: str, payload: OrderIn):
    """The invoice lines and budgets for these numbers; nothing is stored."""
    school = school_for(request, school_id, action="orders.submit")
    result = services.quote_for(school, payload.dict())
    return {**result.api(), "budget": result.budget_api()}


@router.post(
    "/schools/{school_id}/budget-orders",
    response={201: OrderOut, **errors(401, 403, 404, 409, 413, 422)},
)
def submit(request, school_id: str, payload: OrderIn):
    school = school_for(request, school_id, action="orders.submit")
    order = services.submit_order(school, payload.dict(), actor=request.user)
    return Status(201, serialize_order(order))


@router.get(
    "/schools/{school_id}/budget-orders",
    response={200: Page[OrderOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_orders(request, school_id: str, programme: str | None = None):
    school = school_for(request, school_id, action="orders.view")
    qs = BudgetOrder.objects.filter(school=school).select_related("programme", "invoice")
    if programme:
        qs = qs.filter(programme__code=programme)
    return paginate(request, qs.order_by("-submitted_at", "-id"), serialize_order)


@router.get("/budget-orders/{order_id}", response={200: OrderOut, **errors(401, 403, 404)})
def get_order(request, order_id: str):
    return serialize_order(_order(request, order_id, "orders.view"))


@router.patch(
    "/budget-orders/{order_id}", response={200: OrderOut, **errors(401, 403, 404, 409, 413, 422)}
)
def change(request, order_id: str, payload: OrderIn):
    order = _order(request, order_id, "orders.change")
    data = {k: v for k, v in payload.dict().items() if v is not None}
    return serialize_order(services.change_order(order, data, actor=request.user))


@router.delete("/budget-orders/{order_id}", response={204: None, **errors(401, 403, 404, 409, 422)})
def cancel(request, order_id: str):
    order = _order(request, order_id, "orders.change")
    services.cancel_order(order, actor=request.user)
    return Status(204, None)


@router.get(
    "/admin/budget-orders",
    response={200: Page[OrderOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def worklist(request, status: str | None = None):
    """Admin: orders; `status=awaiting` gives the worklist (objection period over)."""
    require(request, "orders.review")
    qs = BudgetOrder.objects.select_related("programme", "school", "invoice")
    if status == "awaiting":
        qs = qs.awaiting_decision().order_by("objection_deadline", "id")
    elif status:
        qs = qs.filter(status=status).order_by("-submitted_at", "-id")
    return paginate(request, qs, serialize_order)


@router.post(
    "/admin/budget-orders/{order_id}/approve",
    response={200: OrderApproved, **errors(401, 403, 404, 409, 422)},
)
def approve(request, order_id: str):
    require(request, "orders.review")
    order = _order(request, order_id, "orders.review")
    invoice = services.approve_order(order, actor=request.user)
    return {"id": str(order.pk), "status": "approved", "invoice": serialize_invoice(invoice)}


class ReasonIn(Schema):
    reason: str


@router.post(
    "/admin/budget-orders/{order_id}/reject",
    response={200: OrderRejected, **errors(401, 403, 404, 409, 413, 422)},
)
def reject(request, order_id: str, payload: ReasonIn):
    require(request, "orders.review")
    order = _order(request, order_id, "orders.review")
    order = services.reject_order(order, payload.reason, actor=request.user)
    return {"id": str(order.pk), "status": order.status, "reason": order.rejection_reason}


@router.get(
    "/schools/{school_id}/invoices",
    response={200: Page[InvoiceOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_invoices(request, school_id: str):
    school = school_for(request, school_id, action="orders.view_invoices")
    qs = (
        Invoice.objects.filter(school=school)
        .select_related("programme")
        .prefetch_related("lines")
        .order_by("-issued_at", "-id")
    )
    return paginate(request, qs, serialize_invoice)


@router.get(
    "/admin/invoices",
    response={200: Page[InvoiceOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def admin_invoices(request, status: str | None = None):
    require(request, "orders.manage_invoices")
    qs = Invoice.objects.select_related("programme").prefetch_related("lines")
    if status == "overdue":
        qs = qs.filter(status="open", due_on__lt=clock.today())
    elif status:
        qs = qs.filter(status=status)
    return paginate(request, qs.order_by("-issued_at", "-id"), serialize_invoice)


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **errors(401, 403, 404)})
def get_invoice(request, invoice_id: str):
    return serialize_invoice(_invoice(request, invoice_id, "orders.view_invoices"))


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=file_download("application/pdf", "The invoice as PDF."),
)
def invoice_pdf(request, invoice_id: str):
    invoice = _invoice(request, invoice_id, "orders.view_invoices")
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="factuur-{invoice.number}.pdf"'
    return response


class PaymentIn(Schema):
    amount: ApiMoney
    paid_on: ApiDate


@router.post(
    "/admin/invoices/{invoice_id}/payments",
    response={201: PaymentOut, 200: PaymentOut, **errors(401, 403, 404, 409, 413, 422)},
)
def register_payment(request, invoice_id: str, payload: PaymentIn):
    """Register a (partial) payment; honours `Idempotency-Key`."""
    require(request, "orders.manage_invoices")
    invoice = _invoice(request, invoice_id, "orders.manage_invoices")
    data = {"invoice": invoice_id, "amount": payload.amount, "paid_on": payload.paid_on}

    def compute():
        payment = services.register_payment(
            invoice, payload.amount, payload.paid_on, actor=request.user
        )
        fresh = Invoice.objects.select_related("programme").get(pk=invoice.pk)
        return 201, {
            "id": str(payment.pk),
            "amount": to_api(payment.amount),
            "paid_on": payment.paid_on.isoformat(),
            "invoice": serialize_invoice(fresh),
        }

    status, body = idempotent(request, "invoice-payment", data, compute)
    return Status(status, body)


class CreditNoteIn(Schema):
    reason: str


@router.post(
    "/admin/invoices/{invoice_id}/credit-note",
    response={201: InvoiceOut, **errors(401, 403, 404, 409, 413, 422)},
)
def credit_note(request, invoice_id: str, payload: CreditNoteIn):
    """Correct an open, unpaid invoice with a credit note (invoices are immutable)."""
    require(request, "orders.manage_invoices")
    invoice = _invoice(request, invoice_id, "orders.manage_invoices")
    note = services.issue_credit_note(invoice, reason=payload.reason, actor=request.user)
    return Status(201, serialize_invoice(note))


__all__ = ["AWAITING", "router", "serialize_invoice", "serialize_order"]
