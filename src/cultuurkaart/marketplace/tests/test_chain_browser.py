"""Browser test of the whole marketplace chain (issue 11, "How it is checked"): a provider
publishes an offer → the admin approves it → the budget holder searches with text and a
facet and sends a request → the provider answers and proposes → the school accepts → the
provider creates the web order → the budget holder approves it in the web-order list → the
chain page shows every step (after the admin's check and the payout batch, all seven). axe
finds no WCAG 2.1 AA violations on the search, offer and request pages."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.marketplace.constants import OfferStatus, RequestStatus
from cultuurkaart.marketplace.models import Offer, OfferRequest
from cultuurkaart.payouts import services as payouts
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.tests.factories import SPEND_AT, fund

from .factories import make_offer, provider_person


def _as(page, user):
    page.context.clear_cookies()
    sign_in(page, user)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_chain_from_offer_to_payout(page):
    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school = SchoolFactory(locations=[LocationFactory(municipality="Utrecht", province="Utrecht")])
    fund(school, school_amount="1000.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    admin = with_role(UserFactory(), RoleName.ADMIN)
    provider, person = provider_person()
    make_offer(provider, title="Theater op locatie", status=OfferStatus.PUBLISHED)
    found: list[str] = []

    # 1. The provider publishes an offer (untrusted: it waits for moderation).
    sign_in(page, person)
    page.goto(f"{page.base_url}/aanbieder/{provider.pk}/aanbod/nieuw/")
    page.get_by_label("Titel", exact=True).fill("Hiphop dansworkshop")
    page.get_by_label("Beschrijving").fill("Twee uur dansen met een choreograaf, op school.")
    page.get_by_label("Vorm", exact=True).select_option("workshop")
    page.get_by_label("Dans", exact=True).check()
    page.get_by_label("Havo leerjaar 4").check()
    page.get_by_label("Op school", exact=True).check()
    page.get_by_label("Utrecht", exact=True).check()
    page.get_by_label("Duur in minuten").fill("120")
    page.get_by_label("Per groep", exact=True).check()
    page.get_by_label("Groepsgrootte (bij een prijs per groep)").fill("30")
    page.get_by_label("Bedrag in euro's").fill("250.00")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("CJP beoordeelt het voordat het online komt").wait_for()
    offer = Offer.objects.get(title="Hiphop dansworkshop")
    assert offer.status == OfferStatus.PENDING

    # 2. The admin approves it.
    _as(page, admin)
    page.goto(f"{page.base_url}/backoffice/aanbod/{offer.pk}/")
    page.get_by_role("button", name="Goedkeuren en publiceren").click()
    page.get_by_text("Het aanbod is goedgekeurd en staat online.").wait_for()

    # 3. The budget holder searches with text and a facet, opens the offer, sends a request.
    _as(page, bh)
    search = f"/school/{school.pk}/aanbod/"
    page.goto(page.base_url + search)
    page.get_by_label("Zoekwoorden").fill("dansen")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_label("Dans (1)").check()
    page.get_by_role("button", name="Filters toepassen").click()
    page.get_by_text("1 activiteit").wait_for()
    assert "q=dansen" in page.url and "discipline=dance" in page.url
    found += violations(page, page.url.split(page.base_url, 1)[1])
    page.get_by_role("link", name="Hiphop dansworkshop").click()
    found += violations(page, f"{search}{offer.pk}/")
    page.get_by_test_id("request-offer").click()
    page.get_by_label("Voorkeursdatum 1").fill("2024-04-10")
    page.get_by_label("Aantal leerlingen").fill("28")
    page.get_by_label("Bericht aan de aanbieder").fill("Graag voor 4 havo.")
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.get_by_text("Uw aanvraag is verstuurd naar de aanbieder.").wait_for()
    r = OfferRequest.objects.get()

    # 4. The provider answers and proposes.
    _as(page, person)
    detail = f"/aanbieder/{provider.pk}/aanvragen/{r.pk}/"
    page.goto(page.base_url + detail)
    page.get_by_label("Bericht", exact=True).fill("Dat kan op woensdag.")
    page.get_by_role("button", name="Bericht versturen").click()
    page.get_by_text("Uw bericht is verstuurd.").wait_for()
    page.get_by_label("Datum en tijd").fill("2024-04-10T13:30")
    page.get_by_label("Bedrag (euro, totaal)").fill("250.00")
    page.get_by_label("Omschrijving").fill("Workshop voor 4 havo")
    page.get_by_role("button", name="Voorstel versturen").click()
    page.get_by_text("Uw voorstel is naar de school gestuurd.").wait_for()

    # 5. The school accepts.
    _as(page, bh)
    school_detail = f"/school/{school.pk}/aanvragen/{r.pk}/"
    page.goto(page.base_url + school_detail)
    page.get_by_role("button", name="Voorstel accepteren").click()
    page.get_by_text("U hebt het voorstel geaccepteerd.").wait_for()

    # 6. The provider creates the web order in one action.
    _as(page, person)
    page.goto(page.base_url + detail)
    page.get_by_role("button", name="Webbestelling maken").click()
    page.get_by_text("is gemaakt; de school keurt hem goed.").wait_for()
    r.refresh_from_db()
    assert r.status == RequestStatus.ORDERED and r.weborder.status == WebOrderStatus.PENDING

    # 7. The budget holder approves it in the school's web-order list.
    _as(page, bh)
    page.goto(f"{page.base_url}/school/{school.pk}/webbestellingen/")
    page.locator(f"form:has(input[name=ids][value='{r.weborder.pk}'])").get_by_role(
        "button", name="Goedkeuren"
    ).click()
    page.get_by_text("1 webbestelling(en) goedgekeurd.").wait_for()
    r.weborder.refresh_from_db()
    assert r.weborder.status == WebOrderStatus.APPROVED
    page.goto(page.base_url + school_detail)
    assert page.locator("[data-testid=chain] li.done").count() == 5

    # 8. The admin's check and the payout batch complete the chain.
    with clock.frozen(SPEND_AT):
        weborders.check_weborder(r.weborder, valid=True, actor=admin)
        payouts.create_payout_batch(actor=admin)
    page.goto(page.base_url + school_detail)
    assert page.locator("[data-testid=chain] li.done").count() == 7
    assert page.locator("[data-testid=chain] li.todo").count() == 0
    found += violations(page, school_detail)
    found += violations(page, f"/school/{school.pk}/aanvragen/")
    assert found == []
