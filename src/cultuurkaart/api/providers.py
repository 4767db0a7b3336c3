"""Providers (API.md "Providers, web orders, payouts"): application, review, own data,
revocation. Thin: permission, service, serializer."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ratelimit import client_ip
from cultuurkaart.providers import services as providers
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.models import Provider

from .base import AUTH, OPTIONAL_AUTH, Page, errors, paged, paginate
from .permissions import provider_for, require
from .schemas import (
    ProviderApplied,
    ProviderDecided,
    ProviderOut,
    ProviderRejected,
    ProviderRevocationAnnounced,
)

router = Router(tags=["providers"])


def _iso(value):
    return value.isoformat() if value else None


def provider_out(p: Provider) -> dict:
    criteria = p.criteria or None
    return {
        "id": str(p.pk),
        "name": p.name,
        "kind": p.kind,
        "status": p.status,
        "sector": p.sector,
        "activity_type": p.activity_type,
        "address": p.address,
        "contact": {"name": p.contact_name, "email": p.contact_email, "phone": p.contact_phone},
        "coordinator": {
            "name": p.coordinator_name,
            "email": p.coordinator_email,
            "phone": p.coordinator_phone,
        },
        "iban": p.iban,
        "bic": p.bic,
        "criteria": criteria,
        "accepts_individual_budget": p.accepts_individual_budget,
        "created_at": p.created_at.isoformat(),
        "decided_at": _iso(p.decided_at),
        "rejection_reason": p.rejection_reason,
        "iban_changed_at": _iso(p.iban_changed_at),
        "iban_hold_until": _iso(p.iban_hold_until),
        "payout_hold": providers.payout_hold(p, clock.now()),
        "revocation": {
            "reason": p.revocation_reason,
            "announced_at": _iso(p.revocation_announced_at),
            "effective_on": _iso(p.revocation_effective_on),
            "respond_until": _iso(p.revocation_response_until),
            "response": p.revocation_response,
            "responded_at": _iso(p.revocation_responded_at),
            "revoked_at": _iso(p.revoked_at),
        }
        if p.revocation_announced_at
        else None,
    }


class ContactIn(Schema):
    name: str
    email: str
    phone: str = ""


class CriteriaIn(Schema):
    cultural_educational: bool
    professional: bool
    suitable_for: list[Literal["vo", "mbo"]]
    employed_by_school: bool
    components: list[
        Literal[
            "imagination",
            "inventing",
            "creative_expression",
            "thinking_in_images",
            "unusual_solutions",
        ]
    ]


class ApplicationIn(Schema):
    name: str
    kind: Literal["organisation", "artist"]
    sector: str
    activity_type: str
    address: str
    contact: ContactIn
    iban: str
    criteria: CriteriaIn
    coordinator: ContactIn | None = None
    accept_terms: bool = Field(
        True,
        description="Sending the application accepts the current provider terms (recorded "
        "with their version); false is refused.",
    )


@router.post(
    "/providers/applications",
    auth=[*AUTH, lambda request: True],
    response={201: ProviderApplied, **errors(403, 413, 422)},
    openapi_extra=OPTIONAL_AUTH,
)
def apply(request, payload: ApplicationIn):
    """Public application (SPEC §7): all five criteria must hold (422 `criteria-not-met`
    names each that does not); the id is the provider's id from then on."""
    actor = request.user if getattr(request.user, "is_authenticated", False) else None
    provider = providers.apply(payload.dict(), actor=actor)
    return Status(201, {"id": str(provider.pk), "status": provider.status})


@router.get(
    "/admin/providers",
    response={200: Page[ProviderOut], **errors(401, 403, 422)},
    openapi_extra=paged(),
)
def list_providers(request, status: str | None = None):
    require(request, "providers.review")
    qs = Provider.objects.order_by("created_at", "pk")
    if status:
        if status not in ProviderStatus.values:
            raise ValidationFailed(
                "Unknown status.",
                errors=[{"field": "status", "code": "invalid", "message": "Onbekende status."}],
            )
        qs = qs.filter(status=status)
    return paginate(request, qs, provider_out)


@router.get("/providers/{provider_id}", response={200: ProviderOut, **errors(401, 403, 404)})
def get_provider(request, provider_id: str):
    """The provider's own data (its people), or any provider for the admin."""
    return provider_out(provider_for(request, provider_id, action="providers.view"))


class ProviderUpdateIn(Schema):
    name: str
    kind: Literal["organisation", "artist"]
    sector: str
    activity_type: str
    address: str
    contact: ContactIn
    iban: str
    coordinator: ContactIn | None = None
    otp: str | None = Field(
        None, description="A fresh two-factor code of the caller; required when the IBAN changes."
    )


@router.patch(
    "/providers/{provider_id}",
    response={200: ProviderOut, **errors(401, 403, 404, 409, 413, 422, 429)},
)
def update_provider(request, provider_id: str, payload: ProviderUpdateIn):
    """The provider keeps its data up to date. An IBAN change needs `otp` (403
    `reauthentication-failed` without a fresh code) and holds payouts for 3 working days."""
    provider = provider_for(request, provider_id, action="providers.change")
    data = payload.dict()
    otp = data.pop("otp", None)
    provider = providers.update_provider(
        provider, data, actor=request.user, otp=otp, ip=client_ip(request)
    )
    return provider_out(provider)


@router.post(
    "/admin/providers/{provider_id}/approve",
    response={200: ProviderDecided, **errors(401, 403, 404, 409)},
)
def approve(request, provider_id: str):
    provider = provider_for(request, provider_id, action="providers.review")
    provider = providers.approve_provider(provider, actor=request.user)
    return {"id": str(provider.pk), "status": provider.status}


class ReasonIn(Schema):
    reason: str


@router.post(
    "/admin/providers/{provider_id}/reject",
    response={200: ProviderRejected, **errors(401, 403, 404, 409, 413, 422)},
)
def reject(request, provider_id: str, payload: ReasonIn):
    provider = provider_for(request, provider_id, action="providers.review")
    provider = providers.reject_provider(provider, reason=payload.reason, actor=request.user)
    return {"id": str(provider.pk), "status": provider.status, "reason": provider.rejection_reason}


@router.post(
    "/admin/providers/{provider_id}/revoke",
    response={200: ProviderRevocationAnnounced, **errors(401, 403, 404, 409, 413, 422)},
)
def revoke(request, provider_id: str, payload: ReasonIn):
    """Announce a revocation (e-mailed); it takes effect one calendar month later."""
    provider = provider_for(request, provider_id, action="providers.revoke")
    provider = providers.announce_revocation(provider, reason=payload.reason, actor=request.user)
    return {
        "id": str(provider.pk),
        "status": provider.status,
        "effective_on": provider.revocation_effective_on.isoformat(),
    }


@router.post(
    "/admin/providers/{provider_id}/revocation/resume",
    response={200: ProviderRevocationAnnounced, **errors(401, 403, 404, 409)},
)
def resume_revocation(request, provider_id: str):
    """The admin decides after the provider's response: the revocation goes on."""
    provider = provider_for(request, provider_id, action="providers.revoke")
    provider = providers.resume_revocation(provider, actor=request.user)
    return {
        "id": str(provider.pk),
        "status": provider.status,
        "effective_on": _iso(provider.revocation_effective_on),
    }


@router.post(
    "/admin/providers/{provider_id}/revocation/withdraw",
    response={200: ProviderDecided, **errors(401, 403, 404, 409)},
)
def withdraw_revocation(request, provider_id: str):
    provider = provider_for(request, provider_id, action="providers.revoke")
    provider = providers.withdraw_revocation(provider, actor=request.user)
    return {"id": str(provider.pk), "status": provider.status}


class ResponseIn(Schema):
    response: str


@router.post(
    "/providers/{provider_id}/revocation-response",
    response={200: ProviderDecided, **errors(401, 403, 404, 409, 413, 422)},
)
def respond(request, provider_id: str, payload: ResponseIn):
    """The provider responds within 14 days of the announcement: the revocation is on hold
    until the admin decides (409 `response-period-over` afterwards)."""
    provider = provider_for(request, provider_id, action="providers.respond_to_revocation")
    provider = providers.respond_to_revocation(
        provider, response=payload.response, actor=request.user
    )
    return {"id": str(provider.pk), "status": provider.status}


class IndividualBudgetIn(Schema):
    accepts: bool


@router.post(
    "/admin/providers/{provider_id}/individual-budget",
    response={200: ProviderOut, **errors(401, 403, 404, 413, 422)},
)
def individual_budget(request, provider_id: str, payload: IndividualBudgetIn):
    provider = provider_for(request, provider_id, action="providers.set_individual_budget")
    provider = providers.set_individual_budget(provider, payload.accepts, actor=request.user)
    return provider_out(provider)
