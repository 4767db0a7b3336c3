"""Web-order lists of the API and the exports take the same number of queries for 1 and 50
web orders (issue 14, point 3; inventory in docs/query-counts.md). The school page, the
provider page and the back-office worklist are covered by
test_pages.test_lists_take_a_fixed_number_of_queries."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders import services

from .factories import SPEND_AT, WebOrderFactory, fund, provider_person

pytestmark = pytest.mark.django_db

AT = SPEND_AT.isoformat()


@pytest.fixture
def world():
    school = SchoolFactory()
    fund(school, school_amount="10000.00")
    provider, person = provider_person()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    return school, bh, provider, person


def _weborders(*, school=None, provider=None, approved=False):
    """n web orders; each from a new provider (school given) or to a new, funded school."""

    def add(n):
        for _ in range(n):
            to = school or SchoolFactory()
            if approved and school is None:
                fund(to, school_amount="100.00")
            wo = WebOrderFactory(school=to, provider=provider or ProviderFactory())
            if approved:
                with clock.frozen(SPEND_AT):
                    services.approve_weborder(wo)

    return add


@pytest.mark.parametrize("status", ["", "?status=pending"])
def test_api_school_list(world, api_as, status):
    school, bh, _provider, _person = world
    api = api_as(bh, clock=AT)
    assert_flat(
        _weborders(school=school), lambda: api.get(f"/schools/{school.pk}/weborders{status}")
    )


def test_api_provider_list(world, api_as):
    _school, _bh, provider, person = world
    api = api_as(person, clock=AT)
    assert_flat(_weborders(provider=provider), lambda: api.get("/weborders"))


def test_api_admin_worklist(api_as):
    api = api_as(admin_user(), clock=AT)
    assert_flat(_weborders(approved=True), lambda: api.get("/admin/weborders"))


def test_school_export_api(world, api_as):
    school, bh, _provider, _person = world
    api = api_as(bh, clock=AT)
    assert_flat(
        _weborders(school=school, approved=True),
        lambda: api.get(f"/schools/{school.pk}/weborders/export.xlsx"),
        rows=None,
    )


def test_school_export_page(world):
    school, bh, _provider, _person = world
    client = page_client(bh)
    assert_flat(
        _weborders(school=school, approved=True),
        lambda: client.get(f"/school/{school.pk}/webbestellingen/export.xlsx"),
        rows=None,
    )


def test_provider_export_page(world):
    _school, _bh, provider, person = world
    client = page_client(person)
    assert_flat(
        _weborders(provider=provider, approved=True),
        lambda: client.get(f"/aanbieder/{provider.pk}/webbestellingen/export.xlsx"),
        rows=None,
    )
