"""Dossier lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md). A timeline pages by 20: 1 item against 20 shown."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user, with_role
from cultuurkaart.core.tests.querycount import assert_flat, occurrences, page_client
from cultuurkaart.dossier.constants import ViewChannel
from cultuurkaart.dossier.services import access
from cultuurkaart.dossier_transfer.tests.factories import add_media, png
from cultuurkaart.memberships.models import Membership
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import ItemFactory, dossier_school, student, teacher

pytestmark = pytest.mark.django_db


def _items(user, **fields):
    portfolio = access.portfolio_for(user)

    def add(n):
        for _ in range(n):
            add_media(ItemFactory(portfolio=portfolio, **fields), png())

    return add


def _person_id(user):
    return Membership.objects.get(user=user).person_id


def test_my_timeline():
    pupil = student(dossier_school())
    client = page_client(pupil)
    assert_flat(
        _items(pupil, visibility="private"),
        lambda: client.get("/mijn-dossier/"),
        rows=occurrences('data-testid="dossier-item"'),
    )


def test_my_class_wall():
    school = dossier_school()
    me = student(school)

    def add(n):
        for _ in range(n):
            _items(student(school), visibility="class")(1)

    client = page_client(me)
    assert_flat(
        add,
        lambda: client.get("/mijn-dossier/klas/"),
        rows=occurrences('data-testid="dossier-item"'),
    )


def test_school_student_list():
    school = dossier_school()
    client = page_client(teacher(school))

    def add(n):
        for i in range(n):
            student(school, group=f"{i % 4 + 1}A")

    assert_flat(add, lambda: client.get(f"/school/{school.pk}/dossier/leerlingen/"))


def test_school_student_portfolio_page():
    school = dossier_school()
    pupil = student(school)
    staff = teacher(school)
    client = page_client(staff)
    url = f"/school/{school.pk}/dossier/leerlingen/{_person_id(pupil)}/"
    assert_flat(
        _items(pupil), lambda: client.get(url), rows=occurrences('data-testid="dossier-item"')
    )


def test_api_student_portfolio(api_as):
    school = dossier_school()
    pupil = student(school)
    api = api_as(teacher(school))
    assert_flat(
        _items(pupil),
        lambda: api.get(f"/schools/{school.pk}/students/{_person_id(pupil)}/portfolio"),
    )


def test_api_my_items(api_as):
    pupil = student(dossier_school())
    api = api_as(pupil)
    assert_flat(_items(pupil), lambda: api.get("/me/portfolio/items"))


def _views(school):
    def add(n):
        for _ in range(n):
            pupil = student(school)
            access.log_view(teacher(school), access.portfolio_for(pupil), school, ViewChannel.PAGE)

    return add


def test_school_view_log():
    school = dossier_school()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    client = page_client(bh)
    assert_flat(_views(school), lambda: client.get(f"/school/{school.pk}/dossier/inzage/"))


def test_api_view_log(api_as):
    school = dossier_school()
    api = api_as(with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school))
    assert_flat(_views(school), lambda: api.get(f"/schools/{school.pk}/dossier/views"))


def test_backoffice_dossier_schools():
    client = page_client(admin_user())

    def add(n):
        for i in range(n):
            (dossier_school if i % 2 else SchoolFactory)()

    assert_flat(add, lambda: client.get("/backoffice/dossier/"))
