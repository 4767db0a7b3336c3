"""Browser test: a provider publishes an offer with the form and an image, the admin
approves it from the worklist. The offer pages fit a 390 px phone (no sideways scrolling)
and axe finds no WCAG 2.1 AA violations. Screenshots at 1280 and 390 px go to $CK_SHOTS
when set."""

from __future__ import annotations

import os

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import Offer
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations

from .factories import image_bytes, make_offer, provider_person

SHOTS = os.environ.get("CK_SHOTS")


def _fits_a_phone(page, name) -> list[str]:
    """At 390 px wide the page does not scroll sideways; screenshots when asked."""
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 390:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > 390:
                problems.append(f"{name}: {overflow} px wide at 390")
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_provider_publishes_an_offer_and_the_admin_approves_it(page, browser):
    provider, person = provider_person()
    make_offer(provider, title="Rondleiding erfgoed", status=OfferStatus.PUBLISHED)
    rejected = make_offer(provider, title="Theaterles met een lange titel die moet afbreken")
    Offer.objects.filter(pk=rejected.pk).update(
        status=OfferStatus.REJECTED, rejection_reason="Vermeld wat de leerlingen leren."
    )
    admin = with_role(UserFactory(), RoleName.ADMIN)
    problems: list[str] = []

    # 1. The provider fills in the form (one mistake first: no price).
    sign_in(page, person)
    page.goto(f"{page.base_url}/aanbieder/{provider.pk}/aanbod/nieuw/")
    page.get_by_label("Titel", exact=True).fill("Dansworkshop hiphop")
    page.get_by_label("Beschrijving").fill("Twee uur dansen met een choreograaf, op school.")
    page.get_by_label("Vorm", exact=True).select_option("workshop")
    page.get_by_label("Dans", exact=True).check()
    page.get_by_label("Vmbo leerjaar 1").check()
    page.get_by_label("Vmbo leerjaar 2").check()
    page.get_by_label("Op school", exact=True).check()
    page.get_by_label("Utrecht", exact=True).check()
    page.get_by_label("Duur in minuten").fill("120")
    page.get_by_label("Per groep", exact=True).check()
    page.get_by_label("Groepsgrootte (bij een prijs per groep)").fill("30")
    page.get_by_role("button", name="Opslaan").click()
    page.locator("#error-summary").wait_for()
    problems += _fits_a_phone(page, "offer-form-errors")
    page.get_by_label("Bedrag in euro's").fill("250.00")
    page.get_by_label("Begint").first.fill("2025-04-01T10:00")
    page.get_by_label("Eindigt").first.fill("2025-04-01T12:00")
    page.get_by_label("Plaatsen").first.fill("30")
    page.get_by_label("Boeken uiterlijk").first.fill("2025-03-20T17:00")
    problems += _fits_a_phone(page, "offer-form")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("CJP beoordeelt het voordat het online komt").wait_for()
    offer = Offer.objects.get(title="Dansworkshop hiphop")
    assert offer.status == OfferStatus.PENDING and offer.sessions.count() == 1

    # 2. An image with alt text and credit.
    page.goto(f"{page.base_url}/aanbieder/{provider.pk}/aanbod/{offer.pk}/afbeeldingen/")
    page.get_by_label("Afbeelding", exact=True).set_input_files(
        {"name": "zaal.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}
    )
    page.get_by_label("Alternatieve tekst").fill("Leerlingen dansen in de gymzaal")
    page.get_by_label("Fotograaf of bron").fill("Foto: Studio Beweging")
    page.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("De afbeelding is toegevoegd.").wait_for()
    src = page.locator("img[alt='Leerlingen dansen in de gymzaal']").get_attribute("src")
    served = page.request.get(page.base_url + src)
    assert served.status == 200, served.status
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    page.wait_for_function(
        "() => [...document.images].every(i => i.complete && i.naturalWidth === 400)"
    )
    page.goto(f"{page.base_url}/aanbieder/{provider.pk}/aanbod/")
    page.get_by_text("Vermeld wat de leerlingen leren.").wait_for()
    problems += _fits_a_phone(page, "provider-offers")
    found = []
    for path in (
        f"/aanbieder/{provider.pk}/aanbod/",
        f"/aanbieder/{provider.pk}/aanbod/nieuw/",
        f"/aanbieder/{provider.pk}/aanbod/{offer.pk}/",
        f"/aanbieder/{provider.pk}/aanbod/{offer.pk}/afbeeldingen/",
    ):
        found += violations(page, path)

    # 3. The admin approves it from the worklist.
    page.context.clear_cookies()
    sign_in(page, admin)
    page.goto(page.base_url + "/backoffice/aanbod/")
    problems += _fits_a_phone(page, "moderation-worklist")
    page.get_by_role("link", name="Dansworkshop hiphop").click()
    problems += _fits_a_phone(page, "moderation-detail")
    page.get_by_role("button", name="Goedkeuren en publiceren").click()
    page.get_by_text("Het aanbod is goedgekeurd en staat online.").wait_for()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PUBLISHED
    for path in (
        "/backoffice/aanbod/",
        f"/backoffice/aanbod/{offer.pk}/",
        "/backoffice/taxonomieen/?vocabulary=level",
    ):
        found += violations(page, path)
    assert found == []
    assert problems == []
