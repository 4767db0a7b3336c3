"""The API of individual budget and vouchers (API.md): status codes, error types, who may,
`Idempotency-Key` on claim and redeem."""

from __future__ import annotations

import pytest
from django.core import mail

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.ledger.checks import problems
from cultuurkaart.memberships.services import end_membership
from cultuurkaart.orders.tests.factories import committed
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.vouchers.models import Assignment, Voucher, VoucherStatus

from .factories import admin, school_with_pool, student, voucher_provider

pytestmark = pytest.mark.django_db

CLOCK = "2024-03-04T10:00:00+01:00"
LAST_SECOND = "2024-12-31T23:59:59+01:00"
ONE_LATER = "2025-01-01T00:00:00+01:00"


@pytest.fixture
def setup(api_as):
    school, _programme, bh, _invoice = school_with_pool(kind="mbo", without=2)
    (p1, m1), (p2, m2) = student(school), student(school)
    provider, person = voucher_provider()
    return {
        "school": school,
        "bh": bh,
        "people": (p1, p2),
        "members": (m1, m2),
        "provider": provider,
        "person": person,
        "bh_api": api_as(bh, clock=CLOCK),
        "student_api": api_as(m1.user, clock=CLOCK),
        "p_api": api_as(person, clock=CLOCK),
    }


def assign_path(school):
    return f"/schools/{school.pk}/individual-budget/assignments"


def test_assign_claim_redeem_over_the_api(setup, api_as):
    p1, p2 = setup["people"]
    with committed():
        response = setup["bh_api"].post(
            assign_path(setup["school"]), {"person_ids": [str(p1.pk), str(p2.pk)]}
        )
    assert response.status_code == 200, response.content
    assert response.json() == {"assigned": 2, "amount_each": "10.50"}
    assert len(mail.outbox) >= 2

    claimed = setup["student_api"].post("/me/vouchers", {"provider_id": str(setup["provider"].pk)})
    assert claimed.status_code == 201, claimed.content
    body = claimed.json()
    assert body["amount"] == "5.25" and body["expires_on"] == "2024-12-31"
    assert len(body["code"]) == 14 and body["code"][4] == "-"

    redeemed = setup["p_api"].post("/vouchers/redeem", {"code": body["code"].lower()})
    assert redeemed.status_code == 200, redeemed.content
    assert redeemed.json() == {"amount": "5.25"}
    again = setup["p_api"].post("/vouchers/redeem", {"code": body["code"]})
    assert again.status_code == 409 and again.json()["type"] == "voucher-used"
    assert problems() == []


def test_assign_refusals_name_who_and_assign_nothing(setup):
    p1, p2 = setup["people"]
    with committed():
        end_membership(setup["members"][1], actor=admin())
    response = setup["bh_api"].post(
        assign_path(setup["school"]), {"person_ids": [str(p1.pk), str(p2.pk)]}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "membership-not-active"
    assert [e["person_id"] for e in problem["errors"]] == [str(p2.pk)]
    assert Assignment.objects.count() == 0


def test_assign_more_than_ordered_is_409(setup):
    extra, _ = student(setup["school"])
    ids = [str(p.pk) for p in (*setup["people"], extra)]
    response = setup["bh_api"].post(assign_path(setup["school"]), {"person_ids": ids})
    assert response.status_code == 409 and response.json()["type"] == "insufficient-budget"
    assert Assignment.objects.count() == 0


def test_assign_before_the_invoice_is_paid_is_409(api_as):
    school, _programme, bh, _invoice = school_with_pool(without=1, paid=False)
    p1, _ = student(school)
    response = api_as(bh, clock=CLOCK).post(assign_path(school), {"person_ids": [str(p1.pk)]})
    assert response.status_code == 409 and response.json()["type"] == "budget-not-spendable"


def test_docent_plus_teacher_and_provider_may_not_assign(setup, api_as):
    school = setup["school"]
    body = {"person_ids": [str(setup["people"][0].pk)]}
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    assert api_as(dp, clock=CLOCK).post(assign_path(school), body).status_code == 403
    assert api_as(teacher, clock=CLOCK).post(assign_path(school), body).status_code == 403
    assert setup["p_api"].post(assign_path(school), body).status_code == 404
    assert Assignment.objects.count() == 0


def test_claim_is_idempotent_with_a_key(setup):
    setup["bh_api"].post(assign_path(setup["school"]), {"person_ids": [str(setup["people"][0].pk)]})
    body = {"provider_id": str(setup["provider"].pk)}
    headers = {"Idempotency-Key": "claim-1"}
    first = setup["student_api"].post("/me/vouchers", body, headers=headers)
    second = setup["student_api"].post("/me/vouchers", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Voucher.objects.count() == 1
    other = setup["student_api"].post(
        "/me/vouchers", {"provider_id": str(ProviderFactory().pk)}, headers=headers
    )
    assert other.status_code == 409 and other.json()["type"] == "idempotency-conflict"


def test_claim_refusals(setup, api_as):
    provider = str(setup["provider"].pk)
    nobody = api_as(setup["members"][1].user, clock=CLOCK)
    response = nobody.post("/me/vouchers", {"provider_id": provider})
    assert response.status_code == 404 and response.json()["type"] == "no-assignment"
    setup["bh_api"].post(assign_path(setup["school"]), {"person_ids": [str(setup["people"][0].pk)]})
    plain = ProviderFactory(accepts_individual_budget=False)
    response = setup["student_api"].post("/me/vouchers", {"provider_id": str(plain.pk)})
    assert response.status_code == 422
    assert response.json()["type"] == "provider-not-accepting-vouchers"
    # the budget holder cannot claim on a student's behalf: it is their own (none) → 404
    response = setup["bh_api"].post("/me/vouchers", {"provider_id": provider})
    assert response.status_code == 404
    assert Voucher.objects.count() == 0


def test_redeem_is_idempotent_other_provider_404_expired_409(setup, api_as):
    setup["bh_api"].post(assign_path(setup["school"]), {"person_ids": [str(setup["people"][0].pk)]})
    provider = str(setup["provider"].pk)
    first = setup["student_api"].post("/me/vouchers", {"provider_id": provider}).json()["code"]
    second = setup["student_api"].post("/me/vouchers", {"provider_id": provider}).json()["code"]

    _other, other_person = voucher_provider()
    response = api_as(other_person, clock=CLOCK).post("/vouchers/redeem", {"code": first})
    assert response.status_code == 404
    student_call = setup["student_api"].post("/vouchers/redeem", {"code": first})
    assert student_call.status_code == 403

    headers = {"Idempotency-Key": "redeem-1"}
    a = setup["p_api"].post("/vouchers/redeem", {"code": first}, headers=headers)
    b = setup["p_api"].post("/vouchers/redeem", {"code": first}, headers=headers)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()

    at_last = api_as(setup["person"], clock=LAST_SECOND)
    too_late = api_as(setup["person"], clock=ONE_LATER)
    response = too_late.post("/vouchers/redeem", {"code": second})
    assert response.status_code == 409 and response.json()["type"] == "voucher-expired"
    response = at_last.post("/vouchers/redeem", {"code": second})
    assert response.status_code == 200
    assert Voucher.objects.filter(status=VoucherStatus.REDEEMED).count() == 2
    assert problems() == []
