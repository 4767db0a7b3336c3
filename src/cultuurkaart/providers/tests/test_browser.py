"""Browser test: a provider applies (a criterion forgotten first) → the admin accepts it → the
provider signs in with two-factor and changes its IBAN with a fresh code. Screenshots of the
pages at 1280 px and 390 px go to $CK_SCREENSHOTS when set."""

import os
import time
from pathlib import Path

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.providers.models import Provider, ProviderStatus

SHOTS = os.environ.get("CK_SCREENSHOTS")


def shot(page, name):
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def login(page, email, device):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres", exact=True).fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Bevestigen").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_apply_accept_and_change_iban(page, live_server):
    admin = with_role(UserFactory(email="admin@cjp.example"), "admin")
    admin_device = totp_device(admin)

    # 1. The provider applies; without criterion 4 the error summary names it.
    page.goto(page.base_url + "/aanbieder/aanmelden/")
    page.get_by_label("Naam organisatie of kunstenaar", exact=True).fill("Theatergroep De Spiegel")
    page.get_by_label("Sector", exact=True).fill("Podiumkunsten")
    page.get_by_label("Soort activiteit", exact=True).fill("Voorstellingen")
    page.get_by_label("Adres", exact=True).fill("Spui 1\n1012 WX Amsterdam")
    page.get_by_label("Naam contactpersoon", exact=True).fill("Anna de Vries")
    page.get_by_label("E-mailadres contactpersoon", exact=True).fill("anna@spiegel.example")
    page.get_by_label("IBAN voor uitbetalingen", exact=True).fill("NL91 ABNA 0417 1643 00")
    page.get_by_label("1. Wij maken cultuureducatief of sociaal-educatief aanbod.").check()
    page.get_by_label("2. Ons aanbod is ontwikkeld door professionals.").check()
    page.get_by_label("Voortgezet onderwijs (VO)").check()
    page.get_by_label("Denken in beelden").check()
    page.get_by_label("Ik ga akkoord met de voorwaarden voor acceptanten.").check()
    page.get_by_role("button", name="Aanvraag versturen").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "criterium 4" in summary.inner_text()
    shot(page, "provider-apply-error")
    page.get_by_label("4. Ik ben (of de aanvrager is) niet in dienst van een school.").check()
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.get_by_role("heading", name="Aanvraag ontvangen").wait_for()
    provider = Provider.objects.get()

    # 2. The admin accepts it.
    login(page, admin.email, admin_device)
    page.wait_for_url("**/backoffice/")
    page.goto(page.base_url + "/backoffice/aanbieders/")
    shot(page, "backoffice-providers")
    page.get_by_role("link", name="Theatergroep De Spiegel").click()
    shot(page, "backoffice-provider-detail")
    page.get_by_role("button", name="Aanvraag goedkeuren").click()
    page.get_by_text("De aanbieder is geaccepteerd").wait_for()
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACCEPTED
    page.get_by_role("button", name="Uitloggen").click()

    # 3. The provider (password and authenticator set up) changes its IBAN with a new code.
    user = User.objects.get(email="anna@spiegel.example")
    assert user.provider_ids() == {provider.pk}
    user.set_password(PASSWORD)
    user.save()
    device = totp_device(user)
    login(page, user.email, device)
    page.goto(page.base_url + "/aanbieder/")
    shot(page, "provider-home")
    page.get_by_role("link", name="Gegevens en IBAN bijhouden").click()
    page.get_by_label("IBAN voor uitbetalingen", exact=True).fill("NL44RABO0123456789")
    # The sign-in code was used; the next time step gives a fresh one.
    time.sleep(max(0.0, 30 - time.time() % 30) + 0.5)
    page.get_by_label("Code uit uw authenticator-app (alleen bij een nieuw IBAN)", exact=True).fill(
        current_code(device)
    )
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Uw gegevens zijn opgeslagen.").wait_for()
    shot(page, "provider-details")
    provider.refresh_from_db()
    assert provider.iban == "NL44RABO0123456789" and provider.iban_hold_until is not None
    assert RoleName.PROVIDER in user.role_set()
