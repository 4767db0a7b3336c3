"""The provider operations of the API (API.md "Providers, web orders, payouts")."""

from __future__ import annotations

import pytest
from django.core import mail as outbox

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, current_code, totp_device, with_role
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.providers.constants import ProviderStatus as S
from cultuurkaart.providers.models import Provider

from .factories import ProviderFactory, application_data


def test_public_application_then_admin_approves(
    api_as, admin_api, django_capture_on_commit_callbacks
):
    response = api_as(None).post("/providers/applications", application_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    provider_id = body["id"]
    listed = admin_api.get("/admin/providers?status=pending").json()
    assert [p["id"] for p in listed["results"]] == [provider_id]
    assert listed["results"][0]["iban"] == "NL91ABNA0417164300"
    with django_capture_on_commit_callbacks(execute=True):
        approved = admin_api.post(f"/admin/providers/{provider_id}/approve")
    assert approved.status_code == 200
    assert approved.json() == {"id": provider_id, "status": "accepted"}
    assert outbox.outbox[-1].to == ["anna@spiegel.example"]
    again = admin_api.post(f"/admin/providers/{provider_id}/approve")
    assert again.status_code == 409 and again.json()["type"] == "invalid-transition"


@pytest.mark.parametrize("status", [S.REVOCATION_ANNOUNCED, S.REVOCATION_ON_HOLD])
def test_approve_does_not_withdraw_a_revocation(admin_api, status):
    """Found by the API fuzzer: revoke, then approve, gave a 500 (approval granted the role
    to a contact again). Approval decides an application only; a revocation is withdrawn
    through its own operation."""
    provider = ProviderFactory(status=status, contact_email="")
    response = admin_api.post(f"/admin/providers/{provider.pk}/approve")
    assert response.status_code == 409, response.content
    assert response.json()["type"] == "invalid-transition"
    provider.refresh_from_db()
    assert provider.status == status
    withdrawn = admin_api.post(f"/admin/providers/{provider.pk}/revocation/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "accepted"


def test_application_missing_a_criterion_says_which(db, api_as):
    data = application_data()
    data["criteria"]["employed_by_school"] = True
    response = api_as(None).post("/providers/applications", data)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "criteria-not-met"
    assert [e["field"] for e in problem["errors"]] == ["criteria.employed_by_school"]
    assert not Provider.objects.exists()


def test_application_with_a_bad_iban_is_422(db, api_as):
    response = api_as(None).post("/providers/applications", application_data(iban="NL00XXXX"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "iban"


def test_reject_needs_a_reason(admin_api):
    provider = ProviderFactory(status=S.PENDING)
    response = admin_api.post(f"/admin/providers/{provider.pk}/reject", {"reason": " "})
    assert response.status_code == 422
    ok = admin_api.post(f"/admin/providers/{provider.pk}/reject", {"reason": "Geen aanbod."})
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"


def test_revoke_returns_effective_on_and_twice_is_409(admin_api):
    provider = ProviderFactory()
    response = admin_api.post(
        f"/admin/providers/{provider.pk}/revoke",
        {"reason": "Misbruik."},
        headers={"X-Clock": "2024-01-31T10:00:00+01:00"},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(provider.pk),
        "status": "revocation-announced",
        "effective_on": "2024-02-29",
    }
    again = admin_api.post(f"/admin/providers/{provider.pk}/revoke", {"reason": "Nog eens."})
    assert again.status_code == 409


@pytest.fixture
def provider_api(db, api_as):
    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    return provider, user, api_as(user)


def _body(provider, **overrides):
    data = {
        "name": provider.name,
        "kind": provider.kind,
        "sector": provider.sector,
        "activity_type": provider.activity_type,
        "address": provider.address,
        "contact": {"name": provider.contact_name, "email": provider.contact_email},
        "iban": provider.iban,
    }
    data.update(overrides)
    return data


def test_provider_reads_and_changes_own_data_not_another(provider_api):
    provider, _, api = provider_api
    other = ProviderFactory()
    assert api.get(f"/providers/{provider.pk}").json()["name"] == provider.name
    assert api.get(f"/providers/{other.pk}").status_code == 404
    assert api.patch(f"/providers/{other.pk}", _body(other)).status_code == 404
    changed = api.patch(f"/providers/{provider.pk}", _body(provider, sector="Erfgoed"))
    assert changed.status_code == 200 and changed.json()["sector"] == "Erfgoed"


def test_iban_change_over_the_api_needs_a_fresh_code(provider_api):
    provider, user, api = provider_api
    device = totp_device(user)
    refused = api.patch(f"/providers/{provider.pk}", _body(provider, iban="NL44RABO0123456789"))
    assert refused.status_code == 403
    assert refused.json()["type"] == "reauthentication-failed"
    wrong = "111111" if current_code(device) != "111111" else "222222"
    refused = api.patch(
        f"/providers/{provider.pk}", _body(provider, iban="NL44RABO0123456789", otp=wrong)
    )
    assert refused.status_code == 403
    ok = api.patch(
        f"/providers/{provider.pk}",
        _body(provider, iban="NL44RABO0123456789", otp=current_code(device)),
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["iban"] == "NL44RABO0123456789" and ok.json()["payout_hold"] is True
    assert AuditEntry.objects.filter(action="providers.provider.iban_changed").count() == 1


def test_admin_may_read_but_not_change_a_provider(admin_api):
    provider = ProviderFactory()
    assert admin_api.get(f"/providers/{provider.pk}").status_code == 200
    response = admin_api.patch(f"/providers/{provider.pk}", _body(provider))
    assert response.status_code == 403


def test_respond_then_admin_resumes_or_withdraws(provider_api, admin_api):
    provider, _, api = provider_api
    admin_api.post(f"/admin/providers/{provider.pk}/revoke", {"reason": "Misbruik."})
    response = api.post(f"/providers/{provider.pk}/revocation-response", {"response": "Niet waar."})
    assert response.status_code == 200 and response.json()["status"] == "revocation-on-hold"
    resumed = admin_api.post(f"/admin/providers/{provider.pk}/revocation/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "revocation-announced"
    withdrawn = admin_api.post(f"/admin/providers/{provider.pk}/revocation/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "accepted"


def test_respond_after_14_days_is_409(provider_api, admin_api):
    provider, _, api = provider_api
    admin_api.post(
        f"/admin/providers/{provider.pk}/revoke",
        {"reason": "Misbruik."},
        headers={"X-Clock": "2024-03-01T10:00:00+01:00"},
    )
    response = api.post(
        f"/providers/{provider.pk}/revocation-response",
        {"response": "Te laat."},
        headers={"X-Clock": "2024-03-16T10:00:00+01:00"},
    )
    assert response.status_code == 409 and response.json()["type"] == "response-period-over"


def test_individual_budget_mark(admin_api):
    provider = ProviderFactory()
    response = admin_api.post(
        f"/admin/providers/{provider.pk}/individual-budget", {"accepts": True}
    )
    assert response.status_code == 200 and response.json()["accepts_individual_budget"] is True


def test_revoke_providers_job_over_the_api(admin_api):
    provider = ProviderFactory()
    admin_api.post(
        f"/admin/providers/{provider.pk}/revoke",
        {"reason": "Misbruik."},
        headers={"X-Clock": "2024-03-01T10:00:00+01:00"},
    )
    clock = {"X-Clock": "2024-04-01T00:30:00+02:00"}
    first = admin_api.post("/admin/jobs/revoke-providers", {}, headers=clock)
    assert first.status_code == 200, first.content
    assert first.json() == {"revoked": [str(provider.pk)]}
    assert admin_api.post("/admin/jobs/revoke-providers", {}, headers=clock).json() == {
        "revoked": []
    }


def test_admin_routes_are_403_for_a_provider_even_for_an_unknown_id(provider_api):
    _, _, api = provider_api
    assert api.post("/admin/providers/999999/approve").status_code == 403
    assert api.get("/admin/providers").status_code == 403


def test_unknown_provider_is_404_for_the_admin(admin_api):
    assert admin_api.post("/admin/providers/999999/approve").status_code == 404
    assert admin_api.get("/providers/999999").status_code == 404
