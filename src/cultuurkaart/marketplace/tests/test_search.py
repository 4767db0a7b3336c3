"""The search contract (issue 11 point 4): runs on SQLite (FTS5) and on PostgreSQL
(`DATABASE_URL=postgres://… uv run pytest src/cultuurkaart/marketplace/tests/test_search.py`).
The offers use terms whose labels do not contain the searched words (film, workshop)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.marketplace import search
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import Offer
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

from .factories import make_offer

pytestmark = pytest.mark.django_db
P = OfferStatus.PUBLISHED


def offer(title="Een activiteit", description="Voor de klas.", **overrides) -> Offer:
    defaults = {
        "disciplines": ["film"],
        "format": "workshop",
        "levels": ["vo-havo"],
    }
    provider = ProviderFactory(name="Stichting Aanbod")  # no searched word in the name
    return make_offer(
        provider, status=P, title=title, description=description, **(defaults | overrides)
    )


def ids(query: str, school=None) -> list[int]:
    filters = search.filters_from(QueryDict(query), school)
    return list(search.search(filters).queryset.values_list("id", flat=True))


# --- Dutch text ------------------------------------------------------------------------------


def test_the_dutch_examples():
    stage = offer(title="Een voorstelling over vriendschap")
    ideas = offer(title="Ideeën voor de klas", description="Schrijven en tekenen.")
    compound = offer(title="Het Muziektheater komt langs", description="Zingen.")
    other = offer(title="Fotografie in de stad", description="Met een camera.")
    assert ids("q=voorstellingen") == [stage.pk]
    assert ids("q=ideeen") == [ideas.pk]
    assert ids("q=IDEEËN") == [ideas.pk]
    assert ids("q=theater") == [compound.pk]
    assert ids("q=muziek") == [compound.pk]  # the other end of the compound
    assert ids("q=camera") == [other.pk]
    assert ids("q=onbekendwoord") == []


def test_phrases_and_exclusion():
    a = offer(title="Dans in de klas", description="Bewegen op muziek.")
    b = offer(title="De klas in dans", description="Bewegen zonder muziek.")
    c = offer(title="Schilderen", description="Met verf in de klas.")
    assert set(ids('q="dans in de klas"')) == {a.pk}
    assert set(ids("q=klas")) == {a.pk, b.pk, c.pk}
    assert set(ids("q=klas -dans")) == {c.pk}
    assert set(ids("q=-verf")) == {a.pk, b.pk}
    assert set(ids('q="in de klas" -schilderen')) == {a.pk}


def test_text_is_refreshed_on_edit():
    from cultuurkaart.marketplace import services

    o = offer(title="Beeldhouwen met klei")
    assert ids("q=klei") == [o.pk]
    services.update_offer(o, {"title": "Beeldhouwen met steen"}, actor=None)
    Offer.objects.filter(pk=o.pk).update(status=P)
    assert ids("q=klei") == []
    assert ids("q=stenen") == [o.pk]


# --- facets ---------------------------------------------------------------------------------


def test_or_within_a_facet_and_across_facets():
    film = offer(disciplines=["film"], format="workshop")
    dance = offer(disciplines=["dance"], format="workshop")
    dance_show = offer(disciplines=["dance"], format="performance")
    assert set(ids("discipline=film")) == {film.pk}
    assert set(ids("discipline=film&discipline=dance")) == {film.pk, dance.pk, dance_show.pk}
    assert set(ids("discipline=film&discipline=dance&format=performance")) == {dance_show.pk}
    assert ids("discipline=film&format=performance") == []


def test_a_level_type_matches_its_years():
    havo = offer(levels=["vo-havo"])
    year = offer(levels=["vo-havo-4"])
    vwo = offer(levels=["vo-vwo-2"])
    assert set(ids("level=vo-havo")) == {havo.pk, year.pk}
    assert set(ids("level=vo-havo-4")) == {havo.pk, year.pk}  # an offer for the whole type
    assert vwo.pk not in ids("level=vo-havo")
    other_year = offer(levels=["vo-havo-5"])
    assert other_year.pk not in ids("level=vo-havo-4")  # a year's sibling is not chosen


@pytest.mark.parametrize(
    "query",
    [
        "level=vo-havo",
        "level=vo-havo-4",
        "level=vo-havo-4&level=vo-vwo-2",
        "province=utrecht&discipline=dance",
        "format=performance&discipline=film&discipline=dance",
        "province=noord-holland&level=vo-vwo&format=workshop",
    ],
)
def test_facets_by_term_id_select_what_the_codes_select(query):
    """The search resolves codes to term ids once (MS-12); the same filter by codes (the
    join with the term table) selects the same offers."""
    offer(levels=["vo-havo"], disciplines=["dance"], provinces=["utrecht"])
    offer(levels=["vo-havo-4"], format="performance", disciplines=["film"])
    offer(levels=["vo-havo-5"], location_mode="at_school", provinces=["noord-holland"])
    offer(levels=["vo-vwo-2"], disciplines=["dance"], format="workshop")
    offer(levels=["vo-vwo"], national=True, location_mode="at_school", provinces=[])
    by_id = search.filters_from(QueryDict(query))
    assert by_id.term_ids
    by_code = search.filters_from(QueryDict(query))
    by_code.term_ids = {}
    expected = set(search.search(by_code).queryset.values_list("id", flat=True))
    assert set(search.search(by_id).queryset.values_list("id", flat=True)) == expected
    assert expected  # the data set answers every query


@pytest.mark.parametrize(
    ("located", "coming", "national", "found"),
    [
        ("Amsterdam", [], False, True),  # located in the province, not coming
        ("Utrecht", ["noord-holland"], False, True),  # elsewhere, coming there
        ("Utrecht", [], True, True),  # national = all twelve
        ("Utrecht", ["zeeland"], False, False),  # neither
    ],
)
def test_the_province_rule(located, coming, national, found):
    mode = "at_provider" if not coming and not national else "at_school"
    o = offer(
        location_mode=mode,
        venue={"postcode": "1234 AB", "city": located},
        provinces=coming,
        national=national,
    )
    assert (o.pk in ids("province=noord-holland")) is found
    counts = search.facet_counts(search.filters_from(QueryDict("")))
    assert ("noord-holland" in counts["provinces"]) is found


def test_price_per_student_divides_a_group_price():
    cheap_group = offer(price_model="per_group", price="200.00", group_size=30)
    Offer.objects.filter(pk=cheap_group.pk).update(group_size=None)  # 200 / 25 = 8
    sized_group = offer(price_model="per_group", price="200.00", group_size=10)  # 20
    student = offer(price_model="per_student", price="9.00")
    assert set(ids("max_price_per_student=8")) == {cheap_group.pk}
    assert set(ids("max_price_per_student=10")) == {cheap_group.pk, student.pk}
    assert set(ids("max_price_per_student=20")) == {cheap_group.pk, student.pk, sized_group.pk}
    assert ids("sort=price")[:3] == [cheap_group.pk, student.pk, sized_group.pk]


def _session(day: dt.date) -> dict:
    start = dt.datetime.combine(day, dt.time(10), tzinfo=clock.AMSTERDAM)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "capacity": 30,
        "book_by": (start - dt.timedelta(days=7)).isoformat(),
    }


def test_dates_go_by_sessions_and_bookable():
    today = clock.now().astimezone(clock.AMSTERDAM).date()
    soon = offer(sessions=[_session(today + dt.timedelta(days=30))])
    late = offer(sessions=[_session(today + dt.timedelta(days=90))])
    closed = offer(sessions=[_session(today + dt.timedelta(days=3))])  # book_by passed
    on_request = offer()
    window = f"date_from={today + dt.timedelta(days=20)}&date_until={today + dt.timedelta(days=40)}"
    assert ids(window) == [soon.pk]
    assert ids(f"date_from={today + dt.timedelta(days=60)}") == [late.pk]
    result = search.search(search.filters_from(QueryDict("")))
    bookable = dict(result.queryset.values_list("id", "bookable"))
    assert bookable == {soon.pk: True, late.pk: True, closed.pk: False, on_request.pk: True}
    # the loaded page (API and search page) says the same from the sessions it loads
    loaded = search.page(search.filters_from(QueryDict("")), 0, 50).offers
    assert {o.pk: o.bookable for o in loaded} == bookable


def test_facet_counts_are_disjunctive():
    offer(disciplines=["film"], format="workshop")
    offer(disciplines=["dance"], format="workshop")
    offer(disciplines=["dance"], format="performance")
    counts = search.facet_counts(search.filters_from(QueryDict("discipline=dance")))
    assert counts["disciplines"] == {"film": 1, "dance": 2}  # its own facet not applied
    assert counts["formats"] == {"workshop": 1, "performance": 1}


# --- who is found, and the order -------------------------------------------------------------


def test_only_published_offers_of_providers_that_may_offer():
    shown = offer(title="Zichtbaar aanbod")
    make_offer(status=OfferStatus.PENDING, title="Wachtend aanbod")
    make_offer(status=OfferStatus.HIDDEN, title="Verborgen aanbod")
    revoked = ProviderFactory(status=ProviderStatus.REVOKED)
    gone = offer(title="Ingetrokken aanbod")
    Offer.objects.filter(pk=gone.pk).update(provider=revoked)
    leaving = ProviderFactory(
        status=ProviderStatus.REVOCATION_ANNOUNCED,
        revocation_effective_on=clock.now().date() + dt.timedelta(days=20),
    )
    still = offer(title="Nog even aanbod")
    Offer.objects.filter(pk=still.pk).update(provider=leaving)
    assert set(ids("q=aanbod")) == {shown.pk, still.pk}


def test_distance_from_the_school_and_within_km():
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht")])
    near = offer(venue={"postcode": "3811 AA", "city": "Amersfoort"})  # ~20 km
    far = offer(venue={"postcode": "9711 AA", "city": "Groningen"})  # ~160 km
    home = offer(location_mode="at_school", provinces=["utrecht"], venue=None)
    near.refresh_from_db()
    assert near.venue_latitude is not None and near.venue_province == "utrecht"
    assert ids("", school) == [near.pk, far.pk, home.pk]  # distance, then no distance
    assert ids("within_km=50", school) == [near.pk]
    result = search.search(search.filters_from(QueryDict(""), school))
    distances = {o.pk: result.distance_km(o) for o in result.queryset}
    assert 15 < distances[near.pk] < 30 and 140 < distances[far.pk] < 190
    assert distances[home.pk] is None
    for days, o in enumerate((home, far, near)):
        Offer.objects.filter(pk=o.pk).update(published_at=clock.now() - dt.timedelta(days=days))
    assert ids("sort=newest", school) == [home.pk, far.pk, near.pk]


def test_the_order_is_deterministic():
    made = [offer(title="Gelijke titel") for _ in range(4)]
    Offer.objects.update(published_at=clock.now())
    expected = sorted((o.pk for o in made), reverse=True)  # same rank and date: id
    assert ids("q=gelijke") == expected
    assert ids("") == expected


@pytest.mark.parametrize(
    "query",
    [
        "discipline=nope",
        "sort=cheapest",
        "within_km=10",
        "sort=distance",
        "max_price_per_student=abc",
        "date_from=2026-13-01",
        "national=maybe",
    ],
)
def test_bad_filters_are_422(query):
    with pytest.raises(ValidationFailed):
        search.filters_from(QueryDict(query))


def test_typos_on_postgresql_when_nothing_matches_exactly():
    from django.db import connection

    o = offer(title="Een voorstelling over vriendschap")
    expected = [o.pk] if connection.vendor == "postgresql" else []  # SQLite: no typo search
    assert ids("q=vriendshap") == expected


def test_a_provider_rename_refreshes_the_search_text_of_its_offers():
    """The provider's name is searchable; a new name is found at once, the old one no longer
    (providers.register_update_hook → offers.provider_updated)."""
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.tests.factories import UserFactory, with_role
    from cultuurkaart.providers import services as providers
    from cultuurkaart.providers.tests.test_services import _data

    first = offer(title="Een voorstelling")
    second = make_offer(first.provider, status=P, title="Nog een voorstelling")
    other = offer(title="Een andere voorstelling")
    provider = first.provider
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    assert set(ids("q=aanbod")) == {first.pk, second.pk, other.pk}  # "Stichting Aanbod"
    provider = providers.update_provider(
        provider, _data(provider, name="Theatergroep Kwast"), actor=user
    )
    assert set(ids("q=kwast")) == {first.pk, second.pk}
    assert other.pk in ids("q=aanbod") and first.pk not in ids("q=aanbod")
    # a change of another field leaves the text as it is
    before = set(Offer.objects.values_list("search_text", flat=True))
    providers.update_provider(provider, _data(provider, sector="Erfgoed"), actor=user)
    assert set(Offer.objects.values_list("search_text", flat=True)) == before
