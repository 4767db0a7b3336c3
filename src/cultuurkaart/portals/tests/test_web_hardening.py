"""Issue 8, point 8 and 22: Content-Security-Policy, no-store, request-body limits, error
pages (tests run with DEBUG off, conf/test.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.tests.factories import PersonFactory, activated

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2]


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


# --- Content-Security-Policy ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/activeren/", "/accounts/login/", "/aanmelden/"])
def test_pages_carry_a_policy_without_inline_script_or_style(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


def test_the_pass_page_and_api_responses_carry_the_policy(client, school):
    membership = activated(PersonFactory(school=school))
    client.force_login(membership.user)
    assert "'unsafe-inline'" not in client.get("/mijn-pas/")["Content-Security-Policy"]
    assert "default-src 'self'" in client.get("/api/v1/me/pass")["Content-Security-Policy"]


def test_swagger_ui_is_served_under_the_same_policy(client):
    """Its vendored files need nothing inline (test_csp_browser.py renders it)."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "<script src=" in response.content.decode()


TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))


def test_templates_have_no_inline_script_handlers_or_style():
    """The policy allows no inline code: every script is a static file, every style in CSS."""
    assert len(TEMPLATES) > 50
    offenders = []
    for template in TEMPLATES:
        text = template.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style[\s>]",
        ):
            for match in re.finditer(pattern, text):
                offenders.append(f"{template.relative_to(SRC)}: {match.group(0)}")
    assert offenders == []


def test_every_static_file_a_template_names_exists():
    """Moving inline code to files must not leave a dangling reference."""
    static_root = SRC / "portals" / "static"
    names = set()
    for template in TEMPLATES:
        names.update(re.findall(r"{% static '([^']+)' %}", template.read_text()))
    assert {"ck/js/print.js", "ck/js/error-summary.js", "ck/js/activate.js"} <= names
    assert [n for n in names if not (static_root / n).is_file()] == []


# --- Cache-Control ------------------------------------------------------------------------


def test_signed_in_pages_are_no_store(client, school):
    membership = activated(PersonFactory(school=school))
    client.force_login(membership.user)
    response = client.get("/mijn-pas/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_responses_with_a_token_are_no_store(api_as, school):
    user = with_role(UserFactory(), RoleName.TEACHER, school=school)
    response = api_as(user).get("/me")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_the_public_pass_check_with_a_name_is_no_store(client, school):
    membership = activated(PersonFactory(school=school))
    url = memberships.pass_verification_url(membership).removeprefix(settings.CK_SITE_URL)
    response = client.get(url)
    assert response.status_code == 200
    assert membership.first_name in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_error_responses_are_no_store(client):
    assert client.get("/bestaat-niet/")["Cache-Control"] == "no-store"


# --- request-body limits -----------------------------------------------------------------

BIG_JSON = json.dumps({"x": "a" * (5 * 1024 * 1024)})


def test_a_5_mb_json_body_gets_413_problem_json(api_as):
    response = api_as(None).post("/schools", BIG_JSON, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "request-too-large"


def test_a_5_mb_json_body_with_a_token_gets_413(api_as, budget_holder, school):
    response = api_as(budget_holder).post(
        f"/schools/{school.pk}/invitations", BIG_JSON, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_a_too_large_form_gets_the_413_page(client):
    response = client.post("/accounts/login/", {"email": "a@b.example", "password": "x" * 2**21})
    assert response.status_code == 413
    html = response.content.decode()
    assert "Te veel gegevens verstuurd" in html and 'class="site-header"' in html


def test_the_413_page_in_english_for_english_users(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/accounts/login/", {"email": "a@b.example", "password": "x" * 2**21})
    assert response.status_code == 413
    assert "Too much data sent" in response.content.decode()


def test_a_roster_file_larger_than_the_body_limit_is_still_accepted(bh_api, school):
    """File uploads keep their own, larger limit (CK_MAX_UPLOAD_BYTES)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    blob = SimpleUploadedFile("lijst.xlsx", b"\0" * (3 * 1024 * 1024))
    assert blob.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = bh_api.client.post(
        f"/api/v1/schools/{school.pk}/roster/students/validate",
        {"file": blob},
        headers=bh_api.headers,
    )
    assert response.status_code != 413
    assert response.json()["type"] == "unreadable-file"


def test_a_multipart_body_above_the_upload_limit_gets_413(bh_api, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    blob = SimpleUploadedFile("lijst.xlsx", b"\0" * (settings.CK_MAX_MULTIPART_BYTES + 1))
    response = bh_api.client.post(
        f"/api/v1/schools/{school.pk}/roster/students/validate",
        {"file": blob},
        headers=bh_api.headers,
    )
    assert response.status_code == 413
    assert response.json()["type"] == "request-too-large"


# --- error pages ----------------------------------------------------------------------------


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


def _bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("bad")


urlpatterns = [
    path("boom/", _boom),
    path("verboden/", _forbidden),
    path("fout/", _bad),
]


@pytest.fixture
def with_error_views(settings):
    from cultuurkaart.conf import urls

    settings.ROOT_URLCONF = type(
        "ErrorUrls",
        (),
        {
            "urlpatterns": urlpatterns + urls.urlpatterns,
            "handler400": urls.handler400,
            "handler403": urls.handler403,
            "handler404": urls.handler404,
            "handler500": urls.handler500,
        },
    )
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/bestaat-niet/", 404, "Pagina niet gevonden"),
        ("/verboden/", 403, "Geen toegang"),
        ("/fout/", 400, "Verzoek niet begrepen"),
        ("/boom/", 500, "Er ging iets mis"),
    ],
)
def test_error_pages_in_the_site_layout_in_dutch_with_a_way_back(
    with_error_views, url, status, title
):
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert title in html
    assert 'class="site-header"' in html and "ck/css/app.css" in html
    assert 'data-testid="error-home" href="/"' in html or 'href="/" data-testid="error-home"' in (
        html
    )


@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/bestaat-niet/", 404, "Page not found"),
        ("/verboden/", 403, "Access denied"),
        ("/boom/", 500, "Something went wrong"),
    ],
)
def test_error_pages_in_english_for_english_users(with_error_views, url, status, title):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="en">' in html and title in html


def broken_context_processor(request):
    raise RuntimeError("database down")


def test_the_500_page_renders_when_the_layout_itself_fails(with_error_views, settings):
    import copy

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(f"{__name__}.broken_context_processor")
    settings.TEMPLATES = templates
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()


def test_a_csrf_failure_shows_the_403_page(client):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"email": "a@b.example", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Het formulier is verlopen" in html and 'class="site-header"' in html


def test_unknown_api_paths_get_problem_json(client):
    response = client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "not-found"
