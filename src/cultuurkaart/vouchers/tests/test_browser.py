"""Phone-sized end-to-end test (390 px): the budget holder assigns from the roster, the
student gets the assignment e-mail → follows it,
signs in and claims a voucher (its QR code decodes to its code) → the provider redeems it by
typing the code → the payout batch holds it (the provider's payout page shows the line).
Screenshots go to $CK_SCREENSHOTS when set."""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail

from cultuurkaart.accounts.tests.factories import PASSWORD, current_code, totp_device
from cultuurkaart.core import clock
from cultuurkaart.memberships.tests.factories import VALID_PASSWORD
from cultuurkaart.memberships.tests.test_browser import _decode
from cultuurkaart.orders.tests.factories import committed
from cultuurkaart.payouts.models import PayoutLine
from cultuurkaart.payouts.services import create_payout_batch
from cultuurkaart.vouchers.models import Voucher, VoucherStatus

from .factories import SPEND_AT, admin, school_with_pool, student, voucher_provider


def _shot(page, name: str) -> None:
    folder = os.environ.get("CK_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _phone(browser):
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def _sign_in_with_code(page, base: str, user) -> None:
    """Sign in with password and a TOTP code (finance roles)."""
    device = totp_device(user)
    page.goto(base + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()


def _no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_assignment_mail_claim_redeem_by_code_and_payout_on_a_phone(phone_page, browser):
    page = phone_page
    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school, _programme, bh, _ = school_with_pool(without=1)
    person, membership = student(school, first_name="Noor", group="3B")
    student(school, group="2A")
    provider, provider_person = voucher_provider(name="Filmhuis De Lantaarn")
    voucher_provider(name="Poppodium Het Dak")

    # 1. The budget holder (on a phone too) picks the student from the class and assigns;
    #    the student gets the e-mail with the link.
    mail.outbox.clear()
    bh_page = _phone(browser)
    base = page.base_url
    _sign_in_with_code(bh_page, base, bh)
    bh_page.goto(f"{base}/school/{school.pk}/individueel-budget/")
    bh_page.get_by_label("Klas").select_option("3B")
    bh_page.get_by_role("button", name="Filteren").click()
    bh_page.get_by_label(f"{person.first_name} {person.last_name}").check()
    _shot(bh_page, "voucher-assign.png")
    assert bh_page.evaluate("document.documentElement.scrollWidth") <= 390
    bh_page.get_by_test_id("assign-selected").click()
    bh_page.get_by_text("1 leerling heeft individueel budget gekregen").wait_for()
    bh_page.context.close()
    (message,) = [m for m in mail.outbox if membership.user.email in m.to]
    assert "€ 5,50" in message.body
    link = re.search(r"https?://\S+/mijn-tegoedbonnen/", message.body).group(0)

    # 2. The student follows the link, signs in and claims a voucher on the phone.
    page.goto(link)
    page.get_by_label("E-mailadres").fill(membership.user.email)
    page.get_by_label("Wachtwoord").fill(VALID_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_test_id("assignment").wait_for()
    page.get_by_label("Zoek een aanbieder").fill("lantaarn")
    page.get_by_role("button", name="Zoeken").click()
    assert page.get_by_text("Poppodium Het Dak").count() == 0
    page.get_by_label("Filmhuis De Lantaarn").check()
    _shot(page, "voucher-choose.png")
    _no_sideways_scrolling(page)
    page.get_by_test_id("claim").click()
    page.get_by_test_id("voucher").wait_for()
    voucher = Voucher.objects.get()
    shown = page.get_by_test_id("voucher-code").inner_text().strip()
    assert shown.replace("-", "") == voucher.code
    qr = page.locator(".voucher-qr svg")
    box = qr.bounding_box()
    assert box["width"] <= 390 and abs(box["width"] - box["height"]) < 1
    assert _decode(qr.screenshot()) == voucher.code
    _shot(page, "voucher.png")
    _no_sideways_scrolling(page)

    # 3. The provider redeems it by typing the code (phone, two-factor sign-in).
    provider_page = _phone(browser)
    _sign_in_with_code(provider_page, base, provider_person)
    provider_page.goto(f"{base}/aanbieder/{provider.pk}/tegoedbonnen/")
    provider_page.get_by_label("Code van de tegoedbon").fill(shown.lower())
    provider_page.get_by_test_id("redeem").click()
    provider_page.get_by_text("is verzilverd").wait_for()
    _shot(provider_page, "voucher-redeemed.png")
    assert provider_page.evaluate("document.documentElement.scrollWidth") <= 390
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REDEEMED

    # 4. The next payout batch holds it; the provider sees the line on its payout page.
    with clock.frozen(SPEND_AT), committed():
        batch = create_payout_batch(actor=admin())
    line = PayoutLine.objects.get(voucher=voucher)
    assert line.item.batch == batch and str(line.fee) == "0.28" and str(line.net) == "5.22"
    provider_page.goto(f"{base}/aanbieder/{provider.pk}/uitbetalingen/")
    row = provider_page.locator(f'[data-voucher="{voucher.pk}"]')
    row.wait_for()
    assert "Tegoedbon" in row.inner_text() and voucher.code in row.inner_text()
    _shot(provider_page, "voucher-payout.png")
    provider_page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_voucher_pages_have_no_wcag_violations(page):
    from cultuurkaart.portals.tests.test_accessibility import sign_in, violations
    from cultuurkaart.vouchers import services

    page.context.set_extra_http_headers({"X-Clock": SPEND_AT.isoformat()})
    school, _programme, bh, _ = school_with_pool(kind="mbo", without=2)
    person, membership = student(school, group="3B")
    student(school, group="2A")
    provider, provider_person = voucher_provider()
    with clock.frozen(SPEND_AT), committed():
        services.assign(school, [person.pk], actor=bh)
        voucher = services.claim(membership.user, provider.pk)
        services.redeem(voucher, actor=provider_person)
        services.claim(membership.user, provider.pk)  # a second, unredeemed: its QR is shown
    found = []
    sign_in(page, bh)
    found += violations(page, f"/school/{school.pk}/individueel-budget/")
    found += violations(page, f"/school/{school.pk}/budget/")
    sign_in(page, membership.user)
    found += violations(page, "/mijn-tegoedbonnen/")
    sign_in(page, provider_person)
    found += violations(page, f"/aanbieder/{provider.pk}/tegoedbonnen/")
    assert found == [], "\n".join(found)
