"""Web orders (SPEC §6, §8; API.md): creation, the duplicate warning, idempotency, the
school's decision with the spending-order split, the admin's check and reversal, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.jobs import run
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.models import Entry
from cultuurkaart.providers.models import ProviderStatus
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders import services
from cultuurkaart.weborders.models import WebOrder

from .factories import (
    SPEND_AT,
    WebOrderFactory,
    funded_school,
    provider_person,
    weborder_data,
)

pytestmark = pytest.mark.django_db

D = Decimal
CLOCK = SPEND_AT.isoformat()


@pytest.fixture
def setup(api_as):
    school = funded_school(school_amount="30.00", ocw="50.00", third="40.00")
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    provider, person = provider_person()
    return {
        "school": school,
        "bh": bh,
        "bh_api": api_as(bh, clock=CLOCK),
        "provider": provider,
        "person": person,
        "p_api": api_as(person, clock=CLOCK),
    }


def _create(s, **overrides):
    response = s["p_api"].post("/weborders", weborder_data(s["school"], **overrides))
    assert response.status_code == 201, response.json()
    return response.json()


# --- creation -------------------------------------------------------------------------


def test_provider_creates_a_pending_weborder_and_the_budget_holders_are_mailed(
    setup, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        body = _create(setup)
    assert body["status"] == "pending"
    assert body["amount"] == "100.00"
    assert body["likely_duplicate"] is False
    assert body["split"] is None
    wo = WebOrder.objects.get(pk=body["id"])
    assert wo.provider == setup["provider"] and wo.school == setup["school"]
    assert len(mail.outbox) == 1
    assert setup["bh"].email in mail.outbox[0].to
    assert setup["person"].email not in mail.outbox[0].to


def test_unknown_school_is_422(setup):
    response = setup["p_api"].post(
        "/weborders", weborder_data(setup["school"], school_number="9999999")
    )
    assert response.status_code == 422
    assert response.json()["type"] == "unknown-school"
    assert not WebOrder.objects.exists()


@pytest.mark.parametrize(
    "status", [ProviderStatus.PENDING, ProviderStatus.REVOKED, ProviderStatus.REJECTED]
)
def test_a_provider_that_is_not_accepted_is_403(setup, status):
    setup["provider"].status = status
    setup["provider"].save()
    response = setup["p_api"].post("/weborders", weborder_data(setup["school"]))
    assert response.status_code == 403
    assert response.json()["type"] == "provider-not-accepted"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("activity_at", "2024-03-20T13:30:00"),  # no offset
        ("activity_at", "1000-03-20T13:30:00+01:00"),
        ("students", 0),
        ("description", ""),
        ("amount", "0.00"),
        ("amount", "1.001"),
    ],
)
def test_invalid_fields_are_422_and_create_nothing(setup, field, value):
    response = setup["p_api"].post("/weborders", weborder_data(setup["school"], **{field: value}))
    assert response.status_code == 422
    assert not WebOrder.objects.exists()


def test_announced_revocation_still_creates(setup):
    setup["provider"].status = ProviderStatus.REVOCATION_ANNOUNCED
    setup["provider"].save()
    assert _create(setup)["status"] == "pending"


def test_idempotency_key_same_body_same_weborder_other_body_409(setup):
    headers = {"Idempotency-Key": "abc-1"}
    data = weborder_data(setup["school"])
    first = setup["p_api"].post("/weborders", data, headers=headers)
    again = setup["p_api"].post("/weborders", data, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert WebOrder.objects.count() == 1
    other = setup["p_api"].post("/weborders", {**data, "amount": "99.00"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["type"] == "idempotency-conflict"
    assert WebOrder.objects.count() == 1


def test_likely_duplicate_is_flagged_on_both_sides_while_one_is_live(setup):
    first = _create(setup)
    second = _create(setup, description="Nog een keer")
    assert second["likely_duplicate"] is True
    school_list = setup["bh_api"].get(f"/schools/{setup['school'].pk}/weborders").json()
    assert {r["id"]: r["likely_duplicate"] for r in school_list["results"]} == {
        first["id"]: True,
        second["id"]: True,
    }
    assert setup["p_api"].get(f"/weborders/{first['id']}").json()["likely_duplicate"] is True
    # another amount or another date is not a duplicate; a withdrawn one no longer counts
    assert _create(setup, amount="100.01")["likely_duplicate"] is False
    assert setup["p_api"].post(f"/weborders/{second['id']}/withdraw").status_code == 200
    assert setup["p_api"].get(f"/weborders/{first['id']}").json()["likely_duplicate"] is False


def test_withdraw_only_while_pending(setup):
    body = _create(setup)
    assert setup["bh_api"].post(f"/weborders/{body['id']}/approve").status_code == 200
    response = setup["p_api"].post(f"/weborders/{body['id']}/withdraw")
    assert response.status_code == 409
    assert response.json()["type"] == "invalid-transition"


# --- approval: the spending order ------------------------------------------------------


def test_approval_splits_school_then_ocw_then_third_party(
    setup, django_capture_on_commit_callbacks
):
    school, prog = setup["school"], programme()
    body = _create(setup)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = setup["bh_api"].post(f"/weborders/{body['id']}/approve")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "id": body["id"],
        "status": "approved",
        "split": {"school": "30.00", "ocw": "50.00", "third_party": "20.00"},
    }
    balances = ledger_queries.balances(school, prog)
    assert (balances["school"], balances["ocw"], balances["third_party"]) == (
        D(0),
        D(0),
        D("20.00"),
    )
    wo = WebOrder.objects.get(pk=body["id"])
    assert wo.entry.reference == f"weborder:{wo.pk}" and wo.programme == prog
    assert setup["person"].email in mail.outbox[0].to
    assert problems() == []


def test_short_budget_rejects_the_whole_weborder_and_books_nothing(setup):
    body = _create(setup, amount="120.01")
    entries = Entry.objects.count()
    response = setup["bh_api"].post(f"/weborders/{body['id']}/approve")
    assert response.status_code == 409
    assert response.json()["type"] == "insufficient-budget"
    assert Entry.objects.count() == entries
    assert WebOrder.objects.get(pk=body["id"]).status == "pending"
    assert ledger_queries.balances(setup["school"], programme())["school"] == D("30.00")
    assert problems() == []


def test_exact_budget_is_approved(setup):
    body = _create(setup, amount="120.00")
    assert setup["bh_api"].post(f"/weborders/{body['id']}/approve").status_code == 200


def test_budget_not_spendable_before_the_window_and_after_it(setup, api_as):
    body = _create(setup)
    before = api_as(setup["bh"], clock="2023-12-15T10:00:00+01:00")
    response = before.post(f"/weborders/{body['id']}/approve")
    # in December 2023 only the third party's 40.00 is spendable (VO: own money from 1 Jan)
    assert response.status_code == 409
    assert response.json()["type"] in ("budget-not-spendable", "insufficient-budget")
    after = api_as(setup["bh"], clock="2025-01-02T10:00:00+01:00")
    response = after.post(f"/weborders/{body['id']}/approve")
    assert response.status_code == 409
    assert response.json()["type"] == "budget-not-spendable"
    assert WebOrder.objects.get(pk=body["id"]).status == "pending"


def test_unreleased_budget_is_not_spendable(api_as):
    school = SchoolFactory()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    wo = WebOrderFactory(school=school)
    response = api_as(bh, clock=CLOCK).post(f"/weborders/{wo.pk}/approve")
    assert response.status_code == 409
    assert response.json()["type"] == "budget-not-spendable"


def test_third_party_money_before_the_schools_own_window(setup, api_as):
    body = _create(setup, amount="40.00")
    december = api_as(setup["bh"], clock="2023-12-15T10:00:00+01:00")
    response = december.post(f"/weborders/{body['id']}/approve")
    assert response.status_code == 200
    assert response.json()["split"] == {"school": "0.00", "ocw": "0.00", "third_party": "40.00"}


def test_already_decided(setup):
    body = _create(setup)
    assert setup["bh_api"].post(f"/weborders/{body['id']}/approve").status_code == 200
    for action, data in (("approve", None), ("reject", {"reason": "x"})):
        response = setup["bh_api"].post(f"/weborders/{body['id']}/{action}", data)
        assert response.status_code == 409
        assert response.json()["type"] == "already-decided"


def test_reject_needs_a_reason_and_mails_the_provider(setup, django_capture_on_commit_callbacks):
    body = _create(setup)
    assert (
        setup["bh_api"].post(f"/weborders/{body['id']}/reject", {"reason": " "}).status_code == 422
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = setup["bh_api"].post(
            f"/weborders/{body['id']}/reject", {"reason": "Niet besteld"}
        )
    assert response.json() == {"id": body["id"], "status": "rejected"}
    assert "Niet besteld" in mail.outbox[0].body
    assert setup["person"].email in mail.outbox[0].to


# --- who may ---------------------------------------------------------------------------


def test_docent_plus_sees_but_may_not_decide(setup, api_as):
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=setup["school"])
    body = _create(setup)
    client = api_as(dp, clock=CLOCK)
    assert client.get(f"/weborders/{body['id']}").status_code == 200
    assert client.get(f"/schools/{setup['school'].pk}/weborders").json()["count"] == 1
    for action, data in (("approve", None), ("reject", {"reason": "x"})):
        response = client.post(f"/weborders/{body['id']}/{action}", data)
        assert response.status_code == 403
    assert WebOrder.objects.get(pk=body["id"]).status == "pending"


def test_another_schools_or_providers_weborder_is_404(setup, api_as):
    body = _create(setup)
    other_bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=SchoolFactory())
    _, other_person = provider_person()
    other_school, other_provider = api_as(other_bh, clock=CLOCK), api_as(other_person, clock=CLOCK)
    assert other_school.get(f"/weborders/{body['id']}").status_code == 404
    assert other_school.post(f"/weborders/{body['id']}/approve").status_code == 404
    assert other_provider.get(f"/weborders/{body['id']}").status_code == 404
    assert other_provider.post(f"/weborders/{body['id']}/withdraw").status_code == 404
    assert other_provider.get("/weborders").json()["count"] == 0
    # the provider of the web order may not approve it (not its school)
    assert setup["p_api"].post(f"/weborders/{body['id']}/approve").status_code == 404
    assert setup["p_api"].get("/weborders").json()["count"] == 1


def test_school_roles_cannot_create_weborders(setup):
    response = setup["bh_api"].post("/weborders", weborder_data(setup["school"]))
    assert response.status_code == 403


# --- check and reversal ----------------------------------------------------------------


def _approved(setup):
    body = _create(setup)
    assert setup["bh_api"].post(f"/weborders/{body['id']}/approve").status_code == 200
    return body["id"]


def test_check_valid(setup, admin_api):
    pk = _approved(setup)
    response = admin_api.post(f"/admin/weborders/{pk}/check", {"valid": True, "reason": ""})
    assert response.json() == {"id": pk, "status": "checked"}
    assert setup["bh_api"].post(f"/admin/weborders/{pk}/check", {"valid": True}).status_code == 403


def test_check_invalid_returns_the_money_to_its_buckets_and_mails_both(
    setup, admin_api, django_capture_on_commit_callbacks
):
    pk = _approved(setup)
    no_reason = admin_api.post(f"/admin/weborders/{pk}/check", {"valid": False, "reason": ""})
    assert no_reason.status_code == 422
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            f"/admin/weborders/{pk}/check",
            {"valid": False, "reason": "Geen culturele activiteit"},
        )
    assert response.json() == {"id": pk, "status": "invalid"}
    balances = ledger_queries.balances(setup["school"], programme())
    assert (balances["school"], balances["ocw"], balances["third_party"]) == (
        D("30.00"),
        D("50.00"),
        D("40.00"),
    )
    recipients = {address for m in mail.outbox for address in m.to}
    assert setup["bh"].email in recipients and setup["person"].email in recipients
    assert problems() == []
    again = admin_api.post(f"/admin/weborders/{pk}/check", {"valid": True})
    assert again.status_code == 409


@pytest.mark.parametrize("checked", [False, True])
def test_reverse_before_payout_returns_the_money(setup, admin_api, checked):
    pk = _approved(setup)
    if checked:
        admin_api.post(f"/admin/weborders/{pk}/check", {"valid": True})
    response = admin_api.post(f"/weborders/{pk}/reverse", {"reason": "Dubbel"})
    assert response.json() == {"id": pk, "status": "reversed"}
    assert ledger_queries.balances(setup["school"], programme())["school"] == D("30.00")
    assert admin_api.post(f"/weborders/{pk}/reverse", {}).status_code == 409
    assert setup["bh_api"].post(f"/weborders/{pk}/reverse", {}).status_code == 403
    assert problems() == []


def test_paid_out_cannot_be_reversed(setup, admin_api):
    pk = _approved(setup)
    WebOrder.objects.filter(pk=pk).update(status="paid_out")
    response = admin_api.post(f"/weborders/{pk}/reverse", {})
    assert response.status_code == 409
    assert response.json()["type"] == "invalid-transition"


def test_check_worklist_puts_duplicates_first_and_filters(setup, admin_api):
    single = _create(setup, amount="10.00")
    dup_a = _create(setup, amount="20.00")
    dup_b = _create(setup, amount="20.00")
    for body in (single, dup_a, dup_b):
        assert setup["bh_api"].post(f"/weborders/{body['id']}/approve").status_code == 200
    ids = [r["id"] for r in admin_api.get("/admin/weborders").json()["results"]]
    assert ids[:2] == [dup_a["id"], dup_b["id"]] and ids[2] == single["id"]
    small = admin_api.get("/admin/weborders", {"max_amount": "15.00"}).json()
    assert [r["id"] for r in small["results"]] == [single["id"]]
    other = admin_api.get("/admin/weborders", {"school": str(SchoolFactory().pk)}).json()
    assert other["count"] == 0
    assert admin_api.get("/admin/weborders", {"school": "null"}).status_code == 422
    assert admin_api.get("/admin/weborders", {"min_amount": "12,3abc"}).status_code == 422


# --- expiry ----------------------------------------------------------------------------


def test_expire_weborders_after_the_window_idempotent_and_mailed(
    setup, django_capture_on_commit_callbacks
):
    pending = _create(setup)
    approved = _approved(setup)
    mail.outbox.clear()
    with clock.frozen(dt.datetime(2024, 12, 31, 23, 0, tzinfo=clock.AMSTERDAM)):
        assert run("expire-weborders") == {"expired": 0}
    with (
        clock.frozen(dt.datetime(2025, 1, 1, 0, 30, tzinfo=clock.AMSTERDAM)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert run("expire-weborders") == {"expired": 1}
        assert run("expire-weborders") == {"expired": 0}
    assert WebOrder.objects.get(pk=pending["id"]).status == "expired"
    assert WebOrder.objects.get(pk=approved).status == "approved"
    recipients = {address for m in mail.outbox for address in m.to}
    assert setup["bh"].email in recipients and setup["person"].email in recipients


def test_expire_pending_weborders_of_a_revoked_provider(setup):
    pending = _create(setup)
    approved = _approved(setup)
    assert services.expire_pending_weborders_of(setup["provider"]) == 1
    assert WebOrder.objects.get(pk=pending["id"]).status == "expired"
    assert WebOrder.objects.get(pk=approved).status == "approved"


# --- export ----------------------------------------------------------------------------


def test_spending_export_neutralises_formulas(setup, api_as):
    import io

    from python_calamine import CalamineWorkbook

    _create(setup, description='=HYPERLINK("http://evil")')
    response = setup["bh_api"].get(f"/schools/{setup['school'].pk}/weborders/export.xlsx")
    assert response.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[1][3] == '=HYPERLINK("http://evil")'
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=setup["school"])
    assert api_as(dp).get(f"/schools/{setup['school'].pk}/weborders/export.xlsx").status_code == 403


def test_django_admin_is_read_only(admin):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    model_admin = site._registry[WebOrder]
    request = RequestFactory().get("/")
    request.user = admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_revocation_that_takes_effect_expires_the_pending_web_orders(
    db, django_capture_on_commit_callbacks
):
    """SPEC §7: from the effective date the provider's pending web orders expire; approved
    ones stay (they are still paid). The weborders app registers this on the providers'
    revocation hook (weborders/apps.py)."""
    provider = ProviderFactory(
        status=ProviderStatus.REVOCATION_ANNOUNCED,
        revocation_effective_on=dt.date(2024, 4, 15),
    )
    pending = WebOrderFactory(provider=provider)
    approved = WebOrderFactory(provider=provider, status="approved")
    with (
        clock.frozen(dt.datetime(2024, 4, 15, 0, 20, tzinfo=clock.AMSTERDAM)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run("revoke-providers")
    pending.refresh_from_db()
    approved.refresh_from_db()
    assert pending.status == "expired"
    assert approved.status == "approved"
