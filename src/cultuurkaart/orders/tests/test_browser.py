"""End to end in the browser: order form with live totals → check → confirmation →
(clock moved on) admin approves → invoice PDF opens → payment → budget released."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.orders.models import BudgetOrder, Invoice

from .factories import ready_school

SCREENS = os.environ.get("CK_SCREENS_DIR")


def shot(page, name):
    if SCREENS:
        os.makedirs(SCREENS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENS, name), full_page=True)


def login(page, user):
    device = totp_device(user)
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code uit uw authenticator-app").fill(current_code(device))
    page.get_by_role("button", name="Bevestigen").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_order_approve_pay_release(page, browser, live_server):
    school = ready_school(duo=500, name="Het Amstel Lyceum")
    bh = with_role(UserFactory(email="bea@amstel.example"), RoleName.BUDGET_HOLDER, school=school)
    admin = with_role(UserFactory(email="admin@cjp.example"), RoleName.ADMIN)

    # 1. The budget holder orders during the ordering period (test clock).
    page.set_extra_http_headers({"X-Clock": "2023-10-02T10:00:00+02:00"})
    login(page, bh)
    page.goto(f"{page.base_url}/school/{school.pk}/")
    page.get_by_role("link", name="Bestellingen").first.click()
    page.get_by_role("link", name="Budget bestellen").click()
    with_field = page.get_by_label("Aantal leerlingen mét bijdrage school")
    assert with_field.input_value() == "500"  # prefilled with the DUO count
    totals = page.get_by_test_id("live-totals")
    # 500 × 16.50, before typing; the script fills the totals after load, so wait for them.
    expect(totals).to_contain_text("8.250,00")
    with_field.fill("450")
    page.get_by_label("Aantal leerlingen zónder bijdrage school").fill("50")
    page.get_by_label("Aantal lidmaatschappen docenten en medewerkers").fill("40")
    page.get_by_label("Uw bestel- of referentienummer (optioneel)").fill("PO-2023-17")
    # Live: collective 450 × 16.50, individual 50 × 5.50, invoice 4950 + 137.50 + 240 − 180.
    page.wait_for_function(
        "document.querySelector('[data-out=total]').textContent.includes('5.147,50')"
    )
    text = totals.inner_text()
    assert "7.425,00" in text and "275,00" in text
    shot(page, "order_form.png")
    page.get_by_role("button", name="Verder naar controleren").click()
    assert "5.147,50" in page.get_by_test_id("quote-total").inner_text()
    shot(page, "order_check.png")
    page.get_by_role("button", name="Bestelling plaatsen").click()
    page.get_by_text("Uw bestelling is ontvangen").wait_for()
    assert "maandag 9 oktober 2023, 23:59" in page.get_by_test_id("deadline").inner_text()
    shot(page, "order_confirmation.png")
    order = BudgetOrder.objects.get()

    # 2. After the objection period the admin approves (clock moved on).
    admin_ctx = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    admin_page = admin_ctx.new_page()
    admin_page.base_url = live_server.url
    admin_page.set_default_timeout(15000)
    admin_page.set_extra_http_headers({"X-Clock": "2023-10-12T10:00:00+02:00"})
    try:
        login(admin_page, admin)
        admin_page.goto(live_server.url + "/backoffice/")
        admin_page.get_by_role("link", name="Budgetbestellingen").click()
        admin_page.get_by_role("link", name=str(order.pk), exact=True).click()
        shot(admin_page, "bo_order.png")
        admin_page.get_by_role("button", name="Goedkeuren en factuur versturen").click()
        admin_page.get_by_text(re.compile(r"Goedgekeurd; factuur 23000001 is verstuurd")).wait_for()
        invoice = Invoice.objects.get(order=order)

        # 3. The invoice PDF opens.
        admin_page.get_by_role("link", name="23000001").click()
        pdf_href = admin_page.get_by_role("link", name="Factuur openen (pdf)").get_attribute("href")
        pdf = admin_page.request.get(live_server.url + pdf_href)
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")

        # 4. Payment: first part, then the rest.
        admin_page.get_by_label("Bedrag (€)").fill("5000.00")
        admin_page.get_by_label("Betaald op").fill("2023-10-12")
        admin_page.get_by_role("button", name="Betaling registreren").click()
        admin_page.get_by_text("De betaling is geregistreerd.").wait_for()
        expect(admin_page.get_by_test_id("invoice-status")).to_have_text("Open")
        admin_page.get_by_label("Bedrag (€)").fill("147.50")
        admin_page.get_by_label("Betaald op").fill("2023-10-12")
        admin_page.get_by_role("button", name="Betaling registreren").click()
        # The same message is on the page already: wait for the new status instead.
        expect(admin_page.get_by_test_id("invoice-status")).to_have_text("Betaald")
        shot(admin_page, "bo_invoice.png")
    finally:
        admin_ctx.close()
    invoice.refresh_from_db()
    assert invoice.status == "paid"

    # 5. The budget holder sees the budget released (spendable from 1 January).
    page.set_extra_http_headers({"X-Clock": "2023-10-13T09:00:00+02:00"})
    page.goto(f"{page.base_url}/school/{school.pk}/budget/")
    status = page.get_by_test_id("release-status").inner_text()
    assert "Uw budget is vrijgegeven." in status
    assert "1 januari 2024" in status
    assert "7.425,00" in page.get_by_test_id("collective").inner_text()
    shot(page, "budget.png")
    page.get_by_role("link", name="Alle transacties bekijken").click()
    expect(page.get_by_test_id("transactions")).to_contain_text("4.950,00")
    shot(page, "transactions.png")
    page.get_by_role("link", name="Facturen").click()
    expect(page.get_by_test_id("invoices")).to_contain_text("23000001")
