"""Browser test: a provider creates a web order (duplicate warning on the second), the budget
holder approves one from the list and several at once, the admin checks one. Screenshots of
every page at 1280 and 390 px go to $CK_SHOTS when set."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.weborders.models import WebOrder

from .factories import SPEND_AT, funded_school, provider_person

SHOTS = os.environ.get("CK_SHOTS")


def _sign_in(page, user):
    device = totp_device(user)
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()


def _shot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_provider_creates_budget_holder_approves_admin_checks(page, browser):
    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school = funded_school(school_amount="150.00", ocw="100.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    admin = with_role(UserFactory(), RoleName.ADMIN)

    # 1. The provider creates two web orders; the second is flagged as a likely duplicate.
    _sign_in(page, person)
    for description in ("Workshop theater 3 havo", "Workshop theater 3 havo, groep B"):
        page.goto(page.base_url + "/aanbieder/weborders/nieuw/")
        page.get_by_label("CJP-schoolnummer").fill(school.school_number)
        page.get_by_label("Bedrag (euro)").fill("75.00")
        page.get_by_label("Aantal leerlingen").fill("28")
        page.get_by_label("Datum van de activiteit").fill("2024-03-20")
        page.get_by_label("Tijd van de activiteit").fill("13:30")
        page.get_by_label("Omschrijving").fill(description)
        if description.endswith("B"):
            _shot(page, "provider-new")
        page.get_by_role("button", name="Controleren").click()
        if description.endswith("B"):
            page.get_by_test_id("duplicate-warning").wait_for()
            _shot(page, "provider-confirm-duplicate")
        page.get_by_role("button", name="Weborder versturen").click()
        page.get_by_text("is naar de school gestuurd").wait_for()
    page.goto(page.base_url + "/aanbieder/weborders/nieuw/")
    page.get_by_label("CJP-schoolnummer").fill(school.school_number)
    page.get_by_label("Bedrag (euro)").fill("60.00")
    page.get_by_label("Aantal leerlingen").fill("20")
    page.get_by_label("Datum van de activiteit").fill("2024-04-02")
    page.get_by_label("Tijd van de activiteit").fill("10:00")
    page.get_by_label("Omschrijving").fill("Museumbezoek klas 2b")
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("button", name="Weborder versturen").click()
    page.get_by_text("is naar de school gestuurd").wait_for()
    _shot(page, "provider-list")
    page.get_by_role("button", name="Uitloggen").click()
    first, second, third = WebOrder.objects.order_by("pk")
    assert {w.provider_id for w in (first, second, third)} == {provider.pk}

    # 2. The budget holder sees them on the home page and approves one from the list.
    _sign_in(page, bh)
    page.goto(page.base_url + f"/school/{school.pk}/")
    page.get_by_test_id("pending-weborders").wait_for()
    _shot(page, "school-home")
    page.goto(page.base_url + f"/school/{school.pk}/webbestellingen/")
    _shot(page, "school-list")
    page.locator(f'tr[data-weborder="{first.pk}"]').get_by_role("button", name="Goedkeuren").click()
    page.get_by_text("1 webbestelling(en) goedgekeurd").wait_for()
    # ... then the other two at once, through the confirmation step
    page.get_by_label(f"Webbestelling {second.pk} selecteren").check()
    page.get_by_label(f"Webbestelling {third.pk} selecteren").check()
    page.get_by_role("button", name="Selectie goedkeuren").click()
    page.get_by_role("button", name="Bevestigen: goedkeuren").wait_for()
    _shot(page, "school-confirm")
    page.get_by_role("button", name="Bevestigen: goedkeuren").click()
    page.get_by_text("2 webbestelling(en) goedgekeurd").wait_for()
    assert set(WebOrder.objects.values_list("status", flat=True)) == {"approved"}
    page.get_by_role("button", name="Uitloggen").click()

    # 3. The admin checks: duplicates first; one valid.
    _sign_in(page, admin)
    page.goto(page.base_url + "/backoffice/webbestellingen/")
    _shot(page, "backoffice-worklist")
    rows = page.locator("[data-testid=check-worklist] tbody tr")
    assert rows.nth(0).get_attribute("data-weborder") in (str(first.pk), str(second.pk))
    page.locator(f'tr[data-weborder="{third.pk}"]').get_by_role("button", name="Geldig").click()
    page.get_by_text("is bijgewerkt").wait_for()
    page.goto(page.base_url + f"/backoffice/webbestellingen/{first.pk}/")
    _shot(page, "backoffice-detail")
    assert WebOrder.objects.get(pk=third.pk).status == "checked"
    assert WebOrder.objects.get(pk=first.pk).split_school == Decimal("75.00")
