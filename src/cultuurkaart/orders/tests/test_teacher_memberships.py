"""Teacher memberships beyond the number ordered are refused at activation (issue 8
point 16, decision M8-7): the allowance is the teachers on the school's live orders of
the programme (free ones included); MBO teacher memberships are free and unlimited."""

import datetime as dt

import pytest

from cultuurkaart.core import clock
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.models import Membership
from cultuurkaart.memberships.tests.factories import PersonFactory, activation_data
from cultuurkaart.orders import services
from cultuurkaart.rosters.constants import RosterKind

from .factories import VO_ORDER_AT, committed, order_data, ready_school

pytestmark = pytest.mark.django_db

NOW = "2023-10-05T10:00:00+02:00"


def staff(school):
    return PersonFactory(school=school, kind=RosterKind.TEACHERS, year=None, group="")


def activate(api_as, person, n):
    code = memberships.issue_code(person)
    return api_as(None, clock=NOW).post(
        "/activations",
        {"code": code, **activation_data(email=f"docent{n}@example.org")},
        REMOTE_ADDR=f"10.1.0.{n}",
    )


def submit(school, **numbers):
    with clock.frozen(VO_ORDER_AT), committed():
        return services.submit_order(school, order_data(**numbers), actor=None)


def test_teacher_memberships_up_to_the_number_ordered(api_as):
    school = ready_school(duo=500)
    submit(school, teachers=2)
    people = [staff(school) for _ in range(4)]
    assert activate(api_as, people[0], 1).status_code == 201
    assert activate(api_as, people[1], 2).status_code == 201
    r = activate(api_as, people[2], 3)
    assert r.status_code == 409
    assert r.json()["type"] == "teacher-memberships-exhausted"
    assert Membership.objects.filter(school=school, kind="teacher").count() == 2
    # Students are not limited by the teacher number.
    assert activate(api_as, PersonFactory(school=school), 9).status_code == 201
    # A supplementary order with one more teacher makes room for one more.
    with clock.frozen(VO_ORDER_AT + dt.timedelta(days=1)), committed():
        services.submit_order(
            school,
            order_data(
                kind="supplementary", with_contribution=1, without_contribution=0, teachers=1
            ),
            actor=None,
        )
    assert activate(api_as, people[2], 4).status_code == 201
    assert activate(api_as, people[3], 5).status_code == 409


def test_no_live_order_no_paid_teacher_membership(api_as):
    school = ready_school(duo=500)
    order = submit(school, teachers=5)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(hours=1)), committed():
        services.cancel_order(order, actor=None)
    r = activate(api_as, staff(school), 1)
    assert r.status_code == 409 and r.json()["type"] == "teacher-memberships-exhausted"


def test_mbo_teacher_memberships_are_free_and_unlimited(api_as):
    school = ready_school(kind="mbo", duo=500)
    r = api_as(None, clock="2022-11-07T10:00:00+01:00").post(
        "/activations",
        {"code": memberships.issue_code(staff(school)), **activation_data(email="d@example.org")},
    )
    assert r.status_code == 201, r.content


def test_allowance_counts_live_orders_only():
    from cultuurkaart.orders.queries import teacher_allowance

    school = ready_school(duo=500)
    order = submit(school, teachers=7)
    assert teacher_allowance(school, order.programme) == 7
    with clock.frozen(VO_ORDER_AT + dt.timedelta(hours=1)), committed():
        services.cancel_order(order, actor=None)
    assert teacher_allowance(school, order.programme) == 0
