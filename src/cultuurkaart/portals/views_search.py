"""Marketplace search pages (issue 11 points 4–5): the school's search page and offer
detail, its suggestions (on the school's home page) and the public provider list. Thin:
permission, `marketplace.search`, render. The filters live in the URL (a GET form)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.ids import parse_id
from cultuurkaart.marketplace import search as offer_search
from cultuurkaart.marketplace import support_points
from cultuurkaart.marketplace.models import Term

from .access import may, school_page

PAGE_SIZE = 20
RELATED = ("disciplines", "levels", "themes", "provinces", "access", "sessions", "images")
FACET_ORDER = ("disciplines", "formats", "levels", "themes", "provinces", "access")


def _facets(filters: offer_search.Filters) -> list[dict]:
    counts = offer_search.facet_counts(filters)
    terms: dict[str, list[Term]] = {}
    for term in Term.objects.active().select_related("parent"):
        terms.setdefault(term.vocabulary, []).append(term)
    out = []
    for facet in FACET_ORDER:
        param, vocabulary, _ = offer_search.FACETS[facet]
        chosen = set(filters.codes.get(facet, []))
        values = [
            {
                "code": t.code,
                "label": t.label,
                "count": counts[facet].get(t.code, 0),
                "checked": t.code in chosen,
            }
            for t in terms.get(vocabulary, [])
        ]
        values = [v for v in values if v["count"] or v["checked"]]
        if values:
            out.append({"param": param, "facet": facet, "values": values})
    return out


def _page_number(request) -> int:
    number = parse_id(request.GET.get("page", "1"), max_digits=6)
    return number if number and number >= 1 else 1


@school_page("marketplace.search")
def school_offer_search(request, school):
    """Search box, facets with counts, sort, paging; the filters stay in the URL."""
    error = None
    # "fits my remaining budget" shows the school's money: only for who may see the ledger
    budget_view = may(request, "ledger.view", school.pk)
    params = request.GET
    if not budget_view and "fits_budget" in params:
        params = params.copy()
        params.pop("fits_budget")
    try:
        filters = offer_search.filters_from(params, school)
    except ValidationFailed as exc:
        error = exc.errors[0]["message"] if exc.errors else str(exc)
        filters = offer_search.Filters(school=school)
    remaining = offer_search.remaining_budget(school) if budget_view else None
    number = _page_number(request)
    found = offer_search.page(filters, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, (found.count + PAGE_SIZE - 1) // PAGE_SIZE)
    if number > pages:  # past the end (an old link): the last page
        number = pages
        found = offer_search.page(filters, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    count, offers = found.count, found.offers
    for offer in offers:
        offer.distance = found.result.distance_km(offer)
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "portals/school/search/search.html",
        {
            "school": school,
            "filters": filters,
            "error": error,
            "offers": offers,
            "count": count,
            "facets": _facets(filters),
            "page": number,
            "pages": pages,
            "query": keep.urlencode(),
            "budget_view": budget_view,
            "remaining": remaining,
            "sorts": [
                ("", "Standaard"),
                ("relevance", "Relevantie"),
                ("distance", "Afstand"),
                ("newest", "Nieuwste"),
                ("price", "Prijs per leerling"),
            ],
        },
    )


@school_page("marketplace.search")
def school_offer_detail(request, school, pk: int):
    """One published offer of an accepted provider, for the school."""
    offer = (
        offer_search.searchable()
        .select_related("provider", "format")
        .prefetch_related(*RELATED)
        .filter(pk=pk)
        .first()
    )
    if offer is None:
        raise Http404
    point = offer_search.school_point(school)
    distance = offer_search.Result(queryset=None, point=point).distance_km(offer)
    return render(
        request,
        "portals/school/search/offer.html",
        {
            "school": school,
            "offer": offer,
            "sessions": list(offer.sessions.all()),
            "distance": distance,
            "provider_city": offer_search.provider_city(offer.provider),
            "can_request": may(request, "marketplace.request", school.pk),
        },
    )


def suggestions_for(request, school) -> dict | None:
    """The school home page's suggestions, for those who may search (else None)."""
    if not may(request, "marketplace.search", school.pk):
        return None
    lists = offer_search.suggestions(school)
    ids = {pk for pks in lists.values() for pk in pks}
    offers = offer_search.searchable().select_related("provider").in_bulk(ids)
    return {
        "lists": [
            (key, title, [offers[pk] for pk in lists[key] if pk in offers])
            for key, title in (
                ("comes_to_school", "Komt naar uw school"),
                ("nearby", "In de buurt"),
                ("new_offers", "Nieuw aanbod"),
                ("new_providers", "Nieuwe aanbieders"),
            )
        ],
        "support_point": support_points.for_province(offer_search.school_province(school)),
    }


def public_providers(request):
    """Public: the accepted providers, with a search on the name."""
    q = (request.GET.get("q") or "")[:200]
    qs = offer_search.public_providers(q)
    count = qs.count()
    number = _page_number(request)
    pages = max(1, (count + 49) // 50)
    number = min(number, pages)
    providers = list(qs[(number - 1) * 50 : number * 50])
    disciplines = offer_search.provider_disciplines([p.pk for p in providers])
    labels = {t.code: t.label for t in Term.objects.of("discipline")}
    rows = [
        {
            "name": p.name,
            "city": offer_search.provider_city(p),
            "disciplines": [labels.get(c, c) for c in disciplines.get(p.pk, [])],
        }
        for p in providers
    ]
    return render(
        request,
        "portals/providers_public.html",
        {"rows": rows, "q": q, "count": count, "page": number, "pages": pages},
    )
