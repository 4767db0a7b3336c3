"""Marketplace search (API.md `GET /offers`), a school's suggestions and the public provider
list (issue 11 points 4–5). Thin: permission, `marketplace.search`, serializer."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from cultuurkaart.marketplace import search as offer_search
from cultuurkaart.marketplace import support_points
from cultuurkaart.marketplace.loading import load_offers
from cultuurkaart.marketplace.models import Offer

from .base import AUTH, OPTIONAL_AUTH, Page, errors, page_bounds, paged, paginate
from .marketplace import offer_out
from .marketplace import router as offers_router
from .permissions import check_school, school_for
from .schemas import OfferHitOut, PublicProviderOut, SuggestionsOut

router = Router(tags=["marketplace"])
# `GET /offers` shares its path with `POST /offers`: ninja serves one path from one router.


class SearchParams(Schema):
    """Documentation of the filters; the service reads the query string itself (repeated
    parameters are OR within a facet)."""

    q: str = Field("", description='Dutch full text; "…" phrase, -word excludes')
    discipline: list[str] = Field([], description="repeat for OR")
    theme: list[str] = []
    level: list[str] = Field([], description="a type matches its years")
    province: list[str] = Field([], description="located there or coming to schools there")
    national: bool | None = None
    at_school: bool | None = None
    format: list[str] = []
    max_price_per_student: str | None = Field(
        None, description="a group price divided by group_size (default 25)"
    )
    access: list[str] = []
    date_from: str | None = None
    date_until: str | None = None
    school: str | None = Field(None, description="a school you act for: gives distance_km")
    within_km: str | None = Field(None, description="needs school")
    fits_budget: bool | None = Field(
        None,
        description="needs school: one group (a group price, or a price per student times "
        "group_size, default 25) fits the school's collective budget minus its projected spend",
    )
    sort: str | None = Field(None, description="relevance, distance, newest or price")


def hit_out(offer: Offer, result: offer_search.Result) -> dict:
    return offer_out(offer) | {
        "distance_km": result.distance_km(offer),
        "bookable": bool(offer.bookable),
    }


@offers_router.get(
    "/offers",
    response={200: Page[OfferHitOut], **errors(401, 403, 404, 422)},
    openapi_extra=paged(),
)
def search_offers(request, params: Query[SearchParams]):
    """Search the published offers of accepted providers (API.md): OR within a facet, AND
    across facets; order with `q`: relevance, distance, newest, id; without: distance (with
    `school`), newest, id. `school` must be one the caller acts for (404 otherwise)."""
    school = None
    if params.school:
        school = school_for(request, params.school, action="marketplace.search")
        if params.fits_budget:
            # the remaining budget is the school's money: only for who may see the ledger
            check_school(request, school.pk, "ledger.view")
    filters = offer_search.filters_from(request.GET, school)
    start, size = page_bounds(request)
    found = offer_search.page(filters, start, size)
    return {"count": found.count, "results": [hit_out(o, found.result) for o in found.offers]}


@router.get(
    "/schools/{school_id}/suggestions",
    response={200: SuggestionsOut, **errors(401, 403, 404)},
)
def school_suggestions(request, school_id: str):
    """Comes to school, nearby, new offers, new providers: ≤ 10 each, ≤ 1 per provider,
    stable for a day; and the province's cultural support point."""
    school = school_for(request, school_id, action="marketplace.search")
    lists = offer_search.suggestions(school)
    ids = {pk for ids in lists.values() for pk in ids}
    filters = offer_search.Filters(school=school)
    result = offer_search.search(filters)
    shown = result.queryset.filter(pk__in=ids).values_list("pk", flat=True)
    offers = {o.pk: o for o in load_offers(list(shown))}
    out: dict = {
        key: [hit_out(offers[pk], result) for pk in pks if pk in offers]
        for key, pks in lists.items()
    }
    out["support_point"] = support_points.for_province(offer_search.school_province(school))
    return out


@router.get(
    "/providers",
    auth=[*AUTH, lambda request: True],
    response={200: Page[PublicProviderOut], **errors(422)},
    openapi_extra=OPTIONAL_AUTH | paged(),
)
def public_providers(request, q: str = "", discipline: str = ""):
    """Public: the accepted providers by name, with their place and the disciplines of
    their published offers; `q` searches the name."""
    qs = offer_search.public_providers(q, discipline)
    page = paginate(request, qs, lambda p: p)
    disciplines = offer_search.provider_disciplines([p.pk for p in page["results"]])
    page["results"] = [
        {
            "id": str(p.pk),
            "name": p.name,
            "city": offer_search.provider_city(p),
            "disciplines": disciplines.get(p.pk, []),
        }
        for p in page["results"]
    ]
    return page
