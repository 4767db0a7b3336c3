"""`GET /offers`, `GET /schools/{school}/suggestions` and `GET /providers` (API.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.marketplace.models import Offer
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

from .test_search import offer

pytestmark = pytest.mark.django_db


def test_the_api_searches_with_every_filter_in_the_url(bh_api, school):
    a = offer(title="Filmen met de klas", disciplines=["film"])
    b = offer(title="Dansen met de klas", disciplines=["dance"])
    offer(title="Schilderen", disciplines=["visual_arts"])
    response = bh_api.get(
        f"/api/v1/offers?q=klas&discipline=film&discipline=dance&school={school.pk}&page_size=1"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    hit = body["results"][0]
    assert hit["id"] in (str(a.pk), str(b.pk))
    assert hit["provider"] == str(a.provider_id if hit["id"] == str(a.pk) else b.provider_id)
    assert hit["bookable"] is True and hit["distance_km"] == 0.0  # both in Amsterdam
    page2 = bh_api.get(
        f"/api/v1/offers?q=klas&discipline=film&discipline=dance&school={school.pk}"
        "&page_size=1&page=2"
    ).json()
    assert {hit["id"], page2["results"][0]["id"]} == {str(a.pk), str(b.pk)}


def test_another_schools_distance_is_404_and_bad_filters_422(bh_api):
    other = SchoolFactory()
    assert bh_api.get(f"/api/v1/offers?school={other.pk}").status_code == 404
    response = bh_api.get("/api/v1/offers?within_km=5")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "within_km"
    assert bh_api.get("/api/v1/offers?discipline=nope").status_code == 422


def test_a_provider_and_the_admin_search_without_a_school(api_as, admin):
    o = offer(title="Beeldhouwen")
    provider_user = with_role(UserFactory(), RoleName.PROVIDER, provider=ProviderFactory())
    for user in (admin, provider_user):
        assert [
            h["id"] for h in api_as(user).get("/api/v1/offers?q=beeldhouwen").json()["results"]
        ] == [str(o.pk)]
    assert api_as(None).get("/api/v1/offers").status_code == 401


def test_suggestions_one_per_provider_stable_for_a_day(api_as):
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    busy = ProviderFactory(name="Stichting Veel", decided_at=clock.now())
    from .factories import make_offer

    for i in range(3):
        make_offer(
            busy,
            status="published",
            title=f"Op school {i}",
            location_mode="at_school",
            provinces=["utrecht"],
            venue={"postcode": "3511 AA", "city": "Utrecht"},
        )
    for i in range(12):
        o = offer(
            title=f"Komt langs {i}",
            location_mode="at_school",
            provinces=["utrecht"],
            venue={"postcode": "3511 AA", "city": "Utrecht"},
        )
        Offer.objects.filter(pk=o.pk).update(published_at=clock.now())
    offer(title="Ver weg", location_mode="at_school", provinces=["zeeland"], venue=None)
    client = api_as(teacher)
    first = client.get(f"/api/v1/schools/{school.pk}/suggestions")
    assert first.status_code == 200, first.content
    body = first.json()
    for key in ("comes_to_school", "nearby", "new_offers", "new_providers"):
        providers = [h["provider"] for h in body[key]]
        assert len(providers) <= 10 and len(providers) == len(set(providers)), key
    assert len(body["comes_to_school"]) == 10
    assert "Ver weg" not in {h["title"] for h in body["comes_to_school"]}
    assert body["nearby"] and all(h["distance_km"] < 25 for h in body["nearby"])
    assert next(h["title"] for h in body["new_providers"]).startswith("Op school")
    assert body["support_point"]["province"] == "utrecht"
    assert client.get(f"/api/v1/schools/{school.pk}/suggestions").json() == body
    student = with_role(UserFactory(), RoleName.STUDENT, school=school)
    assert api_as(student).get(f"/api/v1/schools/{school.pk}/suggestions").status_code == 403


def test_suggestions_change_with_the_day(api_as):
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    for i in range(25):
        offer(title=f"Aanbod {i}", location_mode="at_school", provinces=["utrecht"], venue=None)
    today = [
        h["id"]
        for h in api_as(bh)
        .get(f"/api/v1/schools/{school.pk}/suggestions")
        .json()["comes_to_school"]
    ]
    later = clock.now() + dt.timedelta(days=1)
    tomorrow = (
        api_as(bh, clock=later.isoformat()).get(f"/api/v1/schools/{school.pk}/suggestions").json()
    )
    assert [h["id"] for h in tomorrow["comes_to_school"]] != today


def test_the_public_provider_list(api_as):
    shown = ProviderFactory(name="Theater Zuid", address="Markt 1, 5611 AA Eindhoven")
    offer(title="Toneel", disciplines=["theatre"])
    Offer.objects.filter(title="Toneel").update(provider=shown)
    ProviderFactory(name="Theater Wacht", status=ProviderStatus.PENDING)
    ProviderFactory(name="Theater Weg", status=ProviderStatus.REVOKED)
    body = api_as(None).get("/api/v1/providers?q=theater").json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(shown.pk),
            "name": "Theater Zuid",
            "city": "Eindhoven",
            "disciplines": ["theatre"],
        }
    ]


def test_suggestions_are_kept_for_the_day_but_a_hidden_offer_drops_out(api_as):
    """Decision MS-10: the lists are computed once per school and day (the home page of a
    national set spent ≈ 190 ms on them per visit); an offer hidden later that day is not
    shown, a new one waits for the next day (stable for a day)."""
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    shown = offer(title="Dans op school", location_mode="at_school", provinces=["utrecht"])
    url = f"/api/v1/schools/{school.pk}/suggestions"
    first = [h["id"] for h in api_as(bh).get(url).json()["comes_to_school"]]
    assert first == [str(shown.pk)]
    later = offer(title="Toneel op school", location_mode="at_school", provinces=["utrecht"])
    assert [h["id"] for h in api_as(bh).get(url).json()["comes_to_school"]] == first
    Offer.objects.filter(pk=shown.pk).update(status="hidden")
    assert api_as(bh).get(url).json()["comes_to_school"] == []
    tomorrow = (clock.now() + dt.timedelta(days=1)).isoformat()
    assert [h["id"] for h in api_as(bh, clock=tomorrow).get(url).json()["comes_to_school"]] == [
        str(later.pk)
    ]
