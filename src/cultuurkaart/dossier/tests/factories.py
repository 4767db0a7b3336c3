"""Dossier test data: a school with the dossier on, students with a roster entry, an active
membership and the student role, teachers with the teacher role, items."""

from __future__ import annotations

import datetime as dt
import secrets

import factory

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.dossier.models import Enablement, Item, Portfolio
from cultuurkaart.memberships.constants import MemberKind, MembershipStatus, ProgrammeMark
from cultuurkaart.memberships.models import Membership
from cultuurkaart.memberships.tests.factories import PersonFactory
from cultuurkaart.schools.tests.factories import SchoolFactory

A = clock.AMSTERDAM
NOW = dt.datetime(2024, 3, 4, 10, 0, tzinfo=A)


def dossier_school(kind: str = "vo", *, groups: tuple[str, ...] = ("",), **kwargs):
    """A school with the dossier enabled for the whole school (`""`) or the given classes."""
    school = SchoolFactory(kind=kind, **kwargs)
    for group in groups:
        Enablement.objects.create(school=school, group=group)
    return school


def student(school, *, group: str = "3B", birth_date=None, **user_kwargs):
    """A student user: roster entry, active membership (birth date for the age rule) and
    the student role at `school`."""
    person = PersonFactory(school=school, group=group)
    user = with_role(UserFactory(**user_kwargs), RoleName.STUDENT, school=school)
    programme = school.programmes.first()
    Membership.objects.create(
        user=user,
        school=school,
        person=person,
        programme=programme,
        kind=MemberKind.STUDENT,
        mark=ProgrammeMark.CULTUURKAART,
        first_name="Sanne",
        last_name="de Vries",
        birth_date=birth_date,
        valid_until=dt.date(2099, 7, 31),
        status=MembershipStatus.ACTIVE,
        pass_key=secrets.token_urlsafe(12),
    )
    return user


def teacher(school, role: str = RoleName.TEACHER, **user_kwargs):
    return with_role(UserFactory(**user_kwargs), role, school=school)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    portfolio = factory.LazyFunction(lambda: Portfolio.objects.create(owner=UserFactory()))
    type = "post"
    title = factory.Sequence(lambda n: f"Bericht {n}")
    body = "<p>Tekst</p>"
    occurred_on = dt.date(2024, 3, 1)
