"""Issue 8, point 9: public API endpoints need no CSRF token; token calls never need one;
calls made with a signed-in browser session keep the CSRF check."""

import json

import pytest
from django.test import Client

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import LocationFactory

from .test_schools_api import body

pytestmark = pytest.mark.django_db


def _post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def browser():
    """A client that enforces CSRF like a real browser request without the token."""
    return Client(enforce_csrf_checks=True)


def test_public_registration_without_a_token_or_csrf(browser):
    LocationFactory(code="00AA01", students=640)
    response = _post(browser, "/api/v1/schools", body())
    assert response.status_code == 201, response.content
    assert School.objects.get(pk=int(response.json()["id"])).status == "pending"


def test_public_registration_with_an_anonymous_session_cookie_needs_no_csrf(browser):
    LocationFactory(code="00AA01", students=640)
    browser.get("/aanmelden/")  # a visitor who looked at the site first
    browser.cookies["sessionid"] = "not-a-signed-in-session"
    response = _post(browser, "/api/v1/schools", body())
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        ("/api/v1/activations", {"code": "ABCDEFGHJK"}, 404),
        (
            "/api/v1/code-requests",
            {"school_number": "x", "first_name": "A", "last_name": "B", "email": "a@b.example"},
            422,
        ),
        ("/api/v1/auth/token", {"email": "nobody@example.org", "password": "x"}, 401),
    ],
)
def test_other_public_endpoints_need_no_csrf(browser, url, data, status):
    response = _post(browser, url, data)
    assert response.status_code == status, response.content
    assert "csrf" not in response.content.decode().lower()


def test_token_calls_never_need_csrf(browser, school):
    user = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    _, raw = accounts.create_api_token(user, name="t")
    browser.force_login(user)  # even with a session cookie next to the token
    response = _post(
        browser,
        f"/api/v1/schools/{school.pk}/roster/students",
        {"first_name": "Sem", "last_name": "Jansen"},
        Authorization=f"Bearer {raw}",
    )
    # past authentication: the roster's own field rules answer
    assert response.status_code == 422, response.content
    assert response.json()["type"] == "validation-error"


def test_session_calls_keep_the_csrf_check(browser, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    browser.force_login(user)
    response = _post(browser, "/api/v1/me/deletion-request", {})
    assert response.status_code == 403
    # with the token from the cookie the same call goes through
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value
    response = _post(browser, "/api/v1/me/deletion-request", {}, **{"X-CSRFToken": token})
    assert response.status_code != 403, response.content


def test_registration_by_a_signed_in_session_without_csrf_is_refused(browser, school):
    """A forged cross-site post must not register a school in a signed-in user's name."""
    LocationFactory(code="00AA01", students=640)
    browser.force_login(with_role(UserFactory(), RoleName.ADMIN))
    response = _post(browser, "/api/v1/schools", body())
    assert response.status_code == 403
    assert not School.objects.filter(status="pending").exists()
