"""Helpers to bring a school to the point where it can order, and to push orders through."""

from __future__ import annotations

import datetime as dt

from cultuurkaart.core import clock
from cultuurkaart.rosters.models import Person, RosterUpload
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

# Moments inside the ordering periods of the reference programmes.
VO_ORDER_AT = dt.datetime(2023, 10, 2, 10, 0, tzinfo=clock.AMSTERDAM)  # Monday, before 1 Nov
MBO_ORDER_AT = dt.datetime(2022, 11, 7, 10, 0, tzinfo=clock.AMSTERDAM)  # Monday


def with_roster(school, students: int = 3, teachers: int = 0, at: dt.datetime | None = None):
    """A full student upload on `at` (default: just after the programme's roster date)."""
    at = at or dt.datetime(2023, 9, 1, 9, 0, tzinfo=clock.AMSTERDAM)
    RosterUpload.objects.create(school=school, kind="students", uploaded_at=at, rows=students)
    Person.objects.bulk_create(
        [
            Person(school=school, kind="students", first_name="S", last_name=str(i))
            for i in range(students)
        ]
        + [
            Person(school=school, kind="teachers", first_name="T", last_name=str(i))
            for i in range(teachers)
        ]
    )
    return school


def ready_school(kind: str = "vo", duo: int = 500, **kwargs):
    """An active school with a DUO count and a roster uploaded after the roster date."""
    from cultuurkaart.schools.tests.factories import LocationFactory

    school = SchoolFactory(
        kind=kind, locations=[LocationFactory(kind=kind, students=duo)], **kwargs
    )
    at = dt.datetime(2023 if kind == "vo" else 2022, 9, 1, 9, 0, tzinfo=clock.AMSTERDAM)
    return with_roster(school, at=at)


def order_data(code: str = "vo-2024", kind: str = "initial", **numbers) -> dict:
    data = {"programme": code, "kind": kind, "with_contribution": 450, "without_contribution": 50}
    data.update(numbers)
    return data


__all__ = ["MBO_ORDER_AT", "VO_ORDER_AT", "order_data", "programme", "ready_school", "with_roster"]


def committed():
    """Run on-commit callbacks (mail) when the block ends, as a real commit would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
