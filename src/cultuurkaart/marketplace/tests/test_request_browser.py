"""Browser test: a budget holder sends a request → the provider answers and proposes → the
school accepts → the provider creates the web order → the budget holder approves it → the
chain page shows every step. Phone width (390 px) without sideways scrolling; axe finds no
WCAG 2.1 AA violations. Screenshots go to $CK_SHOTS when set."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.marketplace.constants import OfferStatus, RequestStatus
from cultuurkaart.marketplace.models import OfferRequest
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import SPEND_AT, fund

from .factories import make_offer, provider_person
from .test_browser import _fits_a_phone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_request_to_web_order_on_a_phone(phone_page):
    page = phone_page
    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school = SchoolFactory(name="Het Amstel Lyceum")
    fund(school, school_amount="1000.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    offer = make_offer(provider, title="Muziektheater op school", status=OfferStatus.PUBLISHED)
    problems: list[str] = []
    found: list[str] = []

    # 1. The budget holder sends a request from the offer.
    sign_in(page, bh)
    new = f"/school/{school.pk}/aanbod/{offer.pk}/aanvragen/"
    page.goto(page.base_url + new)
    page.get_by_label("Voorkeursdatum 1").fill("2024-04-10")
    page.get_by_label("Aantal leerlingen").fill("25")
    page.get_by_label("Niveau").select_option("vo-havo")
    page.get_by_label("Bericht aan de aanbieder").fill("Wij komen graag met 4 havo.")
    problems += _fits_a_phone(page, "request-form")
    found += violations(page, new)
    page.get_by_label("Voorkeursdatum 1").fill("2024-04-10")
    page.get_by_label("Aantal leerlingen").fill("25")
    page.get_by_label("Bericht aan de aanbieder").fill("Wij komen graag met 4 havo.")
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.get_by_text("Uw aanvraag is verstuurd naar de aanbieder.").wait_for()
    r = OfferRequest.objects.get()

    # 2. The provider answers and proposes.
    page.context.clear_cookies()
    sign_in(page, person)
    detail = f"/aanbieder/{provider.pk}/aanvragen/{r.pk}/"
    page.goto(page.base_url + f"/aanbieder/{provider.pk}/aanvragen/")
    problems += _fits_a_phone(page, "provider-requests")
    page.get_by_role("link", name="Muziektheater op school").click()
    page.get_by_label("Bericht", exact=True).fill("Dat kan, op woensdagmiddag.")
    page.get_by_role("button", name="Bericht versturen").click()
    page.get_by_text("Uw bericht is verstuurd.").wait_for()
    page.get_by_label("Datum en tijd").fill("2024-04-10T13:30")
    page.get_by_label("Bedrag (euro, totaal)").fill("250.00")
    page.get_by_label("Omschrijving").fill("Voorstelling met nagesprek")
    problems += _fits_a_phone(page, "provider-request-propose")
    page.get_by_role("button", name="Voorstel versturen").click()
    page.get_by_text("Uw voorstel is naar de school gestuurd.").wait_for()
    found += violations(page, detail)

    # 3. The school accepts.
    page.context.clear_cookies()
    sign_in(page, bh)
    school_detail = f"/school/{school.pk}/aanvragen/{r.pk}/"
    page.goto(page.base_url + school_detail)
    problems += _fits_a_phone(page, "school-request-proposed")
    page.get_by_role("button", name="Voorstel accepteren").click()
    page.get_by_text("U hebt het voorstel geaccepteerd.").wait_for()

    # 4. The provider creates the web order in one action.
    page.context.clear_cookies()
    sign_in(page, person)
    page.goto(page.base_url + detail)
    problems += _fits_a_phone(page, "provider-request-accepted")
    page.get_by_role("button", name="Webbestelling maken").click()
    page.get_by_text("is gemaakt; de school keurt hem goed.").wait_for()
    r.refresh_from_db()
    assert r.status == RequestStatus.ORDERED

    # 5. The budget holder approves it; the chain shows every step so far.
    with clock.frozen(SPEND_AT):
        weborders.approve_weborder(r.weborder, actor=bh)
    page.context.clear_cookies()
    sign_in(page, bh)
    page.goto(page.base_url + school_detail)
    assert page.locator("[data-testid=chain] li.done").count() == 5
    problems += _fits_a_phone(page, "school-request-chain")
    found += violations(page, school_detail)
    found += violations(page, f"/school/{school.pk}/aanvragen/")
    assert found == []
    assert problems == []
