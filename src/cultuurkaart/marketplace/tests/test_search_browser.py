"""A budget holder searches with text and a facet, opens an offer; the search, offer,
home and provider pages fit a 390 px phone and axe finds no WCAG 2.1 AA violations."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

from .test_browser import _fits_a_phone
from .test_search import offer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_budget_holder_searches_and_opens_an_offer(page):
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    holder = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    wanted = offer(
        title="Muziektheater in de aula met een heel lange titel die netjes moet afbreken",
        disciplines=["music_theatre"],
        location_mode="at_school",
        provinces=["utrecht"],
        venue={"postcode": "3511 AA", "city": "Utrecht"},
    )
    offer(title="Theater op locatie", disciplines=["theatre"])
    offer(title="Filmmaken", disciplines=["film"])
    sign_in(page, holder)
    base = f"/school/{school.pk}/aanbod/"
    page.goto(page.base_url + base)
    page.get_by_label("Zoekwoorden").fill("theater")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_text("2 activiteiten").wait_for()
    page.get_by_label("Muziektheater (1)").check()
    page.get_by_role("button", name="Filters toepassen").click()
    page.get_by_text("1 activiteit").wait_for()
    assert "q=theater" in page.url and "discipline=music_theatre" in page.url
    problems = _fits_a_phone(page, "offer-search")
    page.get_by_role("link", name=wanted.title).click()
    page.get_by_text("Op aanvraag").wait_for()
    problems += _fits_a_phone(page, "offer-detail")
    page.goto(f"{page.base_url}/school/{school.pk}/")
    problems += _fits_a_phone(page, "school-home-suggestions")
    found = []
    for path in (
        base,
        f"{base}?q=theater&discipline=music_theatre",
        f"{base}{wanted.pk}/",
        f"/school/{school.pk}/",
        "/aanbieders/",
    ):
        found += violations(page, path)
    assert problems == [] and found == []
