"""Back-office job pages and the start pages take the same number of queries for 1 and 50
rows (issue 14, point 3; inventory in docs/query-counts.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.models import JobRun
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.schools.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

JOB = "cancel-unpaid"


def _runs(name=JOB):
    actor = admin_user()

    def add(n):
        now = clock.now()
        JobRun.objects.bulk_create(
            JobRun(
                name=name,
                trigger="admin",
                actor=actor,
                started_at=now - dt.timedelta(minutes=i),
                finished_at=now,
                status="ok" if i % 3 else "failed",
            )
            for i in range(n)
        )

    return add


def test_job_list():
    """Runs of one job: the list shows the last five per job, a fixed number of queries."""
    client = page_client(admin_user())
    assert_flat(_runs(), lambda: client.get("/backoffice/taken/"), rows=None)


def test_job_detail():
    client = page_client(admin_user())
    assert_flat(_runs(), lambda: client.get(f"/backoffice/taken/{JOB}/"))


def test_school_dashboard_of_a_person_with_many_schools():
    user = UserFactory()
    first = SchoolFactory()
    with_role(user, RoleName.BUDGET_HOLDER, school=first)

    def add(n):
        for _ in range(n):
            with_role(user, RoleName.BUDGET_HOLDER, school=SchoolFactory())

    client = page_client(user)
    assert_flat(add, lambda: client.get(f"/school/{first.pk}/"), rows=None)


def test_backoffice_dashboard():
    client = page_client(admin_user())

    def add(n):
        for _ in range(n):
            SchoolFactory(status="pending")

    assert_flat(add, lambda: client.get("/backoffice/"), rows=None)
