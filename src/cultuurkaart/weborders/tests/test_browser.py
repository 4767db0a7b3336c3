"""Browser test of the whole spending half (issue 9): a provider applies on the public page →
the admin accepts it → the provider (two-factor) creates web orders (duplicate warning on the
second) → the budget holder approves one from the list and several at once → the admin checks
one → the admin makes the payout batch after its confirmation step → the provider sees the web
order paid and downloads the specification PDF. Screenshots of every page at 1280 and 390 px go
to $CK_SHOTS when set."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.payouts.models import PayoutBatch
from cultuurkaart.providers.models import Provider, ProviderStatus
from cultuurkaart.weborders.models import WebOrder

from .factories import SPEND_AT, funded_school

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
    admin = with_role(UserFactory(), RoleName.ADMIN)

    # 0. The provider applies on the public page; the admin accepts it.
    page.goto(page.base_url + "/aanbieder/aanmelden/")
    page.get_by_label("Naam organisatie of kunstenaar", exact=True).fill("Theater Het Lichtpunt")
    page.get_by_label("Sector", exact=True).fill("Podiumkunsten")
    page.get_by_label("Soort activiteit", exact=True).fill("Workshops")
    page.get_by_label("Adres", exact=True).fill("Oudegracht 10\n3511 AP Utrecht")
    page.get_by_label("Naam contactpersoon", exact=True).fill("Sam Jansen")
    page.get_by_label("E-mailadres contactpersoon", exact=True).fill("sam@lichtpunt.example")
    page.get_by_label("IBAN voor uitbetalingen", exact=True).fill("NL44 RABO 0123 4567 89")
    page.get_by_label("1. Wij maken cultuureducatief of sociaal-educatief aanbod.").check()
    page.get_by_label("2. Ons aanbod is ontwikkeld door professionals.").check()
    page.get_by_label("Voortgezet onderwijs (VO)").check()
    page.get_by_label("4. Ik ben (of de aanvrager is) niet in dienst van een school.").check()
    page.get_by_label("Denken in beelden").check()
    page.get_by_label("Ik ga akkoord met de voorwaarden voor acceptanten.").check()
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.get_by_role("heading", name="Aanvraag ontvangen").wait_for()
    provider = Provider.objects.get()
    _sign_in(page, admin)
    page.goto(page.base_url + "/backoffice/aanbieders/")
    page.get_by_role("link", name="Theater Het Lichtpunt").click()
    page.get_by_role("button", name="Aanvraag goedkeuren").click()
    page.get_by_text("De aanbieder is geaccepteerd").wait_for()
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACCEPTED
    page.get_by_role("button", name="Uitloggen").click()
    # The contact got the provider role; it sets a password and an authenticator app.
    person = User.objects.get(email="sam@lichtpunt.example")
    person.set_password(PASSWORD)
    person.save()

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
        page.get_by_role("button", name="Webbestelling versturen").click()
        page.get_by_text("is naar de school gestuurd").wait_for()
    page.goto(page.base_url + "/aanbieder/weborders/nieuw/")
    page.get_by_label("CJP-schoolnummer").fill(school.school_number)
    page.get_by_label("Bedrag (euro)").fill("60.00")
    page.get_by_label("Aantal leerlingen").fill("20")
    page.get_by_label("Datum van de activiteit").fill("2024-04-02")
    page.get_by_label("Tijd van de activiteit").fill("10:00")
    page.get_by_label("Omschrijving").fill("Museumbezoek klas 2b")
    page.get_by_role("button", name="Controleren").click()
    page.get_by_role("button", name="Webbestelling versturen").click()
    page.get_by_text("is naar de school gestuurd").wait_for()
    _shot(page, "provider-list")
    page.goto(page.base_url + "/aanbieder/")
    _shot(page, "provider-home")
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

    # 4. The admin makes the payout batch: a confirmation step first, then the batch.
    page.goto(page.base_url + "/backoffice/uitbetalingen/")
    _shot(page, "backoffice-payouts-empty")
    page.get_by_test_id("payout-new").click()
    preview = page.get_by_test_id("payout-preview")
    assert "Theater Het Lichtpunt" in preview.inner_text()
    assert "€ 57,00" in preview.inner_text().replace("\u00a0", " ")  # 60.00 minus 5%
    _shot(page, "backoffice-payout-new")
    assert not PayoutBatch.objects.exists()  # the confirmation step pays nothing
    page.get_by_test_id("payout-confirm").click()
    page.get_by_test_id("payout-items").wait_for()
    _shot(page, "backoffice-payout-detail")
    batch = PayoutBatch.objects.get()
    assert batch.total_net == Decimal("57.00") and batch.total_fee == Decimal("3.00")
    page.goto(page.base_url + "/backoffice/uitbetalingen/")
    _shot(page, "backoffice-payouts")
    page.get_by_role("button", name="Uitloggen").click()

    # 5. The provider sees the web order paid and downloads the specification PDF.
    _sign_in(page, person)
    page.goto(page.base_url + "/aanbieder/")
    menu = page.get_by_role("navigation", name="Menu aanbiederportaal")
    menu.get_by_role("link", name="Uitbetalingen").click()
    card = page.locator(f'[data-payout="{batch.pk}"]')
    assert str(third.pk) in card.inner_text()
    assert "€ 57,00" in card.inner_text().replace("\u00a0", " ")
    _shot(page, "provider-payouts")
    with page.expect_download() as download_info:
        card.get_by_test_id("payout-specification-pdf").click()
    data = Path(download_info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    row = next(line for line in text.splitlines() if line.startswith(f"{third.pk} "))
    assert "€ 60,00" in row and "€ 3,00" in row and "€ 57,00" in row
    assert "NL44 RABO 0123 4567 89" in text
    page.goto(page.base_url + "/aanbieder/weborders/")
    paid = page.locator(f'tr[data-weborder="{third.pk}"]')
    assert "Uitbetaald" in paid.inner_text()
    assert WebOrder.objects.get(pk=third.pk).status == "paid_out"
