"""Money and date inputs are bounded and exact everywhere (issue 8 point 10): at most two
decimals, 0 < amount ≤ 10,000,000.00 unless a rule says otherwise, dates 2000..2100;
anything else is a 422 validation error or a form field error, never a 500 and never a
stored value that breaks a page later."""

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.orders import services
from cultuurkaart.orders.models import Invoice, Payment
from cultuurkaart.portals.forms import ProgrammeForm

from .factories import VO_ORDER_AT, order_data, ready_school
from .test_pages import AFTER, verified

pytestmark = pytest.mark.django_db

BAD_AMOUNTS = [
    "1e30",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "99999999999.99",
    "10000000.01",
    "0.001",
    "0",
    "0.00",
    "-1.00",
    "",
    "12,50",
    "1" * 400,
    12.5,
    True,
    None,
    [],
]


@pytest.fixture
def invoice(admin):
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    with clock.frozen(VO_ORDER_AT):
        order = services.submit_order(school, order_data(), actor=bh)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=10)):
        inv = services.approve_order(order, actor=admin)
    inv.bh = bh
    return inv


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_payment_api_refuses_bad_amounts_with_422(api_as, admin, invoice, amount):
    r = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice.pk}/payments", {"amount": amount, "paid_on": "2023-10-12"}
    )
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["type"] == "validation-error"
    assert body["errors"][0]["field"] == "amount"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("paid_on", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "x"])
def test_payment_api_refuses_dates_out_of_range(api_as, admin, invoice, paid_on):
    r = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice.pk}/payments", {"amount": "10.00", "paid_on": paid_on}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "paid_on"


def test_huge_payment_leaves_the_invoice_pages_working(api_as, admin, invoice):
    """A payment of 99,999,999,999.99 used to be stored (SQLite) and then broke every page
    that read the invoice; now it is refused and the pages keep working."""
    r = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice.pk}/payments",
        {"amount": "99999999999.99", "paid_on": "2023-10-12"},
    )
    assert r.status_code == 422
    # The largest allowed payment is stored exactly and every invoice page still renders.
    r = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice.pk}/payments", {"amount": "10000000.00", "paid_on": "2023-10-12"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["invoice"]["amount_paid"] == "10000000.00"
    assert api_as(admin, clock=AFTER).get(f"/invoices/{invoice.pk}").status_code == 200
    assert api_as(admin, clock=AFTER).get("/admin/invoices").status_code == 200
    client = verified(admin, AFTER)
    assert client.get(f"/backoffice/facturen/{invoice.pk}/").status_code == 200
    assert client.get("/backoffice/facturen/?status=paid").status_code == 200
    school_client = verified(invoice.bh, AFTER)
    assert school_client.get(f"/school/{invoice.school_id}/facturen/").status_code == 200


@pytest.mark.parametrize(
    ("amount", "code"),
    [("10000000.01", "too-large"), ("0.001", "too-many-decimals"), ("0", "not-positive")],
)
def test_payment_service_checks_bounds_itself(admin, invoice, amount, code):
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=10)), pytest.raises(ValidationFailed) as exc:
        services.register_payment(invoice, amount, "2023-10-12", actor=admin)
    assert exc.value.errors[0]["code"] == code


@pytest.mark.parametrize("amount", ["99999999999,99", "1e30", "0,001", "NaN", "0"])
def test_payment_form_refuses_bad_amounts(admin, invoice, amount):
    client = verified(admin, AFTER)
    r = client.post(
        f"/backoffice/facturen/{invoice.pk}/", {"amount": amount, "paid_on": "2023-10-12"}
    )
    assert r.status_code == 200
    assert r.context["form"].errors["amount"]
    assert not Payment.objects.exists()


def test_payment_form_takes_a_dutch_decimal_comma_and_refuses_year_1(admin, invoice):
    client = verified(admin, AFTER)
    r = client.post(
        f"/backoffice/facturen/{invoice.pk}/", {"amount": "12,50", "paid_on": "0001-01-01"}
    )
    assert r.status_code == 200 and r.context["form"].errors["paid_on"]
    r = client.post(
        f"/backoffice/facturen/{invoice.pk}/", {"amount": "12,50", "paid_on": "2023-10-12"}
    )
    assert r.status_code == 302
    assert Payment.objects.get().amount == Decimal("12.50")


@pytest.mark.parametrize("amount", ["1e30", "NaN", "99999999999.99", "0.001", "0", 12.5])
def test_third_party_api_refuses_bad_amounts(api_as, admin, invoice, amount):
    r = api_as(admin, clock=AFTER).post(
        f"/admin/schools/{invoice.school_id}/third-party-contributions",
        {"programme": "vo-2024", "funder": "Gemeente Utrecht", "amount": amount},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "amount"
    assert not Invoice.objects.filter(kind="third_party").exists()


def test_third_party_form_refuses_huge_amount(admin, invoice):
    client = verified(admin, AFTER)
    r = client.post(
        "/backoffice/facturen/",
        {
            "school_number": invoice.school.school_number,
            "programme": "vo-2024",
            "funder": "Provincie Utrecht",
            "amount": "99999999999.99",
        },
    )
    assert r.status_code == 200 and r.context["form"].errors["amount"]
    assert not Invoice.objects.filter(kind="third_party").exists()


def programme_body(**changes):
    body = {
        "code": "vo-2030",
        "kind": "vo",
        "name": "VO 2030",
        "rates": {
            "ocw": "5.50",
            "school": "11.00",
            "admin_fee": "2.75",
            "teacher_fee": "0",
            "teacher_free_count": 0,
            "voucher": "5.50",
        },
        "order_from": "2029-09-01",
        "order_until": "2030-01-31",
        "roster_after": "2029-08-16",
        "spend_from": "2030-01-01",
        "spend_until": "2030-12-31",
        "ocw_total": "5000000.00",
        "max_orders": None,
    }
    for key, value in changes.items():
        if key.startswith("rates."):
            body["rates"][key[6:]] = value
        else:
            body[key] = value
    return body


def test_programme_api_accepts_sane_values(api_as, admin):
    r = api_as(admin).post("/admin/programmes", programme_body())
    assert r.status_code == 201, r.content
    assert r.json()["rates"]["teacher_fee"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rates.ocw": "1e30"}, "rates.ocw"),
        ({"rates.school": "NaN"}, "rates.school"),
        ({"rates.admin_fee": "0.001"}, "rates.admin_fee"),
        ({"rates.voucher": "-1"}, "rates.voucher"),
        ({"rates.teacher_fee": "99999999999.99"}, "rates.teacher_fee"),
        ({"rates.teacher_free_count": 10**12}, "rates.teacher_free_count"),
        ({"ocw_total": "1e30"}, "ocw_total"),
        ({"ocw_total": "0"}, "ocw_total"),
        ({"order_from": "0001-01-01"}, "order_from"),
        ({"spend_until": "9999-12-31"}, "spend_until"),
        ({"max_orders": 10**12}, "max_orders"),
        ({"max_orders": -1}, "max_orders"),
    ],
)
def test_programme_api_refuses_out_of_range_values(api_as, admin, change, field):
    r = api_as(admin).post("/admin/programmes", programme_body(**change))
    assert r.status_code == 422, r.content
    assert r.json()["type"] == "validation-error"
    assert any(e["field"] == field for e in r.json()["errors"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate_ocw", "1e30"),
        ("rate_school", "0,001"),
        ("ocw_total", "99999999999999"),
        ("order_from", "0001-01-01"),
        ("max_orders", "100000000000"),
    ],
)
def test_programme_form_refuses_out_of_range_values(field, value):
    data = {
        "code": "vo-2030",
        "kind": "vo",
        "name": "VO 2030",
        "rate_ocw": "5.50",
        "rate_school": "11.00",
        "rate_admin_fee": "2.75",
        "rate_teacher_fee": "6.00",
        "teacher_free_count": "0",
        "rate_voucher": "5.50",
        "rate_dossier": "0",
        "order_from": "2029-09-01",
        "order_until": "2030-01-31",
        "roster_after": "2029-08-16",
        "spend_from": "2030-01-01",
        "spend_until": "2030-12-31",
    }
    assert ProgrammeForm(data).is_valid(), ProgrammeForm(data).errors
    form = ProgrammeForm({**data, field: value})
    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.parametrize(
    "value",
    ["0", "0.00", "0.01", "12.5", "10000000", "10000000.00", "10000000.01", "9999999.99", "1.234"],
)
def test_openapi_pattern_matches_what_the_api_accepts(value):
    """A schema-driven client (or schemathesis) that follows the documented pattern only
    sends amounts the API accepts, and every refused one breaks the pattern."""
    import re

    from pydantic import TypeAdapter, ValidationError

    from cultuurkaart.core.fields import ApiMoney, money_pattern
    from cultuurkaart.core.money import MAX_AMOUNT

    try:
        TypeAdapter(ApiMoney).validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.match(money_pattern(MAX_AMOUNT, allow_zero=False), value)) == accepted
