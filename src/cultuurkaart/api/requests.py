"""Marketplace requests and proposals (API.md "Marketplace": `/offers/{id}/requests`,
`/requests...`). Thin: permission, service, serializer (docs/marketplace.md "Requests").

Who: the school's budget holders and Docent+ (`marketplace.request`, checked at the
request's school) and the provider's people (`marketplace.answer_requests`, checked for the
request's provider). Anyone else gets 404 for a request, like every object outside the
caller's tenant (the admin: 403, it is no party)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from cultuurkaart.core import clock
from cultuurkaart.core.fields import ApiDate, ApiMoney
from cultuurkaart.core.money import to_api
from cultuurkaart.marketplace.constants import REQUEST_MAX_DATES, Side
from cultuurkaart.marketplace.models import Offer, OfferRequest
from cultuurkaart.marketplace.services import requests as service
from cultuurkaart.providers.models import Provider

from . import permissions
from .base import Page, errors, paged, paginate, path_id
from .permissions import check_provider, check_school, own_provider_id, school_for
from .schemas import (
    MessageCreated,
    ProposalCreated,
    RequestCreated,
    RequestOut,
    RequestStatusOut,
    RequestSummaryOut,
    WebOrderCreated,
)
from .weborders import _load as load_weborder
from .weborders import _query_id, serialize_weborder

router = Router(tags=["marketplace"])

SCHOOL_ACTION = "marketplace.request"
PROVIDER_ACTION = "marketplace.answer_requests"


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


def _summary(r: OfferRequest, unread: int) -> dict[str, Any]:
    return {
        "id": str(r.pk),
        "status": r.status,
        "offer": str(r.offer_id),
        "offer_title": r.offer.title,
        "school": str(r.school_id),
        "school_name": r.school.name,
        "provider": str(r.provider_id),
        "provider_name": r.provider.name,
        "students": r.students,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
        "unread": unread,
    }


def _detail(r: OfferRequest, side: str) -> dict[str, Any]:
    unread = service.with_unread(OfferRequest.objects.filter(pk=r.pk), side).get().unread
    period = None
    if r.period_from or r.period_until:
        period = {
            "from": r.period_from.isoformat() if r.period_from else None,
            "until": r.period_until.isoformat() if r.period_until else None,
        }
    return _summary(r, unread) | {
        "preferred_dates": list(r.preferred_dates),
        "period": period,
        "teachers": r.teachers,
        "level": r.level.code if r.level_id else None,
        "access_needs": r.access_needs,
        "message": r.message,
        "messages": [
            {"id": str(m.pk), "side": m.side, "text": m.text, "created_at": _iso(m.created_at)}
            for m in r.messages.all()
        ],
        "proposals": [
            {
                "id": str(p.pk),
                "version": p.version,
                "status": p.status,
                "starts_at": _iso(p.starts_at),
                "students": p.students,
                "amount": to_api(p.amount),
                "description": p.description,
                "created_at": _iso(p.created_at),
                "accepted_at": _iso(p.accepted_at),
            }
            for p in r.proposals.order_by("version")
        ],
        "weborder": str(r.weborder_id) if r.weborder_id else None,
        "weborder_status": r.weborder.status if r.weborder_id else None,
        "weborder_ended_reason": r.weborder_ended_reason,
        "closed_reason": r.closed_reason,
        "history": [{"at": _iso(h["at"]), "action": h["action"]} for h in service.history(r)],
    }


def _load(request_id: str) -> OfferRequest:
    found = (
        OfferRequest.objects.select_related("offer", "school", "provider", "weborder", "level")
        .filter(pk=path_id(request_id))
        .first()
    )
    if found is None:
        raise Http404
    return found


def _party(request, offer_request_id: str) -> tuple[OfferRequest, str]:
    """The request and the caller's side: the provider's people as the provider, everyone
    else checked at the school (404 outside it, 403 for a role that may not)."""
    offer_request = _load(offer_request_id)
    mine = request.user.provider_ids()
    if offer_request.provider_id in mine or (
        mine and not permissions.may(request, SCHOOL_ACTION, offer_request.school_id)
    ):  # another provider's people: checked (and refused) as a provider
        check_provider(request, offer_request.provider_id, PROVIDER_ACTION)
        return offer_request, Side.PROVIDER
    check_school(request, offer_request.school_id, SCHOOL_ACTION)
    return offer_request, Side.SCHOOL


def _school_side(request, offer_request_id: str) -> OfferRequest:
    offer_request = _load(offer_request_id)
    check_school(request, offer_request.school_id, SCHOOL_ACTION)
    return offer_request


def _provider_side(request, offer_request_id: str) -> OfferRequest:
    offer_request = _load(offer_request_id)
    check_provider(request, offer_request.provider_id, PROVIDER_ACTION)
    return offer_request


# --- send and read ----------------------------------------------------------------------------


class PeriodIn(Schema):
    from_: ApiDate | None = Field(default=None, alias="from")
    until: ApiDate | None = None


class RequestIn(Schema):
    school_id: str = Field(max_length=20)
    preferred_dates: list[ApiDate] | None = Field(default=None, max_length=REQUEST_MAX_DATES)
    period: PeriodIn | None = None
    students: int = Field(ge=1, le=10_000)
    teachers: int | None = Field(default=None, ge=0, le=10_000)
    level: str | None = Field(default=None, max_length=40)
    access_needs: str | None = Field(default=None, max_length=2000)
    message: str = Field(min_length=1, max_length=2000)
    confirm_duplicate: bool = False


@router.post(
    "/offers/{offer_id}/requests",
    response={201: RequestCreated, **errors(401, 403, 404, 409, 413, 422)},
)
def send_request(request, offer_id: str, payload: RequestIn):
    """A budget holder or Docent+ asks for a published offer for their school (the school is
    checked against the caller's roles, never taken on trust). An open request of the school
    for the offer with overlapping dates (no dates: any) → 409 `duplicate-request` unless
    `confirm_duplicate`."""
    school = school_for(request, payload.school_id, action=SCHOOL_ACTION)
    offer = Offer.objects.published().filter(pk=path_id(offer_id)).first()
    if offer is None:
        raise Http404
    data = payload.dict()
    period = data.pop("period") or {}
    data["period"] = {"from": period.get("from_"), "until": period.get("until")}
    offer_request = service.send_request(offer, school, data, actor=request.user)
    return Status(201, {"id": str(offer_request.pk), "status": offer_request.status})


@router.get(
    "/requests",
    response={200: Page[RequestSummaryOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def list_requests(request, school: str | None = None, provider: str | None = None):
    """`?school=`: the school's requests (its budget holders and Docent+); otherwise the
    provider's incoming requests (`?provider=` for a person of several providers)."""
    if school is not None:
        found = school_for(request, _query_id(school, "school") or 0, action=SCHOOL_ACTION)
        rows = service.for_school(found)
    else:
        pk = own_provider_id(request, PROVIDER_ACTION, _query_id(provider, "provider"))
        rows = service.for_provider(Provider.objects.get(pk=pk))
    return paginate(request, rows, lambda r: _summary(r, r.unread))


@router.get("/requests/{offer_request_id}", response={200: RequestOut, **errors(401, 403, 404)})
def get_request(request, offer_request_id: str):
    """The parties only: status, messages, proposals (newest last), web order, history.
    Reading marks the thread read for the caller's side."""
    offer_request, side = _party(request, offer_request_id)
    out = _detail(offer_request, side)
    service.mark_read(offer_request, side)
    return out


class MessageIn(Schema):
    text: str = Field(min_length=1, max_length=2000)


@router.post(
    "/requests/{offer_request_id}/messages",
    response={201: MessageCreated, **errors(401, 403, 404, 409, 413, 422)},
)
def post_message(request, offer_request_id: str, payload: MessageIn):
    """Either party writes; the other party is e-mailed. The provider's first message moves
    `sent` → `in_conversation`."""
    offer_request, side = _party(request, offer_request_id)
    message = service.post_message(offer_request, side, payload.text, actor=request.user)
    offer_request.refresh_from_db(fields=["status"])
    return Status(201, {"id": str(message.pk), "request_status": offer_request.status})


# --- proposals and the decision ---------------------------------------------------------------


class ProposalIn(Schema):
    starts_at: AwareDatetime
    students: int = Field(ge=1, le=10_000)
    amount: ApiMoney
    description: str = Field(min_length=1, max_length=2000)


@router.post(
    "/requests/{offer_request_id}/proposals",
    response={201: ProposalCreated, **errors(401, 403, 404, 409, 413, 422)},
)
def make_proposal(request, offer_request_id: str, payload: ProposalIn):
    """The provider proposes; the request becomes `proposed`, an earlier open proposal
    `superseded` (an accepted one stays as it was)."""
    offer_request = _provider_side(request, offer_request_id)
    proposal = service.make_proposal(offer_request, payload.dict(), actor=request.user)
    return Status(201, {"id": str(proposal.pk), "version": proposal.version})


class AcceptIn(Schema):
    proposal_id: str = Field(max_length=20)


@router.post(
    "/requests/{offer_request_id}/accept",
    response={200: RequestStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def accept(request, offer_request_id: str, payload: AcceptIn):
    """The school accepts the latest proposal; an older one → 409 `proposal-superseded`."""
    offer_request = _school_side(request, offer_request_id)
    proposal_id = _query_id(payload.proposal_id, "proposal_id")
    offer_request = service.accept_proposal(offer_request, proposal_id, actor=request.user)
    return {"id": str(offer_request.pk), "status": offer_request.status}


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class OptionalReasonIn(Schema):
    reason: str | None = Field(default=None, max_length=2000)


@router.post(
    "/requests/{offer_request_id}/decline",
    response={200: RequestStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def decline(request, offer_request_id: str, payload: ReasonIn):
    """Either party declines before an agreement (the reason goes to the other party)."""
    offer_request, side = _party(request, offer_request_id)
    offer_request = service.decline_request(offer_request, side, payload.reason, actor=request.user)
    return {"id": str(offer_request.pk), "status": offer_request.status}


@router.post(
    "/requests/{offer_request_id}/withdraw",
    response={200: RequestStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def withdraw(request, offer_request_id: str, payload: OptionalReasonIn | None = None):
    """The school withdraws its request before an agreement."""
    offer_request = _school_side(request, offer_request_id)
    reason = payload.reason if payload else ""
    offer_request = service.withdraw_request(offer_request, actor=request.user, reason=reason)
    return {"id": str(offer_request.pk), "status": offer_request.status}


class WebOrderFromRequestIn(Schema):
    amount: ApiMoney | None = Field(
        default=None,
        description=(
            "Optional: a lower amount than agreed; a higher one is a new proposal (202, the "
            "request is `proposed` again)."
        ),
    )


@router.post(
    "/requests/{offer_request_id}/weborder",
    response={
        200: WebOrderCreated,
        201: WebOrderCreated,
        202: RequestStatusOut,
        **errors(401, 403, 404, 409, 413, 422),
    },
)
def create_weborder(request, offer_request_id: str, payload: WebOrderFromRequestIn | None = None):
    """The provider's one action from an accepted request: the web order with the agreed
    terms (201; `request_id` = this request; the request becomes `ordered`). Again → 200 the
    same web order. Not accepted → 409 `request-not-accepted`. A higher `amount` than agreed
    → 202: a new proposal, the request `proposed` again."""
    offer_request = _provider_side(request, offer_request_id)
    amount = payload.amount if payload else None
    weborder, created = service.create_weborder_for(
        offer_request, actor=request.user, amount=amount
    )
    if weborder is None:
        return Status(202, {"id": str(offer_request.pk), "status": "proposed"})
    return Status(201 if created else 200, serialize_weborder(load_weborder(str(weborder.pk))))
