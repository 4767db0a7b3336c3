"""The school's search page, offer detail, suggestions on the home page, public providers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

from .factories import make_offer
from .test_request_pages import client_for
from .test_search import offer

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teacher_school():
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    return school, _client(with_role(UserFactory(), RoleName.TEACHER, school=school))


def test_the_search_page_keeps_the_filters_in_the_url_across_pages(teacher_school):
    school, client = teacher_school
    for i in range(25):
        offer(title=f"Film in de klas {i}", disciplines=["film"])
    offer(title="Dans in de klas", disciplines=["dance"])
    url = reverse("portals:school_offer_search", args=[school.pk])
    response = client.get(url, {"q": "klas", "discipline": "film"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "25 activiteiten" in html, html[
        html.find("result-count") : html.find("result-count") + 200
    ]
    assert 'value="film" checked' in html
    assert "(25)" in html and 'value="dance"' in html  # disjunctive count of the other value
    assert "q=klas&amp;discipline=film&amp;page=2" in html
    page2 = client.get(url, {"q": "klas", "discipline": "film", "page": "2"}).content.decode()
    assert page2.count('class="ck-hit"') == 5 and "Dans in de klas" not in page2


def test_a_bad_filter_shows_an_error_not_a_crash(teacher_school):
    school, client = teacher_school
    url = reverse("portals:school_offer_search", args=[school.pk])
    response = client.get(url, {"sort": "cheapest"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_the_offer_page_shows_provider_and_on_request(teacher_school):
    school, client = teacher_school
    o = offer(title="Beeldhouwen", description="Met klei werken.")
    html = client.get(
        reverse("portals:school_offer_detail", args=[school.pk, o.pk])
    ).content.decode()
    assert "Beeldhouwen" in html and "Stichting Aanbod" in html and "Op aanvraag" in html
    pending = make_offer(status=OfferStatus.PENDING)
    assert (
        client.get(reverse("portals:school_offer_detail", args=[school.pk, pending.pk])).status_code
        == 404
    )


def test_the_home_page_shows_suggestions_and_the_support_point(teacher_school):
    school, client = teacher_school
    offer(title="Komt naar Utrecht", location_mode="at_school", provinces=["utrecht"], venue=None)
    html = client.get(reverse("portals:school_dashboard", args=[school.pk])).content.decode()
    assert 'data-list="comes_to_school"' in html and "Komt naar Utrecht" in html
    assert "Kunst Centraal" in html


def test_the_public_provider_list():
    offer(title="Toneel", disciplines=["theatre"])
    html = Client().get(reverse("portals:providers_public"), {"q": "aanbod"}).content.decode()
    assert "Stichting Aanbod" in html and "Theater" in html


def test_the_offer_page_leads_a_budget_holder_to_the_request_form(teacher_school):
    """Search → offer → request: the offer page links to the request form for those who may
    send one (budget holder, Docent+), not for a teacher."""
    school, teacher = teacher_school
    o = offer(title="Beeldhouwen")
    url = reverse("portals:school_offer_detail", args=[school.pk, o.pk])
    form = reverse("portals:school_offers_request", args=[school.pk, o.pk])
    assert form not in teacher.get(url).content.decode()
    holder = client_for(with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school))
    assert f'href="{form}"' in holder.get(url).content.decode()
    assert holder.get(form).status_code == 200
