import datetime as dt

import pytest

from cultuurkaart.core import calendar as core_calendar
from cultuurkaart.core import clock
from cultuurkaart.orders import calendar


def at(y, m, d, h=12, mi=0, s=0):
    return dt.datetime(y, m, d, h, mi, s, tzinfo=clock.AMSTERDAM)


@pytest.mark.parametrize(
    ("submitted", "deadline_day", "why"),
    [
        (at(2024, 1, 8), dt.date(2024, 1, 15), "plain week: Tue–Fri + Mon"),
        (at(2024, 1, 12), dt.date(2024, 1, 19), "submitted on a Friday"),
        (at(2024, 1, 13), dt.date(2024, 1, 19), "submitted on a Saturday"),
        # Easter 2024: Good Friday 29 March, Easter Monday 1 April.
        (at(2024, 3, 27), dt.date(2024, 4, 5), "skips Good Friday and Easter Monday"),
        (at(2024, 3, 28), dt.date(2024, 4, 8), "Thursday before Easter"),
        # Christmas 2023: 25 and 26 Dec (Mon, Tue); 1 Jan 2024 (Mon).
        (at(2023, 12, 22), dt.date(2024, 1, 3), "skips Christmas and New Year"),
        # Koningsdag 2024: Saturday 27 April (no effect on working days).
        (at(2024, 4, 24), dt.date(2024, 5, 1), "Koningsdag on a Saturday"),
        # Koningsdag 2023: Thursday 27 April.
        (at(2023, 4, 24), dt.date(2023, 5, 2), "skips Koningsdag 2023 (Thursday)"),
        # Koningsdag 2025: 27 April is a Sunday, so 26 April (Saturday): no weekday lost.
        (at(2025, 4, 21), dt.date(2025, 4, 28), "Easter Monday 2025 skipped"),
        # 2014: 27 April was a Sunday → Koningsdag Saturday 26 April.
        (at(2014, 4, 24), dt.date(2014, 5, 1), "2014 Koningsdag moved to Saturday"),
        (at(2024, 1, 8, 0, 0, 1), dt.date(2024, 1, 15), "just after midnight"),
        (at(2024, 1, 8, 23, 59, 59), dt.date(2024, 1, 15), "late evening counts as that day"),
    ],
)
def test_objection_deadline(submitted, deadline_day, why):
    deadline = calendar.objection_deadline(submitted)
    assert deadline == dt.datetime.combine(
        deadline_day, dt.time(23, 59, 59), tzinfo=clock.AMSTERDAM
    ), why


def test_deadline_uses_amsterdam_date_for_utc_input():
    # 23:30 UTC on Sunday 7 Jan = 00:30 Monday 8 Jan in Amsterdam.
    submitted = dt.datetime(2024, 1, 7, 23, 30, tzinfo=dt.UTC)
    assert calendar.objection_deadline(submitted).date() == dt.date(2024, 1, 15)


def test_working_days_know_the_dutch_holidays():
    assert not core_calendar.is_working_day(dt.date(2024, 3, 29))  # Good Friday
    assert not core_calendar.is_working_day(dt.date(2024, 4, 1))  # Easter Monday
    assert not core_calendar.is_working_day(dt.date(2023, 12, 25))
    assert not core_calendar.is_working_day(dt.date(2023, 12, 26))
    assert not core_calendar.is_working_day(dt.date(2023, 4, 27))  # Koningsdag
    assert not core_calendar.is_working_day(dt.date(2024, 5, 9))  # Ascension
    assert core_calendar.is_working_day(dt.date(2024, 4, 2))


@pytest.mark.parametrize(
    ("submitted", "first_day"),
    [
        (at(2024, 1, 10), dt.date(2024, 4, 11)),
        (at(2023, 11, 30), dt.date(2024, 3, 1)),  # 30 Feb → 29 Feb (leap) → 1 Mar
        (at(2022, 11, 30), dt.date(2023, 3, 1)),  # 28 Feb → 1 Mar
        (at(2023, 10, 31), dt.date(2024, 2, 1)),  # 31 Jan → 1 Feb
        (at(2023, 12, 31), dt.date(2024, 4, 1)),  # 31 Mar → 1 Apr
    ],
)
def test_unpaid_cancellation_from(submitted, first_day):
    assert calendar.unpaid_cancellation_from(submitted) == first_day


def test_koningsdag_moves_to_26_april_when_27_is_a_sunday():
    assert dt.date(2025, 4, 26) in core_calendar._holidays(2025)
    assert dt.date(2025, 4, 27) not in core_calendar._holidays(2025)
    assert dt.date(2024, 4, 27) in core_calendar._holidays(2024)
