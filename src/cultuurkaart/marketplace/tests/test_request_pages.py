"""Request pages: the school sends, the provider answers and proposes, the school accepts,
the provider makes the web order, the school's page shows the chain (issue 11 points 6, 7)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.marketplace.constants import OfferStatus, RequestStatus
from cultuurkaart.marketplace.models import OfferRequest
from cultuurkaart.marketplace.tests.factories import make_offer, provider_person
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import SPEND_AT, fund

CLOCK = SPEND_AT.isoformat()


def client_for(user) -> Client:
    client = Client(headers={"X-Clock": CLOCK})
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def world(db):
    school = SchoolFactory()
    fund(school, school_amount="1000.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    return school, bh, provider, person, offer


FORM = {
    "date_1": "2024-04-10",
    "students": "25",
    "teachers": "2",
    "level": "vo-havo",
    "message": "Wij komen graag met 4 havo.",
    "client_token": "t1",
}


def test_the_whole_chain_through_the_pages(world):
    school, bh, provider, person, offer = world
    school_client, provider_client = client_for(bh), client_for(person)
    new = reverse("portals:school_offers_request", args=[school.pk, offer.pk])
    page = school_client.get(new)
    assert page.status_code == 200 and offer.title in page.content.decode()
    assert "nog geen aanvragen" in page.content.decode()  # the provider's responsiveness
    response = school_client.post(new, FORM)
    r = OfferRequest.objects.get()
    school_url = reverse("portals:school_requests_detail", args=[school.pk, r.pk])
    assert response.status_code == 302 and response["Location"] == school_url
    # a resubmitted form (same token) sends nothing twice
    school_client.post(new, FORM)
    assert OfferRequest.objects.count() == 1
    # a second request for the same dates needs the confirmation
    again = school_client.post(new, FORM | {"client_token": "t2"})
    assert again.status_code == 422 and b"confirm_duplicate" in again.content
    assert OfferRequest.objects.count() == 1

    provider_url = reverse("portals:provider_requests_detail", args=[provider.pk, r.pk])
    home = provider_client.get(reverse("portals:provider_home")).content.decode()
    assert reverse("portals:provider_requests", args=[provider.pk]) in home
    provider_client.post(provider_url, {"action": "message", "text": "Dat kan!"})
    menu = school_client.get(reverse("portals:school_requests", args=[school.pk])).content.decode()
    assert "Aanvragen (1)" in menu
    provider_client.post(
        provider_url,
        {
            "action": "propose",
            "starts_at": "2024-04-10T13:30",
            "students": "25",
            "amount": "250,00",
            "description": "Hamlet voor 4 havo",
        },
    )
    r.refresh_from_db()
    assert r.status == RequestStatus.PROPOSED
    detail = school_client.get(school_url).content.decode()
    assert "Dat kan!" in detail and "Voorstel accepteren" in detail
    proposal = r.proposals.get()
    school_client.post(school_url, {"action": "accept", "proposal_id": proposal.pk})
    r.refresh_from_db()
    assert r.status == RequestStatus.ACCEPTED
    page = provider_client.get(provider_url).content.decode()
    assert 'data-testid="weborder-form"' in page
    provider_client.post(provider_url, {"action": "weborder", "amount": "250.00"})
    provider_client.post(provider_url, {"action": "weborder", "amount": "250.00"})  # again
    r.refresh_from_db()
    assert r.status == RequestStatus.ORDERED and r.weborder.amount == proposal.amount
    with clock.frozen(SPEND_AT):
        weborders.approve_weborder(r.weborder, actor=bh)
    chain = school_client.get(school_url).content.decode()
    section = chain[chain.index('data-testid="chain"') : chain.index("</ol>", chain.index("chain"))]
    assert section.count('class="done"') == 5  # offer, request, proposal, web order, approval
    assert section.count('class="todo"') == 2  # check, payout


def test_the_pages_are_only_the_parties(world):
    school, bh, provider, _person, offer = world
    r = OfferRequest.objects.create(
        offer=offer, provider=provider, school=school, students=3, message="x"
    )
    other_school = SchoolFactory()
    stranger = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=other_school)
    other_person = provider_person()[1]
    other_provider = other_person.roles.get().provider
    assert (
        client_for(stranger)
        .get(reverse("portals:school_requests_detail", args=[other_school.pk, r.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(other_person)
        .get(reverse("portals:provider_requests_detail", args=[other_provider.pk, r.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(bh)
        .get(reverse("portals:school_requests_detail", args=[school.pk, r.pk]))
        .status_code
        == 200
    )
