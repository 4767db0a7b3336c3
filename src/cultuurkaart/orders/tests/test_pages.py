"""The school's order pages and the backoffice worklist, through the Django test client."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger import services as ledger
from cultuurkaart.orders import services
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.orders.queries import deviation_percent

from .factories import VO_ORDER_AT, order_data, ready_school

pytestmark = pytest.mark.django_db

ORDER_AT = "2023-10-02T10:00:00+02:00"
AFTER = "2023-10-12T10:00:00+02:00"


def verified(user, clock_at=ORDER_AT) -> Client:
    client = Client(headers={"X-Clock": clock_at} if clock_at else {})
    client.force_login(user)
    if user.requires_two_factor():
        device = totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def shop():
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    return school, bh


def test_menu_entry_and_order_form_prefilled_with_duo(shop):
    school, bh = shop
    client = verified(bh)
    dashboard = client.get(f"/school/{school.pk}/")
    assert f"/school/{school.pk}/bestellingen/" in dashboard.content.decode()
    r = client.get(f"/school/{school.pk}/bestellingen/nieuw/?programme=vo-2024")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'name="with_contribution" value="500"' in html
    assert 'name="teachers"' in html
    assert "order-rates" in html and "orders.js" in html


def test_mbo_form_has_no_teacher_field():
    school = ready_school(kind="mbo", duo=20)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    r = verified(bh, "2022-11-07T10:00:00+01:00").get(f"/school/{school.pk}/bestellingen/nieuw/")
    assert 'name="teachers"' not in r.content.decode()


def test_check_step_then_confirm(shop):
    school, bh = shop
    client = verified(bh)
    url = f"/school/{school.pk}/bestellingen/nieuw/"
    form = {
        "kind": "initial",
        "programme": "vo-2024",
        "with_contribution": "450",
        "without_contribution": "50",
        "teachers": "40",
        "reference": "PO-77",
    }
    r = client.post(url, {**form, "action": "check"})
    html = r.content.decode()
    assert 'data-testid="check"' in html
    assert "€\xa05.147,50" in html  # 4950 + 137.50 + 240 − 180
    assert BudgetOrder.objects.count() == 0
    r = client.post(url, {**form, "action": "confirm"})
    order = BudgetOrder.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/school/{school.pk}/bestellingen/{order.pk}/"
    detail = client.get(r["Location"]).content.decode()
    assert "maandag 9 oktober 2023, 23:59" in detail
    assert order.reference == "PO-77"


def test_refusal_is_shown_in_dutch(shop):
    school, bh = shop
    r = verified(bh).post(
        f"/school/{school.pk}/bestellingen/nieuw/",
        {
            "kind": "initial",
            "programme": "vo-2024",
            "with_contribution": "900",
            "without_contribution": "0",
            "teachers": "0",
            "action": "check",
        },
    )
    assert "wijkt meer dan 10% af" in r.content.decode()
    closed = verified(bh, "2024-02-01T10:00:00+01:00").post(
        f"/school/{school.pk}/bestellingen/nieuw/",
        {
            "kind": "initial",
            "programme": "vo-2024",
            "with_contribution": "500",
            "without_contribution": "0",
            "action": "check",
        },
    )
    assert "Bestellen kan van 01-09-2023 tot en met 31-01-2024" in closed.content.decode()


def test_change_and_cancel_pages(shop):
    school, bh = shop
    with clock.frozen(VO_ORDER_AT):
        order = services.submit_order(school, order_data(), actor=bh)
    client = verified(bh)
    r = client.post(
        f"/school/{school.pk}/bestellingen/{order.pk}/wijzigen/",
        {
            "with_contribution": "460",
            "without_contribution": "50",
            "teachers": "0",
            "action": "confirm",
        },
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.with_contribution == 460
    late = verified(bh, "2023-10-10T00:00:00+02:00")
    r = late.get(f"/school/{school.pk}/bestellingen/{order.pk}/wijzigen/")
    assert r.status_code == 302  # back to the detail with a message
    r = late.post(f"/school/{school.pk}/bestellingen/{order.pk}/annuleren/")
    order.refresh_from_db()
    assert order.status == "submitted"
    client.post(f"/school/{school.pk}/bestellingen/{order.pk}/annuleren/")
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_overview_compares_ordered_and_uploaded(shop):
    school, bh = shop  # roster: 3 students, 0 teachers
    with clock.frozen(VO_ORDER_AT):
        services.submit_order(
            school, order_data(with_contribution=450, without_contribution=50, teachers=4), actor=bh
        )
    html = verified(bh).get(f"/school/{school.pk}/bestellingen/").content.decode()
    assert "16566,67%" in html  # |3 − 500| / 3
    assert "onbekend" in html  # teachers: 0 uploaded


def test_deviation_percent():
    assert deviation_percent(400, 410) == "2,50"
    assert deviation_percent(3, 1) == "66,67"
    assert deviation_percent(0, 5) is None
    assert deviation_percent(5, 0) is None


def test_roles_on_pages(shop):
    school, bh = shop
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    stranger = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=ready_school())
    dpc = verified(dp)
    assert dpc.get(f"/school/{school.pk}/budget/").status_code == 200
    assert dpc.get(f"/school/{school.pk}/bestellingen/").status_code == 200
    assert dpc.get(f"/school/{school.pk}/bestellingen/nieuw/").status_code == 403
    assert dpc.get(f"/school/{school.pk}/facturen/").status_code == 403
    assert verified(stranger).get(f"/school/{school.pk}/budget/").status_code == 404
    assert verified(bh).get("/backoffice/bestellingen/").status_code == 403


def _approved(school, bh, admin):
    with clock.frozen(VO_ORDER_AT):
        order = services.submit_order(school, order_data(), actor=bh)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=10)):
        return services.approve_order(order, actor=admin)


def test_budget_transactions_and_invoices_pages(shop, admin, django_assert_max_num_queries):
    school, bh = shop
    invoice = _approved(school, bh, admin)
    client = verified(bh, AFTER)
    budget = client.get(f"/school/{school.pk}/budget/").content.decode()
    assert "nog niet vrijgegeven" in budget
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=10)):
        services.register_payment(invoice, str(invoice.total), "2023-10-12", actor=admin)
        for i in range(60):
            ledger.debit_collective(
                school, invoice.programme, Decimal("1.00"), description=f"Webbestelling {i}"
            )
    budget = client.get(f"/school/{school.pk}/budget/").content.decode()
    assert "Uw budget is vrijgegeven." in budget
    assert "1 januari 2024" in budget
    assert "€\xa07.365,00" in budget  # 7425 − 60
    with django_assert_max_num_queries(14):
        tx = client.get(f"/school/{school.pk}/budget/transacties/").content.decode()
    assert "+\xa0€\xa04.950,00" in tx and "−\xa0€\xa01,00" in tx
    assert "Pagina 1 van 2" in tx
    invoices = client.get(f"/school/{school.pk}/facturen/").content.decode()
    assert invoice.number in invoices
    assert "NL91 ABNA 0417 1643 00" in invoices  # where to pay (the development payee)
    assert "Stichting Cultuurkaartcentrale" in invoices
    pdf = client.get(f"/school/{school.pk}/facturen/{invoice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"


def test_backoffice_worklist_approve_reject_and_payment(shop, admin):
    school, bh = shop
    with clock.frozen(VO_ORDER_AT):
        first = services.submit_order(school, order_data(), actor=bh)
        second = services.submit_order(ready_school(), order_data(), actor=bh)
    client = verified(admin, AFTER)
    worklist = client.get("/backoffice/bestellingen/").content.decode()
    assert f"/backoffice/bestellingen/{first.pk}/" in worklist
    early = verified(admin, ORDER_AT).get("/backoffice/bestellingen/").content.decode()
    assert f"/backoffice/bestellingen/{first.pk}/" not in early
    assert "Goedkeuren" in client.get(f"/backoffice/bestellingen/{first.pk}/").content.decode()
    client.post(f"/backoffice/bestellingen/{first.pk}/goedkeuren/")
    invoice = Invoice.objects.get(order=first)
    client.post(f"/backoffice/bestellingen/{second.pk}/afwijzen/", {"reason": "Dubbel"})
    second.refresh_from_db()
    assert second.status == "rejected"
    page = client.get(f"/backoffice/facturen/{invoice.pk}/").content.decode()
    assert "Betaling registreren" in page
    r = client.post(
        f"/backoffice/facturen/{invoice.pk}/", {"amount": "1000.00", "paid_on": "2023-10-12"}
    )
    assert r.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("1000.00") and invoice.status == "open"
    client.post(
        f"/backoffice/facturen/{invoice.pk}/", {"amount": "4087.50", "paid_on": "2023-10-12"}
    )
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert (
        "Facturen en betalingen" in client.get("/backoffice/facturen/?status=paid").content.decode()
    )


def test_backoffice_third_party_form(shop, admin):
    school, _ = shop
    client = verified(admin, AFTER)
    r = client.post(
        "/backoffice/facturen/",
        {
            "school_number": school.school_number,
            "programme": "vo-2024",
            "funder": "Provincie Utrecht",
            "funder_email": "",
            "funder_address": "",
            "amount": "750.00",
        },
    )
    assert r.status_code == 302
    invoice = Invoice.objects.get(kind="third_party")
    assert invoice.recipient_name == "Provincie Utrecht"
    bad = client.post(
        "/backoffice/facturen/",
        {"school_number": "0000000", "programme": "vo-2024", "funder": "X", "amount": "1"},
    )
    assert "Onbekend CJP-schoolnummer" in bad.content.decode()


def test_django_admin_is_read_only_for_money(admin):
    from django.contrib import admin as django_admin

    class Req:
        user = admin

    for model in (Invoice, BudgetOrder):
        model_admin = django_admin.site._registry[model]
        assert not model_admin.has_add_permission(Req())
        assert not model_admin.has_change_permission(Req())
        assert not model_admin.has_delete_permission(Req())


def test_supplementary_button_after_initial_order(shop):
    school, bh = shop
    client = verified(bh)
    html = client.get(f"/school/{school.pk}/bestellingen/").content.decode()
    assert "kind=initial" in html and "Bijbestellen" not in html
    with clock.frozen(VO_ORDER_AT):
        services.submit_order(school, order_data(), actor=bh)
    html = client.get(f"/school/{school.pk}/bestellingen/").content.decode()
    assert "kind=supplementary" in html and "Bijbestellen" in html
    form = client.get(
        f"/school/{school.pk}/bestellingen/nieuw/?kind=supplementary"
    ).content.decode()
    assert "Bijbestellen" in form
    closed = verified(bh, "2024-02-01T10:00:00+01:00").get(f"/school/{school.pk}/bestellingen/")
    assert "Bestellen kan van" in closed.content.decode()


def test_backoffice_credits_an_open_invoice_and_the_order_ends(shop, admin):
    """Point 12 in the back office: the credit note from the invoice page ends the order."""
    school, bh = shop
    invoice = _approved(school, bh, admin)
    client = verified(admin, AFTER)
    page = client.get(f"/backoffice/facturen/{invoice.pk}/").content.decode()
    assert "Creditnota maken" in page
    assert (
        client.post(f"/backoffice/facturen/{invoice.pk}/crediteren/", {"reason": ""}).status_code
        == 302
    )
    invoice.refresh_from_db()
    assert invoice.status == "open"  # no reason: nothing credited
    response = client.post(
        f"/backoffice/facturen/{invoice.pk}/crediteren/", {"reason": "Verkeerd aantal"}
    )
    invoice.refresh_from_db()
    note = Invoice.objects.get(kind="credit_note")
    assert response["Location"] == f"/backoffice/facturen/{note.pk}/"
    assert invoice.status == "cancelled" and note.total == -invoice.total
    assert BudgetOrder.objects.get(pk=invoice.order_id).status == "credited"
    again = client.post(
        f"/backoffice/facturen/{invoice.pk}/crediteren/", {"reason": "Nog eens"}, follow=True
    )
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    assert "Only an open invoice can be credited." in again.content.decode()


def test_a_partly_paid_invoice_shows_no_credit_form(shop, admin):
    school, bh = shop
    invoice = _approved(school, bh, admin)
    client = verified(admin, AFTER)
    client.post(f"/backoffice/facturen/{invoice.pk}/", {"amount": "10.00", "paid_on": "2023-10-12"})
    assert (
        "Creditnota maken" not in client.get(f"/backoffice/facturen/{invoice.pk}/").content.decode()
    )
    client.post(f"/backoffice/facturen/{invoice.pk}/crediteren/", {"reason": "x"})
    assert not Invoice.objects.filter(kind="credit_note").exists()
