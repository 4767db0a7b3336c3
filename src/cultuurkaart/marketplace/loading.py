"""Offers loaded for showing (API and pages): the offers of a page with their taxonomy codes,
sessions and images in four fixed queries (decision MS-11).

Django's `prefetch_related` of seven relations costs seven queries and, per offer and
relation, a related manager and a cloned queryset on every `.all()`: about 25 ms of CPU for a
page of 50 offers, more than the search itself. Here the links of the five taxonomy relations
come with their codes in one `UNION ALL`, and each offer
carries plain lists: `offer.codes[relation]` (ordered as the term table: position, code),
`offer.session_list` (by start), `offer.image_list` (by position) and `offer.bookable`."""

from __future__ import annotations

from django.db.models import IntegerField, Value

from cultuurkaart.core import clock

from .models import Offer, OfferImage, OfferSession

TERM_RELATIONS = ("disciplines", "levels", "themes", "provinces", "access")


def load_offers(ids: list[int], queryset=None) -> list[Offer]:
    """The offers with these ids, in this order (ids not found are left out), with
    provider and format joined and their codes, sessions and images attached. `queryset`
    (default: every offer) may add annotations; the caller decides visibility."""
    if not ids:
        return []
    base = Offer.objects.all() if queryset is None else queryset
    found = (
        base.filter(pk__in=ids)
        .select_related("provider", "format")
        .defer("search_text")
        .order_by()  # the order of `ids`
    )
    by_id = {offer.pk: offer for offer in found}
    offers = [by_id[pk] for pk in ids if pk in by_id]
    attach(offers)
    return offers


def attach(offers: list[Offer]) -> None:
    """Give each offer `codes`, `session_list`, `image_list` and `bookable` (three queries)."""
    if not offers:
        return
    ids = [offer.pk for offer in offers]
    now = clock.now()
    links = None
    for index, relation in enumerate(TERM_RELATIONS):
        through = getattr(Offer, relation).through.objects.filter(offer_id__in=ids)
        part = through.annotate(relation=Value(index, output_field=IntegerField())).values_list(
            "offer_id", "relation", "term__position", "term__code"
        )
        links = part if links is None else links.union(part, all=True)
    per_offer: dict[int, list[tuple]] = {}
    for offer_id, *key in links:
        per_offer.setdefault(offer_id, []).append(key)
    sessions: dict[int, list[OfferSession]] = {}
    for session in OfferSession.objects.filter(offer_id__in=ids).order_by("starts_at", "pk"):
        sessions.setdefault(session.offer_id, []).append(session)
    images: dict[int, list[OfferImage]] = {}
    for image in OfferImage.objects.filter(offer_id__in=ids).order_by("position", "pk"):
        images.setdefault(image.offer_id, []).append(image)
    for offer in offers:
        codes: dict[str, list[str]] = {relation: [] for relation in TERM_RELATIONS}
        for index, _, code in sorted(per_offer.get(offer.pk, [])):
            codes[TERM_RELATIONS[index]].append(code)
        offer.codes = codes
        offer.session_list = sessions.get(offer.pk, [])
        offer.image_list = images.get(offer.pk, [])
        offer.bookable = is_bookable(offer.session_list, now)


def is_bookable(sessions: list[OfferSession], now) -> bool:
    """`search.bookable_q` for sessions already loaded: bookable now when on request (no
    sessions) or a session's booking deadline is ahead (a test keeps the two equal)."""
    return not sessions or any(session.book_by >= now for session in sessions)
