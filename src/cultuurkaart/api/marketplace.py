"""Marketplace (API.md "Marketplace: offers, search, requests"): taxonomies, offers and
their moderation. Thin: permission, service, serializer. The search (`GET /offers`) is
issue 11 point 4."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AwareDatetime, Field

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.fields import ApiMoney
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.money import to_api
from cultuurkaart.marketplace import services as marketplace
from cultuurkaart.marketplace.constants import OfferStatus, Vocabulary
from cultuurkaart.marketplace.loading import load_offers
from cultuurkaart.marketplace.models import Offer, OfferImage, Term
from cultuurkaart.providers.models import Provider

from .base import AUTH, OPTIONAL_AUTH, errors, path_id
from .permissions import check_provider, own_provider_id, provider_for, require
from .schemas import (
    OfferCreated,
    OfferImageOut,
    OfferOut,
    OfferStatusOut,
    ProviderTrustOut,
    TaxonomiesOut,
    TermAdminOut,
)

router = Router(tags=["marketplace"])


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(clock.AMSTERDAM).isoformat() if moment else None


@router.get(
    "/taxonomies",
    auth=[*AUTH, lambda request: True],
    response={200: TaxonomiesOut},
    openapi_extra=OPTIONAL_AUTH,
)
def taxonomies(request):
    """Public: the active terms of every taxonomy, labels in the caller's language (the
    account's language, or Dutch). A level has its `kind` and its type's code as `parent`."""
    out: dict[str, list[dict]] = {}
    for key, terms in marketplace.taxonomies().items():
        out[key] = [
            {"code": t.code, "label": t.label}
            | (
                {"kind": t.kind, "parent": t.parent.code if t.parent_id else None}
                if key == "levels"
                else {}
            )
            for t in terms
        ]
    return out


def term_out(term: Term) -> dict[str, Any]:
    return {
        "vocabulary": term.vocabulary,
        "code": term.code,
        "label_nl": term.label_nl,
        "label_en": term.label_en,
        "active": term.active,
        "position": term.position,
        "kind": term.kind,
        "parent": term.parent.code if term.parent_id else None,
        "used": marketplace.is_used(term),
    }


VocabularyIn = Literal["discipline", "format", "theme", "level", "province", "access"]


class TermIn(Schema):
    code: str = Field(description="stable: lower-case letters, digits, - and _")
    label_nl: str
    label_en: str
    position: int = Field(0, ge=0, le=1_000_000)
    active: bool = True
    kind: Literal["vo", "mbo"] | None = Field(None, description="levels only")
    parent: str | None = Field(None, description="levels only: the code of a VO school type")


class TermPatchIn(Schema):
    code: str | None = Field(None, description="only while no offer uses the term")
    label_nl: str | None = None
    label_en: str | None = None
    position: int | None = Field(None, ge=0, le=1_000_000)
    active: bool | None = Field(None, description="false deactivates, true reactivates")


def _parent(code: str | None) -> Term | None:
    if not code:
        return None
    parent = Term.objects.filter(vocabulary=Vocabulary.LEVEL, code=code).first()
    if parent is None:
        raise ValidationFailed(
            "Unknown parent.",
            errors=[{"field": "parent", "code": "unknown-code", "message": "Onbekende code."}],
        )
    return parent


@router.post(
    "/admin/taxonomies/{vocabulary}",
    response={201: TermAdminOut, **errors(401, 403, 404, 413, 422)},
)
def add_term(request, vocabulary: VocabularyIn, payload: TermIn):
    """The back office adds a term (Dutch and English label, order; levels: kind, parent)."""
    require(request, "marketplace.manage_taxonomies")
    data = payload.model_dump()
    data["parent"] = _parent(data.get("parent"))
    term = marketplace.add_term(vocabulary, data, actor=request.user)
    return Status(201, term_out(term))


@router.patch(
    "/admin/taxonomies/{vocabulary}/{term_code}",
    response={200: TermAdminOut, **errors(401, 403, 404, 409, 413, 422)},
)
def update_term(request, vocabulary: VocabularyIn, term_code: str, payload: TermPatchIn):
    """Change labels or order, deactivate or reactivate (`active`); the code only while no
    offer uses the term (409 `term-code-in-use`)."""
    require(request, "marketplace.manage_taxonomies")
    term = Term.objects.filter(vocabulary=vocabulary, code=term_code).first()
    if term is None:
        raise Http404
    current = {
        "label_nl": term.label_nl,
        "label_en": term.label_en,
        "position": term.position,
        "kind": term.kind,
        "parent": term.parent,
    }
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    term = marketplace.update_term(term, {**current, **changes}, actor=request.user)
    return term_out(term)


# --- offers ----------------------------------------------------------------------------------


def offer_out(offer: Offer) -> dict[str, Any]:
    """An offer loaded by `marketplace.loading` (its codes, sessions and images attached)."""
    venue = None
    if offer.venue_city or offer.venue_postcode:
        venue = {
            "name": offer.venue_name,
            "address": offer.venue_address,
            "postcode": offer.venue_postcode,
            "city": offer.venue_city,
            "latitude": str(offer.venue_latitude) if offer.venue_latitude is not None else None,
            "longitude": str(offer.venue_longitude) if offer.venue_longitude is not None else None,
        }
    sessions = offer.session_list
    codes = offer.codes
    return {
        "id": str(offer.pk),
        "status": offer.status,
        "provider": str(offer.provider_id),
        "provider_name": offer.provider.name,
        "title": offer.title,
        "description": offer.description,
        "disciplines": codes["disciplines"],
        "format": offer.format.code,
        "levels": codes["levels"],
        "themes": codes["themes"],
        "location_mode": offer.location_mode,
        "venue": venue,
        "provinces": codes["provinces"],
        "national": offer.national,
        "duration_minutes": offer.duration_minutes,
        "price_model": offer.price_model,
        "price": to_api(offer.price),
        "group_size": offer.group_size,
        "min_students": offer.min_students,
        "max_students": offer.max_students,
        "cjp_discount": offer.cjp_discount,
        "access": codes["access"],
        "sessions": [
            {
                "starts_at": _iso(s.starts_at),
                "ends_at": _iso(s.ends_at),
                "capacity": s.capacity,
                "book_by": _iso(s.book_by),
            }
            for s in sessions
        ],
        "on_request": not sessions,
        "images": [image_out(i) for i in offer.image_list],
        "rejection_reason": offer.rejection_reason,
        "hidden_reason": offer.hidden_reason,
        "created_at": _iso(offer.created_at),
        "updated_at": _iso(offer.updated_at),
        "published_at": _iso(offer.published_at),
    }


def _offer(offer_id: str) -> Offer:
    """One offer with what `offer_out` shows (`marketplace.loading`), or 404."""
    found = load_offers([path_id(offer_id)])
    if not found:
        raise Http404
    return found[0]


class VenueIn(Schema):
    postcode: str = ""
    city: str = ""
    name: str = ""
    address: str = ""


class SessionIn(Schema):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=100000)
    book_by: AwareDatetime


LocationModeIn = Literal["at_provider", "at_school", "to_be_agreed"]
PriceModelIn = Literal["per_student", "per_group"]
Count = int | None


class OfferIn(Schema):
    title: str = Field(description="5–140 characters")
    description: str = Field(description="at most 3,000 characters")
    disciplines: list[str] = Field(description="discipline codes, at least one")
    format: str
    levels: list[str] = Field(description="level codes, at least one")
    themes: list[str] = Field([], description="at least one when an MBO level is chosen")
    location_mode: LocationModeIn
    venue: VenueIn | None = Field(None, description="required for at_provider")
    provinces: list[str] = Field([], description="at least one for at_school (unless national)")
    national: bool = Field(False, description="comes to schools in all twelve provinces")
    duration_minutes: int
    price_model: PriceModelIn
    price: ApiMoney
    group_size: Count = Field(None, description="required for per_group")
    min_students: Count = None
    max_students: Count = None
    cjp_discount: str | None = Field(None, description="the discount for CJP members, in words")
    access: list[str] = []
    sessions: list[SessionIn] | None = Field(None, description="none: the offer is on request")
    provider_id: str | None = Field(
        None, description="The provider to act for; needed only for people of several."
    )


class OfferPatchIn(Schema):
    title: str | None = None
    description: str | None = None
    disciplines: list[str] | None = None
    format: str | None = None
    levels: list[str] | None = None
    themes: list[str] | None = None
    location_mode: LocationModeIn | None = None
    venue: VenueIn | None = None
    provinces: list[str] | None = None
    national: bool | None = None
    duration_minutes: int | None = None
    price_model: PriceModelIn | None = None
    price: ApiMoney | None = None
    group_size: Count = None
    min_students: Count = None
    max_students: Count = None
    cjp_discount: str | None = None
    access: list[str] | None = None
    sessions: list[SessionIn] | None = Field(None, description="replaces every session")


@router.post("/offers", response={201: OfferCreated, **errors(401, 403, 404, 413, 422)})
def create_offer(request, payload: OfferIn):
    """An accepted provider offers an activity: published at once for a trusted provider,
    otherwise `pending` until the back office approves it. A provider that is not (or no
    longer) accepted → 403 `provider-not-accepted`."""
    data = payload.model_dump()
    provider_id = parse_id(data.pop("provider_id") or "") if payload.provider_id else None
    if payload.provider_id and provider_id is None:
        raise Http404
    pid = own_provider_id(request, "marketplace.manage_offers", provider_id)
    offer = marketplace.create_offer(Provider.objects.get(pk=pid), data, actor=request.user)
    return Status(201, {"id": str(offer.pk), "status": offer.status})


@router.get("/offers/{offer_id}", response={200: OfferOut, **errors(401, 404)})
def get_offer(request, offer_id: str):
    """One offer: published ones for every signed-in person; others only for the
    provider's own people and the back office (404 for anyone else)."""
    offer = _offer(offer_id)
    user = request.user
    visible = (
        offer.status == OfferStatus.PUBLISHED
        or offer.provider_id in user.provider_ids()
        or user.is_platform_admin
    )
    if not visible:
        raise Http404
    return offer_out(offer)


@router.patch("/offers/{offer_id}", response={200: OfferOut, **errors(401, 403, 404, 413, 422)})
def update_offer(request, offer_id: str, payload: OfferPatchIn):
    """The provider changes its own offer (the fields sent; `sessions` replace all). A
    material change (title, description, price, disciplines, levels, location) of a
    published offer by an untrusted provider sends it back to `pending`."""
    offer = _offer(offer_id)
    check_provider(request, offer.provider_id, "marketplace.manage_offers")
    changes = payload.model_dump(exclude_unset=True)
    offer = marketplace.update_offer(offer, changes, actor=request.user)
    return offer_out(_offer(str(offer.pk)))


def image_out(image: OfferImage) -> dict[str, Any]:
    return {
        "id": str(image.pk),
        "url": reverse("portals:offer_image", args=[image.pk, "large"]),
        "small_url": reverse("portals:offer_image", args=[image.pk, "small"]),
        "alt": image.alt,
        "credit": image.credit,
        "width": image.width,
        "height": image.height,
    }


@router.post(
    "/offers/{offer_id}/images",
    response={201: OfferImageOut, **errors(401, 403, 404, 409, 413, 422)},
)
def add_image(request, offer_id: str, file: File[UploadedFile], alt: Form[str], credit: Form[str]):
    """The provider adds an image (multipart `file`, `alt`, `credit`): JPEG, PNG or WebP by
    content, at least 600 × 400 px, at most 10 MB and 50 megapixels; stored re-encoded at
    1,600 and 400 px without EXIF. A sixth image → 409 `too-many-images`."""
    offer = _offer(offer_id)
    check_provider(request, offer.provider_id, "marketplace.manage_offers")
    image = marketplace.add_image(offer, file, alt=alt, credit=credit, actor=request.user)
    return Status(201, image_out(image))


@router.delete(
    "/offers/{offer_id}/images/{image_id}", response={204: None, **errors(401, 403, 404)}
)
def remove_image(request, offer_id: str, image_id: str):
    offer = _offer(offer_id)
    check_provider(request, offer.provider_id, "marketplace.manage_offers")
    image = OfferImage.objects.filter(pk=path_id(image_id), offer=offer).first()
    if image is None:
        raise Http404
    marketplace.remove_image(image, actor=request.user)
    return Status(204, None)


# --- moderation ------------------------------------------------------------------------------


def _moderated(request, offer_id: str) -> Offer:
    require(request, "marketplace.moderate")
    return _offer(offer_id)


class ReasonIn(Schema):
    reason: str = Field(description="required: e-mailed to the provider (reject), shown to it")


def _status(offer: Offer) -> dict:
    return {"id": str(offer.pk), "status": offer.status}


@router.post(
    "/admin/offers/{offer_id}/approve",
    response={200: OfferStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def approve_offer(request, offer_id: str):
    offer = _moderated(request, offer_id)
    return _status(marketplace.approve_offer(offer, actor=request.user))


@router.post(
    "/admin/offers/{offer_id}/reject",
    response={200: OfferStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def reject_offer(request, offer_id: str, payload: ReasonIn):
    """Reject a pending offer; the reason is e-mailed to the provider."""
    offer = _moderated(request, offer_id)
    return _status(marketplace.reject_offer(offer, reason=payload.reason, actor=request.user))


@router.post(
    "/admin/offers/{offer_id}/hide",
    response={200: OfferStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def hide_offer(request, offer_id: str, payload: ReasonIn):
    offer = _moderated(request, offer_id)
    return _status(marketplace.hide_offer(offer, reason=payload.reason, actor=request.user))


@router.post(
    "/admin/offers/{offer_id}/unhide",
    response={200: OfferStatusOut, **errors(401, 403, 404, 409, 413, 422)},
)
def unhide_offer(request, offer_id: str):
    offer = _moderated(request, offer_id)
    return _status(marketplace.unhide_offer(offer, actor=request.user))


class TrustIn(Schema):
    trusted: bool


@router.post(
    "/admin/providers/{provider_id}/trust",
    response={200: ProviderTrustOut, **errors(401, 403, 404, 413, 422)},
)
def trust_provider(request, provider_id: str, payload: TrustIn):
    """A trusted provider's offers are published without review."""
    provider = provider_for(request, provider_id, action="marketplace.moderate")
    trust = marketplace.set_trusted(provider, payload.trusted, actor=request.user)
    return {"id": str(provider.pk), "trusted": trust.trusted}
