"""Roster lists: the API list and the Excel exports take the same number of queries for 1
and 50 people (issue 14, point 3; the page is covered by test_pages
test_list_query_count_does_not_grow_with_rows; inventory in docs/query-counts.md)."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.memberships import services as memberships
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return SchoolFactory()


@pytest.fixture
def bh(school):
    return with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


def _people(school, kind=RosterKind.STUDENTS):
    def add(n):
        for _ in range(n):
            memberships.issue_code(PersonFactory(school=school, kind=kind))

    return add


@pytest.mark.parametrize("kind", [RosterKind.STUDENTS, RosterKind.TEACHERS])
def test_api_list(school, bh, api_as, kind):
    api = api_as(bh)
    assert_flat(_people(school, kind), lambda: api.get(f"/schools/{school.pk}/roster/{kind}"))


def test_api_export(school, bh, api_as):
    api = api_as(bh)
    assert_flat(
        _people(school),
        lambda: api.get(f"/schools/{school.pk}/roster/students/export.xlsx"),
        rows=None,
    )


def test_page_export(school, bh):
    client = page_client(bh)
    assert_flat(
        _people(school), lambda: client.get(f"/school/{school.pk}/studenten/export.xlsx"), rows=None
    )
