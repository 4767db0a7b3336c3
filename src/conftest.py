"""Shared pytest fixtures: API clients with tokens, people with roles."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.schools.tests.factories import SchoolFactory


class ApiClient:
    """A JSON client for /api/v1 that authenticates with a personal token."""

    def __init__(self, user=None, clock: str | None = None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        self.user = user
        if user is not None:
            _, raw = accounts.create_api_token(user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"
        if clock:
            self.headers["X-Clock"] = clock

    def _call(self, method, path, data=None, headers=None, **kwargs):
        url = path if path.startswith("/api/") else "/api/v1" + path
        all_headers = {**self.headers, **(headers or {})}
        if data is not None and "content_type" not in kwargs and method not in ("get",):
            kwargs["content_type"] = "application/json"
            data = json.dumps(data)
        return getattr(self.client, method)(url, data=data, headers=all_headers, **kwargs)

    def get(self, path, data=None, **kw):
        return self._call("get", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data if data is not None else {}, **kw)

    def put(self, path, data=None, **kw):
        return self._call("put", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, None, **kw)


def _load_reference_data() -> None:
    """Programmes, terms and taxonomies come from data migrations; a transactional test (live
    server) flushes them, so they are put back before each database test."""
    import importlib

    from django.apps import apps as django_apps

    from cultuurkaart.core.models import TermsVersion
    from cultuurkaart.schools.models import Programme

    if not Programme.objects.filter(code="vo-2024").exists():
        importlib.import_module("cultuurkaart.schools.migrations.0002_programmes").load(
            django_apps, None
        )
    if not TermsVersion.objects.exists():
        importlib.import_module("cultuurkaart.core.migrations.0002_terms").load(django_apps, None)
    from cultuurkaart.marketplace.models import Term

    if not Term.objects.exists():
        importlib.import_module("cultuurkaart.marketplace.migrations.0002_seed_taxonomies").seed(
            django_apps, None
        )
    from cultuurkaart.cmk import seed as cmk_seed
    from cultuurkaart.cmk.models import Programme as CmkProgramme

    if not CmkProgramme.objects.filter(code=cmk_seed.CODE).exists():
        cmk_seed.load(django_apps.get_model)
    from cultuurkaart.cmk_evaluation import seed as cmk_budget_seed
    from cultuurkaart.cmk_evaluation.models import BudgetYear

    if not BudgetYear.objects.filter(programme__code=cmk_budget_seed.CODE).exists():
        cmk_budget_seed.load(django_apps.get_model)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
        _load_reference_data()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )


@pytest.fixture
def api_as():
    """api_as(user, clock=None) → ApiClient authenticated as `user` (None = anonymous)."""
    return ApiClient


@pytest.fixture
def admin(db):
    return with_role(UserFactory(), RoleName.ADMIN)


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def budget_holder(school):
    return with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


@pytest.fixture
def admin_api(admin):
    return ApiClient(admin)


@pytest.fixture
def bh_api(budget_holder):
    return ApiClient(budget_holder)


# --- browser tests ---------------------------------------------------------------------
import os  # noqa: E402
import shutil  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    return (
        os.environ.get("CK_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    """Playwright driving Debian's chromium. Skipped when chromium is missing, unless
    CK_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""
    path = _chromium_path()
    if path is None:
        if os.environ.get("CK_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (CK_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("chromium not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser page; `page.base_url` is the live server's address."""
    settings.CK_SITE_URL = live_server.url
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.base_url = live_server.url
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, settings):
    """A phone-sized page (mobile-first flows such as activation)."""
    settings.CK_SITE_URL = live_server.url
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.base_url = live_server.url
    page.set_default_timeout(15000)
    yield page
    context.close()
