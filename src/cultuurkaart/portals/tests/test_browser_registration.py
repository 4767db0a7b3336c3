"""Browser test: register a school → admin approves → budget holder logs in with
two-factor → sees the school number."""

import base64
import os
import re

import pytest
from django.core import mail
from django_otp.oath import totp

from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import LocationFactory


def login(page, email, password):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_approve_and_budget_holder_logs_in_with_two_factor(page, browser, live_server):
    LocationFactory(code="00AA01", name="Het Amstel Lyceum", postcode="1012AB", students=1240)
    admin = with_role(UserFactory(email="admin@cjp.example"), "admin")
    admin_device = totp_device(admin)

    # 1. The board registers the school.
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Locatiecode of postcode").fill("1012AB")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Kies 00AA01").click()
    assert (
        page.get_by_label("Locatiecode (BRIN + vestigingsnummer of RIO-code)").input_value()
        == "00AA01"
    )
    page.get_by_label("Naam contactpersoon bevoegd gezag").fill("Bert Bestuur")
    page.get_by_label("E-mailadres bevoegd gezag").fill("bestuur@amstel.example")
    page.get_by_label("Naam budgethouder").fill("Bea Budget")
    page.get_by_label("E-mailadres budgethouder").fill("bea@amstel.example")
    page.get_by_label("E-mailadres voor facturen").fill("facturen@amstel.example")
    page.get_by_label("Factuuradres").fill("Postbus 1\n1000 AA Amsterdam")
    page.get_by_role("button", name="Aanmelding versturen").click()
    # Forgot the declarations: the error summary says so.
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Ik accepteer de algemene voorwaarden en de privacyverklaring.").check()
    page.get_by_label("Ik verklaar dat de gegevens juist en volledig zijn.").check()
    page.get_by_label(
        "Het bevoegd gezag heeft de budgethouder gemandateerd om het schoolaccount te beheren."
    ).check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.get_by_role("heading", name="Aanmelding ontvangen").wait_for()

    # 2. The platform admin approves it in the back office (with two-factor).
    login(page, admin.email, PASSWORD)
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(admin_device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url("**/backoffice/")  # the admin's start page
    page.goto(page.base_url + "/backoffice/aanmeldingen/")
    page.get_by_role("link", name="Het Amstel Lyceum").click()
    page.get_by_role("button", name="Aanmelding goedkeuren").click()
    page.get_by_text("is goedgekeurd met schoolnummer").wait_for()
    school = School.objects.get()
    assert school.school_number
    page.get_by_role("button", name="Uitloggen").click()

    # 3. The budget holder follows the link in the e-mail and chooses a password.
    invite = next(
        m for m in mail.outbox if "bea@amstel.example" in m.to and school.school_number in m.subject
    )
    link = re.search(r"https?://\S+/accounts/wachtwoord/nieuw/\S+", invite.body).group(0)
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("Cultuur-is-Leuk-2026")
    page.get_by_label("Nieuw wachtwoord bevestigen").fill("Cultuur-is-Leuk-2026")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    page.get_by_role("heading", name="Wachtwoord opgeslagen").wait_for()

    # 4. First login: set up two-factor by reading the key from the page.
    login(page, "bea@amstel.example", "Cultuur-is-Leuk-2026")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    code = totp(base64.b32decode(secret))
    page.get_by_label("Code uit uw authenticator-app").fill(f"{code:06d}")
    page.get_by_role("button", name="Activeren").click()

    # 5. The budget holder lands on the school's home page, school number top-right.
    page.wait_for_url(f"**/school/{school.pk}/")
    badge = page.get_by_test_id("school-number")
    assert badge.inner_text().endswith(school.school_number)
    if os.environ.get("CK_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["CK_SCREENSHOTS"], "school-dashboard.png"), full_page=True
        )
