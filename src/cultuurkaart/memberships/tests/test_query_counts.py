"""Membership lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md)."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.memberships import services
from cultuurkaart.memberships.constants import MemberKind, ProgrammeMark
from cultuurkaart.memberships.models import CodeRequest, Membership
from cultuurkaart.rosters.constants import RosterKind
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

from .factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return SchoolFactory()


@pytest.fixture
def bh(school):
    return with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)


def _memberships(school, n, kind=MemberKind.TEACHER):
    roster_kind = RosterKind.TEACHERS if kind == MemberKind.TEACHER else RosterKind.STUDENTS
    Membership.objects.bulk_create(
        Membership(
            user=UserFactory(),
            school=school,
            person=PersonFactory(school=school, kind=roster_kind),
            programme=programme(),
            kind=kind,
            mark=ProgrammeMark.CULTUURKAART,
            first_name=f"Naam{i}",
            last_name="Docent",
            valid_until=dt.date(2024, 12, 31),
            pass_key=secrets.token_hex(16),
        )
        for i in range(n)
    )


def _docent_plus(school):
    def add(n):
        before = set(Membership.objects.values_list("pk", flat=True))
        _memberships(school, n)
        for m in Membership.objects.exclude(pk__in=before)[: max(1, n // 2)]:
            with_role(m.user, RoleName.DOCENT_PLUS, school=school)

    return add


def _code_requests(school):
    def add(n):
        for _ in range(n):
            person = PersonFactory(school=school)
            CodeRequest.objects.create(
                school=school,
                kind=RosterKind.STUDENTS,
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
            )

    return add


def _codes(school):
    def add(n):
        for _ in range(n):
            services.issue_code(PersonFactory(school=school))

    return add


def test_docent_plus_page(school, bh):
    client = page_client(bh)
    assert_flat(_docent_plus(school), lambda: client.get(f"/school/{school.pk}/docenten-plus/"))


def test_code_request_page(school, bh):
    client = page_client(bh)
    assert_flat(_code_requests(school), lambda: client.get(f"/school/{school.pk}/code-aanvragen/"))


def test_api_docent_plus(school, bh, api_as):
    api = api_as(bh)
    assert_flat(_docent_plus(school), lambda: api.get(f"/schools/{school.pk}/docent-plus"))


def test_api_code_requests(school, bh, api_as):
    api = api_as(bh)
    assert_flat(_code_requests(school), lambda: api.get(f"/schools/{school.pk}/code-requests"))


def test_api_activation_codes(school, bh, api_as):
    api = api_as(bh)
    assert_flat(_codes(school), lambda: api.get(f"/schools/{school.pk}/activation-codes"))


def test_api_admin_memberships(admin_api):
    school = SchoolFactory()
    assert_flat(
        lambda n: _memberships(school, n, MemberKind.STUDENT),
        lambda: admin_api.get(f"/admin/memberships?school={school.pk}"),
    )
