"""Year-end lists and exports take the same number of queries for 1 and 50 schools (issue
14, point 3; inventory in docs/query-counts.md). A closed year or a done redistribution
cannot be redone, so those are measured inside a savepoint that is rolled back."""

from __future__ import annotations

import pytest
from django.db import transaction

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core import clock, jobs
from cultuurkaart.core.tests.querycount import (
    FEW,
    MANY,
    _explain,
    assert_flat,
    count_queries,
    page_client,
)
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.tests.factories import fund

from .factories import MIDNIGHT, Q1, memberships, next_programme

pytestmark = pytest.mark.django_db


def _schools(n):
    for _ in range(n):
        school = SchoolFactory(refund_iban="NL91ABNA0417164300")
        fund(school, school_amount="10.00", ocw="5.00")
        memberships(school, 2)


@pytest.fixture
def staff():
    return page_client(admin_user())


def test_close_year_confirmation(staff):
    with clock.frozen(MIDNIGHT):
        assert_flat(_schools, lambda: staff.get("/backoffice/jaarafsluiting/vo-2024/"), rows=None)


def test_redistribution_confirmation(staff):
    next_programme()
    with clock.frozen(Q1):
        assert_flat(_schools, lambda: staff.get("/backoffice/herverdeling/vo-2024/"), rows=None)


def _after_job(n, at, run, url, client):
    """Queries of `url` after `run` with n schools; everything rolled back afterwards."""
    with transaction.atomic(), clock.frozen(at):
        _schools(n)
        run()
        response, sql = count_queries(lambda: client.get(url))
        transaction.set_rollback(True)
    return response, sql


def _close():
    jobs.run("close-year", {"programme": "vo-2024"})


def _redistribute():
    jobs.run("redistribute-ocw", {"programme": "vo-2024", "next_programme": "vo-2025"})


@pytest.mark.parametrize(
    ("at", "run", "url"),
    [
        (MIDNIGHT, _close, "/backoffice/jaarafsluiting/vo-2024/"),
        (MIDNIGHT, _close, "/backoffice/jaarafsluiting/vo-2024/jaarafsluiting.xlsx"),
        (Q1, _redistribute, "/backoffice/herverdeling/vo-2024/"),
        (Q1, _redistribute, "/backoffice/herverdeling/vo-2024/herverdeling.xlsx"),
    ],
    ids=["close-report", "close-xlsx", "redistribution-report", "redistribution-xlsx"],
)
def test_reports_after_the_job(staff, at, run, url):
    next_programme()
    _after_job(FEW, at, run, url, staff)  # warm-up
    _few, few_sql = _after_job(FEW, at, run, url, staff)
    _many, many_sql = _after_job(MANY, at, run, url, staff)
    assert len(many_sql) == len(few_sql), _explain(few_sql, many_sql)
