"""WCAG 2.1 A/AA checks (axe-core) on the year-end pages of the school and the back office."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.portals.tests.test_accessibility import sign_in, violations
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders.tests.factories import fund
from cultuurkaart.yearend import services

from .factories import MIDNIGHT, Q1, memberships, next_programme, paid_order, release_individual


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_year_end_pages_have_no_wcag_violations(page):
    school = SchoolFactory(name="Het Amstel Lyceum", refund_iban="NL91ABNA0417164300")
    fund(school, school_amount="123.45", ocw="55.00", third="20.00")
    release_individual(school, programme(), "11.00")
    paid_order(school, with_contribution=10)
    memberships(school, 5)
    next_programme()
    with clock.frozen(MIDNIGHT):
        services.close_year(programme())
    found = []
    sign_in(page, with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school))
    found += violations(page, f"/school/{school.pk}/budget/?programme=vo-2024")
    found += violations(page, f"/school/{school.pk}/jaarafrekening/vo-2024/")
    page.context.clear_cookies()
    sign_in(page, with_role(UserFactory(), RoleName.ADMIN))
    for path in (
        "/backoffice/jaarafsluiting/",
        "/backoffice/jaarafsluiting/vo-2024/",
        "/backoffice/jaarafsluiting/mbo-pilot/",  # not closed: the confirmation step
        "/backoffice/herverdeling/vo-2024/",  # not run: the confirmation step
    ):
        found += violations(page, path)
    with clock.frozen(Q1):
        services.redistribute_ocw(programme(), next_programme())
    found += violations(page, "/backoffice/herverdeling/vo-2024/")  # the report
    assert found == [], "\n".join(found)
