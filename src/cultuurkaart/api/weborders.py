"""Web orders (API.md "Providers, web orders, payouts"). Thin: parse, check scope, call
services. The school side checks school actions at the web order's school, the provider
side provider actions for its provider (docs/permissions.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.fields import ApiMoney
from cultuurkaart.core.idempotency import idempotent
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.money import to_api
from cultuurkaart.providers.models import Provider
from cultuurkaart.weborders import exports, queries, services
from cultuurkaart.weborders.models import WebOrder

from .base import XLSX, Page, errors, file_download, paged, paginate, path_id
from .permissions import check_provider, check_school, own_provider_id, require, school_for
from .schemas import WebOrderApproved, WebOrderCreated, WebOrderOut, WebOrderStatusOut

router = Router(tags=["weborders"])


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def serialize_weborder(wo: WebOrder) -> dict[str, Any]:
    split = None
    if wo.entry_id:
        split = {k: to_api(v) for k, v in wo.split.items()}
    return {
        "id": str(wo.pk),
        "status": wo.status,
        "provider": str(wo.provider_id),
        "provider_name": wo.provider.name,
        "school": str(wo.school_id),
        "school_number": wo.school.school_number or "",
        "school_name": wo.school.name,
        "programme": wo.programme.code if wo.programme_id else None,
        "amount": to_api(wo.amount),
        "students": wo.students,
        "activity_at": _iso(wo.activity_at),
        "description": wo.description,
        "request_id": wo.request_ref or None,
        "likely_duplicate": bool(getattr(wo, "likely_duplicate", False)),
        "created_at": _iso(wo.created_at),
        "decided_at": _iso(wo.decided_at),
        "rejection_reason": wo.rejection_reason,
        "checked_at": _iso(wo.checked_at),
        "check_reason": wo.check_reason,
        "split": split,
    }


def _query_id(value: str | None, field: str) -> int | None:
    """An id from the query string: ASCII digits, else 422 (a path id would be 404)."""
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise ValidationFailed(
            f"{field} must be an id.",
            errors=[{"field": field, "code": "invalid", "message": "An id (digits)."}],
        )
    return pk


def _load(weborder_id: str) -> WebOrder:
    wo = (
        queries.with_duplicate_flag(
            WebOrder.objects.select_related("provider", "school", "programme")
        )
        .filter(pk=path_id(weborder_id))
        .first()
    )
    if wo is None:
        raise Http404
    return wo


def _school_side(request, weborder_id: str, action: str) -> WebOrder:
    wo = _load(weborder_id)
    check_school(request, wo.school_id, action)
    return wo


def _provider_side(request, weborder_id: str, action: str) -> WebOrder:
    wo = _load(weborder_id)
    check_provider(request, wo.provider_id, action)
    return wo


class WebOrderIn(Schema):
    school_number: str = Field(max_length=20)
    amount: ApiMoney
    students: int = Field(ge=1, le=100_000)
    activity_at: AwareDatetime
    description: str = Field(min_length=1, max_length=2000)
    request_id: str | None = Field(default=None, max_length=100)
    provider_id: str | None = Field(
        default=None, description="Only for a person who acts for several providers."
    )


@router.post(
    "/weborders",
    response={201: WebOrderCreated, **errors(401, 403, 409, 413, 422)},
)
def create(request, payload: WebOrderIn):
    """A provider's web order for a school (by CJP-schoolnummer); honours `Idempotency-Key`.
    `likely_duplicate` warns of another live one with the same school, amount and date."""
    wanted = _query_id(payload.provider_id, "provider_id")
    provider = Provider.objects.get(pk=own_provider_id(request, "weborders.create", wanted))
    data = payload.dict()

    def compute():
        wo = services.create_weborder(provider, data, actor=request.user)
        return 201, serialize_weborder(_load(str(wo.pk)))

    status, body = idempotent(request, f"weborder-create:{provider.pk}", data, compute)
    return Status(status, body)


@router.get(
    "/weborders",
    response={200: Page[WebOrderOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def list_own(request, status: str | None = None, provider_id: str | None = None):
    """The provider's own web orders, newest first."""
    wanted = _query_id(provider_id, "provider_id")
    pid = own_provider_id(request, "weborders.view_own", wanted)
    qs = queries.for_provider(pid).select_related("provider")
    if status:
        qs = qs.filter(status=status)
    return paginate(request, qs, serialize_weborder)


@router.get(
    "/schools/{school_id}/weborders",
    response={200: Page[WebOrderOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_school(request, school_id: str, status: str | None = None):
    """The school's web orders (`status=pending`: those awaiting a decision), newest first."""
    school = school_for(request, school_id, action="weborders.view")
    qs = queries.for_school(school).select_related("school")
    if status:
        qs = qs.filter(status=status)
    return paginate(request, qs, serialize_weborder)


@router.get(
    "/schools/{school_id}/weborders/export.xlsx",
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=file_download(XLSX, "All spending (web orders) of the school as Excel."),
)
def export(request, school_id: str):
    school = school_for(request, school_id, action="weborders.export")
    return export_response(school)


def export_response(school) -> HttpResponse:
    content = exports.school_spending(school)
    response = HttpResponse(content, content_type=XLSX)
    name = f"webbestellingen-{school.school_number or school.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/weborders/{weborder_id}", response={200: WebOrderOut, **errors(401, 403, 404)})
def detail(request, weborder_id: str):
    """For the web order's provider (its own people) and for its school."""
    wo = _load(weborder_id)
    user = request.user
    if user.provider_ids() and (
        wo.provider_id in user.provider_ids() or not user.has_school_role(wo.school_id)
    ):
        check_provider(request, wo.provider_id, "weborders.view_own")
    else:
        check_school(request, wo.school_id, "weborders.view")
    return serialize_weborder(wo)


@router.post(
    "/weborders/{weborder_id}/approve",
    response={200: WebOrderApproved, **errors(401, 403, 404, 409)},
)
def approve(request, weborder_id: str):
    """The budget holder: the money is taken school → OCW → third party."""
    wo = services.approve_weborder(
        _school_side(request, weborder_id, "weborders.decide"), actor=request.user
    )
    return {
        "id": str(wo.pk),
        "status": wo.status,
        "split": {k: to_api(v) for k, v in wo.split.items()},
    }


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)


@router.post(
    "/weborders/{weborder_id}/reject",
    response={200: WebOrderStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def reject(request, weborder_id: str, payload: ReasonIn):
    wo = _school_side(request, weborder_id, "weborders.decide")
    wo = services.reject_weborder(wo, payload.reason, actor=request.user)
    return {"id": str(wo.pk), "status": wo.status}


@router.post(
    "/weborders/{weborder_id}/withdraw",
    response={200: WebOrderStatusOut, **errors(401, 403, 404, 409)},
)
def withdraw(request, weborder_id: str):
    """The provider, while pending."""
    wo = _provider_side(request, weborder_id, "weborders.withdraw")
    wo = services.withdraw_weborder(wo, actor=request.user)
    return {"id": str(wo.pk), "status": wo.status}


class ReverseIn(Schema):
    reason: str | None = Field(default=None, max_length=2000)


@router.post(
    "/weborders/{weborder_id}/reverse",
    response={200: WebOrderStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def reverse(request, weborder_id: str, payload: ReverseIn | None = None):
    """The admin, while approved or checked (before payout): the money goes back."""
    require(request, "weborders.reverse")
    wo = services.reverse_weborder(
        _load(weborder_id), reason=(payload.reason if payload else "") or "", actor=request.user
    )
    return {"id": str(wo.pk), "status": wo.status}


class CheckIn(Schema):
    valid: bool
    reason: str | None = Field(default=None, max_length=2000)


@router.post(
    "/admin/weborders/{weborder_id}/check",
    response={200: WebOrderStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def check(request, weborder_id: str, payload: CheckIn):
    """valid → `checked`; invalid (reason required) → `invalid`, the money back."""
    require(request, "weborders.check")
    wo = services.check_weborder(
        _load(weborder_id), valid=payload.valid, reason=payload.reason or "", actor=request.user
    )
    return {"id": str(wo.pk), "status": wo.status}


@router.get(
    "/admin/weborders",
    response={200: Page[WebOrderOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def worklist(
    request,
    provider: str | None = None,
    school: str | None = None,
    min_amount: str | None = None,
    max_amount: str | None = None,
    older_than_days: int | None = None,
):
    """The check worklist: approved web orders, likely duplicates first, then the oldest."""
    from cultuurkaart.core.money import MAX_AMOUNT, MoneyError, parse_money

    require(request, "weborders.check")
    bounds = {}
    for name, value in (("min_amount", min_amount), ("max_amount", max_amount)):
        if value:
            try:
                bounds[name] = parse_money(value, maximum=MAX_AMOUNT)
            except MoneyError as exc:
                raise ValidationFailed(
                    exc.message, errors=[{"field": name, "code": exc.code, "message": exc.message}]
                ) from None
    qs = queries.check_worklist(
        provider=_query_id(provider, "provider"),
        school=_query_id(school, "school"),
        older_than_days=min(older_than_days, 36500)
        if older_than_days and older_than_days > 0
        else None,
        **bounds,
    )
    return paginate(request, qs, serialize_weborder)
