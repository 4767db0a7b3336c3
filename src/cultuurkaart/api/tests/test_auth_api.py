import pytest
from django.test import Client, override_settings

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import ApiToken
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)

pytestmark = pytest.mark.django_db


def post_token(client, **data):
    return client.post("/api/v1/auth/token", data, content_type="application/json")


def test_token_for_a_role_without_two_factor(client, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    response = post_token(client, email=user.email.upper(), password=PASSWORD)
    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("ck_")
    stored = ApiToken.objects.get(user=user)
    assert token not in (stored.key_hash, stored.prefix)  # only a hash is stored
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_finance_roles_must_send_a_valid_otp(client, budget_holder):
    device = totp_device(budget_holder)
    response = post_token(client, email=budget_holder.email, password=PASSWORD)
    assert response.status_code == 401
    assert response.json()["type"] == "otp-required"
    assert (
        post_token(client, email=budget_holder.email, password=PASSWORD, otp="000000").status_code
        == 401
    )
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down retries after a wrong code
    response = post_token(
        client, email=budget_holder.email, password=PASSWORD, otp=current_code(device)
    )
    assert response.status_code == 201


def test_wrong_credentials_are_401_and_rate_limited(client, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    for _ in range(10):
        response = post_token(client, email=user.email, password="wrong")
        assert response.status_code == 401
        assert response.json()["type"] == "invalid-credentials"
    response = post_token(client, email=user.email, password=PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_revoked_token_stops_working(api_as, budget_holder):
    api = api_as(budget_holder)
    listing = api.get("/me/tokens").json()
    token_id = listing["results"][0]["id"]
    assert api.delete(f"/me/tokens/{token_id}").status_code == 204
    assert api.get("/me").status_code == 401


def test_tokens_create_and_list_through_the_api(api_as, budget_holder):
    api = api_as(budget_holder)
    device = totp_device(budget_holder)
    response = api.post(
        "/me/tokens", {"name": "SIS-koppeling", "password": PASSWORD, "otp": current_code(device)}
    )
    assert response.status_code == 201
    assert response.json()["token"].startswith("ck_")
    names = [t["name"] for t in api.get("/me/tokens").json()["results"]]
    assert "SIS-koppeling" in names
    assert "token" not in api.get("/me/tokens").json()["results"][0]


def test_session_auth_needs_csrf_and_two_factor(school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(f"/api/v1/schools/{school.pk}").status_code == 200
    response = client.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403  # no CSRF token
    holder = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    client = Client()
    client.force_login(holder)  # password only, no second factor yet
    assert client.get(f"/api/v1/schools/{school.pk}").status_code == 401


def test_clock_header_sets_now(admin_api):
    response = admin_api.post(
        "/admin/jobs/unknown-job", {}, headers={"X-Clock": "2024-03-28T10:00:00+01:00"}
    )
    assert response.status_code == 404
    assert response.json()["type"] == "unknown-job"


@override_settings(CK_ALLOW_CLOCK_OVERRIDE=False)
def test_clock_header_is_refused_outside_test_mode(client):
    response = client.get("/api/v1/programmes", headers={"X-Clock": "2024-03-28T10:00:00+01:00"})
    assert response.status_code == 400
    assert response.json()["type"] == "clock-override-refused"


def test_malformed_clock_header(client):
    response = client.get("/api/v1/programmes", headers={"X-Clock": "yesterday"})
    assert response.status_code == 400
    assert response.json()["type"] == "invalid-clock"
