"""WCAG 2.1 A/AA checks with axe-core on the main pages of every audience."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail  # noqa: F401  (locmem backend collects mails of the flows)
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def sign_in(page, user):
    """Put a verified session (password + second factor) into the browser."""
    from django.conf import settings

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    if user.requires_two_factor():
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    host = page.base_url.split("://", 1)[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "domain": host,
                "path": "/",
            }
        ]
    )


def violations(page, path):
    response = page.goto(page.base_url + path)
    assert response.status == 200 and page.url == page.base_url + path, (path, page.url)
    result = Axe().run(page, options=WCAG)
    assert result.response["testEngine"]["name"] == "axe-core"
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result.response["violations"]
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_have_no_wcag_violations(page):
    LocationFactory(code="00AA01", postcode="1012AB")
    school = SchoolFactory(name="Het Amstel Lyceum")
    holder = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    board = with_role(UserFactory(), RoleName.BOARD, school=school)
    admin = with_role(UserFactory(), RoleName.ADMIN)
    found = []
    for path in (
        "/",
        "/aanmelden/?zoek=1012AB",
        "/accounts/login/",
        "/help/",
        "/activeren/",
        "/accounts/wachtwoord/vergeten/",
        "/aanbieder/aanmelden/",
    ):
        found += violations(page, path)
    # The provider application with errors (criteria fieldsets, error summary).
    page.goto(page.base_url + "/aanbieder/aanmelden/")
    page.get_by_role("button", name="Aanvraag versturen").click()
    found += [
        f"provider application errors: {v['id']}"
        for v in Axe().run(page, options=WCAG).response["violations"]
    ]
    # A form with errors: the error summary and the fields marked invalid.
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_role("button", name="Aanmelding versturen").click()
    found += [
        f"registration errors: {v['id']}"
        for v in Axe().run(page, options=WCAG).response["violations"]
    ]

    sign_in(page, holder)
    s = f"/school/{school.pk}"
    for path in (
        f"{s}/",
        f"{s}/producten/",
        f"{s}/instellingen/",
        f"{s}/support/",
        f"{s}/studenten/",
        f"{s}/docenten/",
        f"{s}/bestellingen/",
        f"{s}/budget/",
        f"{s}/budget/transacties/",
        f"{s}/bestellingen/nieuw/",
        f"{s}/studenten/uploaden/",
        f"{s}/studenten/toevoegen/",
        f"{s}/studenten/uitleg/",
        f"{s}/facturen/",
        f"{s}/docenten-plus/",
        "/account/sleutels/",
    ):
        found += violations(page, path)
    page.context.clear_cookies()
    sign_in(page, board)
    found += violations(page, f"{s}/budgethouder/")
    page.context.clear_cookies()
    provider = ProviderFactory()
    sign_in(page, with_role(UserFactory(), RoleName.PROVIDER, provider=provider))
    found += violations(page, "/aanbieder/")
    found += violations(page, f"/aanbieder/{provider.pk}/gegevens/")
    page.context.clear_cookies()
    sign_in(page, admin)
    pending = School.objects.create(
        name="Wachtende school",
        kind="vo",
        board_name="B",
        board_email="b@x.example",
        directie_name="D",
        directie_email="d@x.example",
        budget_holder_name="H",
        budget_holder_email="h@x.example",
        invoice_email="i@x.example",
    )
    for path in (
        "/backoffice/",
        "/backoffice/aanmeldingen/",
        f"/backoffice/aanmeldingen/{pending.pk}/",
        "/backoffice/aanbieders/",
        f"/backoffice/aanbieders/{provider.pk}/",
        "/backoffice/programmas/",
        "/backoffice/programmas/vo-2024/",
        "/backoffice/register/",
        "/backoffice/gebruikers/?zoek=example",
        "/backoffice/audit/",
        "/backoffice/budgethouders/",
        "/backoffice/bestellingen/",
        "/backoffice/facturen/",
    ):
        found += violations(page, path)
    assert found == [], "\n".join(found)


@pytest.mark.browser
def test_axe_finds_violations(browser):
    """The check itself works: a page with an unlabelled field and an image without alt fails."""
    page = browser.new_page()
    page.set_content(
        '<html lang="nl"><title>x</title><main><img src="x.png"><input type="text"></main></html>'
    )
    ids = {v["id"] for v in Axe().run(page, options=WCAG).response["violations"]}
    page.close()
    assert {"image-alt", "label"} <= ids
