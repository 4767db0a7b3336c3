"""Contract tests for API.md "Budget orders and invoices" and "Budget and ledger"."""

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.orders.models import BudgetOrder

from .factories import order_data, ready_school

pytestmark = pytest.mark.django_db

ORDER_AT = "2023-10-02T10:00:00+02:00"
AFTER = "2023-10-12T10:00:00+02:00"


@pytest.fixture
def shop():
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    return school, bh


def post_order(api_as, school, bh, **numbers):
    return api_as(bh, clock=ORDER_AT).post(
        f"/schools/{school.pk}/budget-orders", order_data(**numbers)
    )


def test_submit_contract(api_as, shop):
    school, bh = shop
    r = post_order(api_as, school, bh, teachers=40, reference="PO-1")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "submitted"
    assert body["objection_deadline"] == "2023-10-09T23:59:59+02:00"
    assert body["submitted_at"].startswith("2023-10-02T10:00:00")
    assert body["quote"]["total"] == "5147.50"
    assert body["quote"]["ocw_top_up"] == "2750.00"
    assert {line["code"] for line in body["quote"]["lines"]} == {
        "school_contribution",
        "admin_fee",
        "teacher_membership",
        "teacher_membership_free",
    }
    line = body["quote"]["lines"][0]
    assert set(line) == {"code", "description", "quantity", "unit_price", "amount"}
    assert body["budget"] == {"collective": "7425.00", "individual": "275.00"}
    assert isinstance(body["id"], str)


def test_quote_stores_nothing(api_as, shop):
    school, bh = shop
    r = api_as(bh, clock=ORDER_AT).post(
        f"/schools/{school.pk}/budget-orders/quote",
        {
            "programme": "vo-2024",
            "kind": "initial",
            "with_contribution": 10,
            "without_contribution": 10,
        },
    )
    assert r.status_code == 200
    assert r.json()["total"] == "137.50"
    assert r.json()["budget"] == {"collective": "165.00", "individual": "55.00"}
    assert BudgetOrder.objects.count() == 0


def test_refusals_have_types(api_as, shop):
    school, bh = shop
    r = post_order(api_as, school, bh, with_contribution=600, without_contribution=0)
    assert r.status_code == 422
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["type"] == "deviation-exceeded"
    r = post_order(api_as, school, bh, with_contribution="x")
    assert r.status_code == 422 and r.json()["type"] == "validation-error"
    assert r.json()["errors"][0]["field"] == "with_contribution"
    r = api_as(bh, clock="2024-02-01T09:00:00+01:00").post(
        f"/schools/{school.pk}/budget-orders", order_data()
    )
    assert r.json()["type"] == "ordering-closed"
    assert post_order(api_as, school, bh).status_code == 201
    assert post_order(api_as, school, bh).json()["type"] == "already-ordered"


def test_permissions(api_as, shop):
    school, bh = shop
    docent_plus = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    other_bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=ready_school())
    assert api_as(None).post(f"/schools/{school.pk}/budget-orders", order_data()).status_code == 401
    assert (
        api_as(docent_plus, clock=ORDER_AT)
        .post(f"/schools/{school.pk}/budget-orders", order_data())
        .status_code
        == 403
    )
    assert (
        api_as(other_bh, clock=ORDER_AT)
        .post(f"/schools/{school.pk}/budget-orders", order_data())
        .status_code
        == 404
    )
    order_id = post_order(api_as, school, bh).json()["id"]
    assert api_as(other_bh).get(f"/budget-orders/{order_id}").status_code == 404
    assert api_as(docent_plus).get(f"/budget-orders/{order_id}").status_code == 200
    assert api_as(docent_plus).delete(f"/budget-orders/{order_id}").status_code == 403
    assert api_as(bh).post(f"/admin/budget-orders/{order_id}/approve").status_code == 403
    assert api_as(docent_plus).get(f"/schools/{school.pk}/budget").status_code == 200
    assert api_as(docent_plus).get(f"/schools/{school.pk}/invoices").status_code == 403
    assert api_as(other_bh).get(f"/schools/{school.pk}/transactions").status_code == 404


def test_patch_and_delete_within_period(api_as, shop):
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    r = api_as(bh, clock="2023-10-09T23:59:59+02:00").patch(
        f"/budget-orders/{order_id}", {"with_contribution": 460}
    )
    assert r.status_code == 200
    assert r.json()["with_contribution"] == 460
    assert r.json()["objection_deadline"] == "2023-10-09T23:59:59+02:00"
    late = api_as(bh, clock="2023-10-10T00:00:00+02:00")
    r = late.patch(f"/budget-orders/{order_id}", {"with_contribution": 470})
    assert r.status_code == 409 and r.json()["type"] == "objection-period-over"
    r = late.delete(f"/budget-orders/{order_id}")
    assert r.status_code == 409 and r.json()["type"] == "objection-period-over"
    assert api_as(bh, clock=ORDER_AT).delete(f"/budget-orders/{order_id}").status_code == 204


def test_approve_pay_release_flow(api_as, shop, admin):
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    early = api_as(admin, clock=ORDER_AT).post(f"/admin/budget-orders/{order_id}/approve")
    assert early.status_code == 409 and early.json()["type"] == "objection-period-running"
    worklist = api_as(admin, clock=AFTER).get("/admin/budget-orders?status=awaiting").json()
    assert [o["id"] for o in worklist["results"]] == [order_id]
    r = api_as(admin, clock=AFTER).post(f"/admin/budget-orders/{order_id}/approve")
    assert r.status_code == 200, r.content
    invoice = r.json()["invoice"]
    assert r.json()["status"] == "approved"
    assert invoice["status"] == "open"
    assert invoice["number"] == "23000001"
    assert invoice["date"] == "2023-10-12"
    assert invoice["due_date"] == "2023-11-11"
    assert invoice["total"] == "5087.50"
    assert invoice["amount_paid"] == "0.00"
    pdf = api_as(bh).get(f"/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert api_as(bh).get(f"/schools/{school.pk}/invoices").json()["count"] == 1

    pay = api_as(admin, clock=AFTER)
    r = pay.post(
        f"/admin/invoices/{invoice['id']}/payments", {"amount": "87.50", "paid_on": "2023-10-12"}
    )
    assert r.status_code == 201
    assert r.json()["invoice"]["status"] == "open"
    assert r.json()["invoice"]["amount_paid"] == "87.50"
    budget = api_as(bh).get(f"/schools/{school.pk}/budget?programme=vo-2024").json()
    assert budget["released"] is False
    r = pay.post(
        f"/admin/invoices/{invoice['id']}/payments", {"amount": "5000.00", "paid_on": "2023-10-12"}
    )
    assert r.json()["invoice"]["status"] == "paid"
    budget = api_as(bh).get(f"/schools/{school.pk}/budget?programme=vo-2024").json()
    assert budget == {
        "programme": "vo-2024",
        "collective": {
            "available": "7425.00",
            "buckets": {"school": "4950.00", "ocw": "2475.00", "third_party": "0.00"},
        },
        "individual": {"available": "275.00", "assigned": "0.00"},
        "spendable_from": "2024-01-01",
        "spendable_until": "2024-12-31",
        "released": True,
        "third_party": {"released": False, "spendable_from": None},
        "held_for_refund": "0.00",
    }
    tx = api_as(bh).get(f"/schools/{school.pk}/transactions?programme=vo-2024").json()
    assert tx["count"] == 2
    assert [(t["amount"], t["balance"]) for t in tx["results"]] == [
        ("4950.00", "4950.00"),
        ("2475.00", "7425.00"),
    ]
    assert set(tx["results"][0]) >= {"at", "kind", "description", "amount", "balance"}


def test_payment_idempotency_key(api_as, shop, admin):
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    invoice_id = (
        api_as(admin, clock=AFTER)
        .post(f"/admin/budget-orders/{order_id}/approve")
        .json()["invoice"]["id"]
    )
    client = api_as(admin, clock=AFTER)
    body = {"amount": "100.00", "paid_on": "2023-10-12"}
    first = client.post(
        f"/admin/invoices/{invoice_id}/payments", body, headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        f"/admin/invoices/{invoice_id}/payments", body, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    conflict = client.post(
        f"/admin/invoices/{invoice_id}/payments",
        {"amount": "200.00", "paid_on": "2023-10-12"},
        headers={"Idempotency-Key": "k1"},
    )
    assert conflict.status_code == 409 and conflict.json()["type"] == "idempotency-conflict"
    later = api_as(admin, clock="2023-10-13T10:30:00+02:00")
    r = later.post(
        f"/admin/invoices/{invoice_id}/payments", body, headers={"Idempotency-Key": "k1"}
    )
    assert r.json()["invoice"]["amount_paid"] == "200.00"  # after 24 h the key is new again
    invalid = client.post(
        f"/admin/invoices/{invoice_id}/payments", {"amount": "-1", "paid_on": "2023-10-12"}
    )
    assert invalid.status_code == 422


def test_ocw_cap_via_api(api_as, shop, admin):
    from decimal import Decimal

    from cultuurkaart.schools.models import Programme

    Programme.objects.filter(code="vo-2024").update(ocw_total=Decimal("100.00"))
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    r = api_as(admin, clock=AFTER).post(f"/admin/budget-orders/{order_id}/approve")
    assert r.status_code == 409 and r.json()["type"] == "ocw-funds-exhausted"


def test_reject_via_api(api_as, shop, admin):
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    r = api_as(admin, clock=AFTER).post(
        f"/admin/budget-orders/{order_id}/reject", {"reason": "Onjuist"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_third_party_contribution_api(api_as, shop, admin):
    school, bh = shop
    r = api_as(admin, clock=AFTER).post(
        f"/admin/schools/{school.pk}/third-party-contributions",
        {"programme": "vo-2024", "funder": "Gemeente Zeist", "amount": "1000.00"},
    )
    assert r.status_code == 201, r.content
    invoice = r.json()["invoice"]
    assert {"id", "number", "total", "status"} <= set(invoice)
    assert invoice["total"] == "1000.00" and invoice["status"] == "open"
    api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice['id']}/payments", {"amount": "1000.00", "paid_on": "2023-10-12"}
    )
    budget = api_as(bh).get(f"/schools/{school.pk}/budget").json()
    assert budget["collective"]["buckets"]["third_party"] == "1000.00"
    assert (
        api_as(bh)
        .post(
            f"/admin/schools/{school.pk}/third-party-contributions",
            {"programme": "vo-2024", "funder": "X", "amount": "1.00"},
        )
        .status_code
        == 403
    )


def test_jobs_via_api(api_as, shop, admin):
    school, bh = shop
    post_order(api_as, school, bh)
    r = api_as(admin, clock=AFTER).post("/admin/jobs/close-objection-periods")
    assert r.json() == {"closed": 1}
    r = api_as(admin, clock=AFTER).post("/admin/jobs/cancel-unpaid")
    assert r.json() == {"cancelled": []}


def test_transactions_list_query_count(api_as, shop, admin, django_assert_max_num_queries):
    from decimal import Decimal

    from cultuurkaart.ledger import services as ledger

    school, bh = shop
    prog = school.programmes.get()
    ledger.post_entry(
        kind="release",
        description="x",
        lines=[
            (ledger.account("school", school=school, programme=prog), Decimal("-500")),
            (ledger.account("invoiced", programme=prog), Decimal("500")),
        ],
        school=school,
        programme=prog,
    )
    for i in range(30):
        ledger.debit_collective(school, prog, Decimal("1.00"), description=f"W{i}")
    client = api_as(bh)
    with django_assert_max_num_queries(8):
        r = client.get(f"/schools/{school.pk}/transactions?page_size=100")
    assert r.json()["count"] == 31
    assert r.json()["results"][-1]["balance"] == "470.00"


def test_lists_and_credit_note_api(api_as, shop, admin):
    school, bh = shop
    order_id = post_order(api_as, school, bh).json()["id"]
    listed = api_as(bh).get(f"/schools/{school.pk}/budget-orders?programme=vo-2024").json()
    assert [o["id"] for o in listed["results"]] == [order_id]
    invoice = (
        api_as(admin, clock=AFTER)
        .post(f"/admin/budget-orders/{order_id}/approve")
        .json()["invoice"]
    )
    overdue = (
        api_as(admin, clock="2023-11-12T10:00:00+01:00")
        .get("/admin/invoices?status=overdue")
        .json()
    )
    assert [i["id"] for i in overdue["results"]] == [invoice["id"]]
    assert overdue["results"][0]["status"] == "overdue"
    r = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice['id']}/credit-note", {"reason": "Fout"}
    )
    assert r.status_code == 201
    note = r.json()
    assert note["kind"] == "credit_note" and note["total"] == "-5087.50"
    assert note["credit_for"] == invoice["id"]
    assert api_as(bh).get(f"/invoices/{invoice['id']}").json()["status"] == "cancelled"
    again = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice['id']}/credit-note", {"reason": "x"}
    )
    assert again.status_code == 409
    paid = api_as(admin, clock=AFTER).post(
        f"/admin/invoices/{invoice['id']}/payments", {"amount": "1.00", "paid_on": "2023-10-12"}
    )
    assert paid.status_code == 409
