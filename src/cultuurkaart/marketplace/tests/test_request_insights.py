"""Projected spend and provider responsiveness (issue 11 point 8; decisions MR10, MR11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.marketplace.constants import OfferStatus, Side
from cultuurkaart.marketplace.services import request_insights as insights
from cultuurkaart.marketplace.services import requests as service
from cultuurkaart.marketplace.tests.factories import make_offer, provider_person
from cultuurkaart.marketplace.tests.test_request_pages import client_for
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import SPEND_AT, fund

MONDAY = SPEND_AT  # 4 March 2024 10:00


def at(days=0, hours=0):
    return clock.frozen(MONDAY + dt.timedelta(days=days, hours=hours))


@pytest.fixture
def setup(db):
    school = SchoolFactory()
    fund(school, school_amount="1000.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    return school, bh, provider, person, offer


def _send(offer, school, bh, day: str):
    return service.send_request(
        offer,
        school,
        {"preferred_dates": [dt.date.fromisoformat(day)], "students": 20, "message": "Graag"},
        actor=bh,
    )


def _propose(r, person, amount):
    return service.make_proposal(
        r,
        {
            "starts_at": MONDAY + dt.timedelta(days=40),
            "students": 20,
            "amount": Decimal(amount),
            "description": "Voorstelling",
        },
        actor=person,
    )


def _agree(offer, school, bh, person, day, amount):
    r = _send(offer, school, bh, day)
    p = _propose(r, person, amount)
    service.accept_proposal(r, p.pk, actor=bh)
    return r


def test_projected_spend_counts_accepted_proposals_and_waiting_web_orders(setup):
    school, bh, _provider, person, offer = setup
    with at():
        raised = _agree(offer, school, bh, person, "2024-04-01", "100.00")
        newer = _propose(raised, person, "150.00")
        service.accept_proposal(raised, newer.pk, actor=bh)  # the newest accepted counts
        _agree(offer, school, bh, person, "2024-04-02", "200.00")
        waiting = _agree(offer, school, bh, person, "2024-04-03", "300.00")
        service.create_weborder_for(waiting, actor=person)
        approved = _agree(offer, school, bh, person, "2024-04-04", "50.00")
        weborder, _ = service.create_weborder_for(approved, actor=person)
        weborders.approve_weborder(weborder, actor=bh)  # spent: in the budget, not projected
        _propose(_send(offer, school, bh, "2024-04-05"), person, "999.00")  # not agreed
        projected = insights.projected_spend(school)
    assert (projected.accepted, projected.ordered) == (Decimal("350.00"), Decimal("300.00"))
    assert projected.available == Decimal("950.00")
    assert projected.remaining == Decimal("300.00")
    assert projected.fits(Decimal("300.00")) and not projected.fits(Decimal("300.01"))
    # shown next to the budget on the school's request list
    page = client_for(bh).get(reverse("portals:school_requests", args=[school.pk])).content.decode()
    assert "Geplande uitgaven" in page and "300,00" in page


def test_responsiveness_from_the_audit_trail(setup, settings):
    school, bh, provider, person, offer = setup
    with at():
        fast = _send(offer, school, bh, "2024-04-01")
        proposed = _send(offer, school, bh, "2024-04-02")
        late = _send(offer, school, bh, "2024-04-03")
        silent = _send(offer, school, bh, "2024-04-04")
        withdrawn = _send(offer, school, bh, "2024-04-05")
    with at(hours=2):
        service.post_message(fast, Side.PROVIDER, "Ja!", actor=person)
    with at(days=1):
        _propose(proposed, person, "10.00")
        service.withdraw_request(withdrawn, actor=bh)
    with at(days=3):  # late and silent are still inside their window
        early = insights.responsiveness(provider)
    assert (early.counted, early.answered_in_time) == (2, 2)
    with at(days=15):  # 11 working days later: too late
        service.post_message(late, Side.PROVIDER, "Sorry, laat", actor=person)
    with at(days=20):
        result = insights.responsiveness(provider)
    # fast 2 h, proposed 24 h, late 15 days; silent counted as unanswered; withdrawn not
    assert (result.counted, result.answered_in_time) == (4, 2)
    assert result.median_hours == 24.0
    assert result.share_in_time == 0.5
    other = provider_person()[0]
    assert insights.responsiveness(other).share_in_time is None
    assert silent.pk  # counted through the audit trail only


def test_fits_my_remaining_budget_filter(setup, api_as):
    """Point 8: "fits my remaining budget" keeps the offers of which one group costs at most
    the collective budget minus the projected spend (decision MR12)."""
    from django.http import QueryDict

    from cultuurkaart.marketplace import search

    school, bh, _provider, person, offer = setup
    with at():
        _agree(offer, school, bh, person, "2024-04-01", "700.00")  # 1000 - 700 = 300 left
        group_fits = make_offer(
            provider_person()[0],
            status=OfferStatus.PUBLISHED,
            price_model="per_group",
            price="300.00",
            group_size=30,
        )
        group_over = make_offer(
            provider_person()[0],
            status=OfferStatus.PUBLISHED,
            price_model="per_group",
            price="300.01",
            group_size=30,
        )
        students_fit = make_offer(
            provider_person()[0],
            status=OfferStatus.PUBLISHED,
            price_model="per_student",
            price="12.00",
        )
        students_over = make_offer(  # a class of 25 × 12.01 = 300.25
            provider_person()[0],
            status=OfferStatus.PUBLISHED,
            price_model="per_student",
            price="12.01",
        )
        small_group = make_offer(  # a group of 10 for 299.99
            provider_person()[0],
            status=OfferStatus.PUBLISHED,
            price_model="per_group",
            price="299.99",
            group_size=10,
        )

        def found(query):
            filters = search.filters_from(QueryDict(query), school)
            return set(search.search(filters).queryset.values_list("id", flat=True))

        everything = found("")
        assert {group_over.pk, students_over.pk} <= everything
        fitting = found("fits_budget=true")
        assert {group_fits.pk, students_fit.pk, small_group.pk} <= fitting
        assert not {group_over.pk, students_over.pk} & fitting
        assert offer.pk in fitting  # 7.50 × 25 = 187.50
        with pytest.raises(search.ValidationFailed):
            search.filters_from(QueryDict("fits_budget=true"))  # needs a school

        # the API: the budget holder may; a teacher may search but not see the budget
        bh_client = api_as(bh)
        body = bh_client.get(f"/api/v1/offers?school={school.pk}&fits_budget=true").json()
        assert {int(hit["id"]) for hit in body["results"]} == fitting
        teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
        refused = api_as(teacher).get(f"/api/v1/offers?school={school.pk}&fits_budget=true")
        assert refused.status_code == 403
        # the page: the box and the amount for the budget holder, ignored for a teacher
        url = reverse("portals:school_offer_search", args=[school.pk])
        page = client_for(bh).get(url + "?fits_budget=true").content.decode()
        assert 'name="fits_budget"' in page and "300,00" in page
        teacher_page = client_for(teacher).get(url + "?fits_budget=true")
        assert teacher_page.status_code == 200
        assert 'name="fits_budget"' not in teacher_page.content.decode()
    with at():
        # a second agreement takes more than what is left: nothing fits
        _agree(offer, school, bh, person, "2024-04-02", "301.00")
        assert found("fits_budget=true") == set()
