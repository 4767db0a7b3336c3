"""Back-office lists of the schools domain take the same number of queries for 1 and 50 rows
(issue 14, point 3; inventory in docs/query-counts.md)."""

from __future__ import annotations

import itertools

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core import audit
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import BudgetHolderChange, RegistryImport

from .factories import SchoolFactory, programme

pytestmark = pytest.mark.django_db

_seq = itertools.count()


def _pending_schools(n):
    for _ in range(n):
        SchoolFactory(status=SchoolStatus.PENDING)


def _programmes(n):
    base = programme()
    for _ in range(n):
        base.pk = None
        base.code = f"qc-{next(_seq)}"
        base.follows = None
        base.save()


def _registry_imports(n):
    actor = admin_user()
    RegistryImport.objects.bulk_create(
        RegistryImport(kind="vo", filename=f"duo{i}.csv", rows=1, imported_by=actor)
        for i in range(n)
    )


def _audit_entries(n):
    for _ in range(n):
        actor = UserFactory()
        audit.record("schools.school.approved", actor=actor, obj=SchoolFactory())


def _users(n):
    for _ in range(n):
        with_role(
            UserFactory(email=f"zoek{next(_seq)}@example.org"),
            RoleName.BUDGET_HOLDER,
            school=SchoolFactory(),
        )


def _budget_holder_changes(n):
    for _ in range(n):
        school = SchoolFactory()
        current = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
        BudgetHolderChange.objects.create(
            school=school,
            requested_by=UserFactory(),
            name="Nieuw",
            email="nieuw@example.org",
            replaces=current,
        )


PAGES = {
    "registrations": ("/backoffice/aanmeldingen/", _pending_schools),
    "programmes": ("/backoffice/programmas/", _programmes),
    "registry": ("/backoffice/register/", _registry_imports),
    "audit": ("/backoffice/audit/", _audit_entries),
    "users": ("/backoffice/gebruikers/?zoek=zoek", _users),
    "budget-holder-changes": ("/backoffice/budgethouders/", _budget_holder_changes),
}


@pytest.mark.parametrize("name", PAGES)
def test_backoffice_list_pages(name):
    url, add = PAGES[name]
    client = page_client(admin_user())
    assert_flat(add, lambda: client.get(url))


API = {
    "admin-schools": ("/admin/schools?status=pending", _pending_schools),
    "programmes": ("/programmes", _programmes),
}


@pytest.mark.parametrize("name", API)
def test_api_lists(name, admin_api):
    path, add = API[name]
    assert_flat(add, lambda: admin_api.get(path))
