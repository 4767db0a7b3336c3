"""The date rules of budget orders (SPEC §5). Working days come from the one calendar,
`core.calendar`."""

from __future__ import annotations

import datetime as dt

from cultuurkaart.core import clock
from cultuurkaart.core.calendar import add_months_clamped, add_working_days

OBJECTION_WORKING_DAYS = 5


def objection_deadline(submitted_at: dt.datetime) -> dt.datetime:
    """23:59:59 Europe/Amsterdam on the fifth working day after the submission date."""
    submitted_on = submitted_at.astimezone(clock.AMSTERDAM).date()
    return clock.end_of_day(add_working_days(submitted_on, OBJECTION_WORKING_DAYS))


def unpaid_cancellation_from(submitted_at: dt.datetime, due_on: dt.date | None = None) -> dt.date:
    """The cancellation date of an unpaid order: the first day on which it counts as
    "more than 3 months" old, i.e. the day after the same day-of-month three months
    later, clamped to that month's end (10 Jan → 11 Apr; 30 Nov → 1 Mar), but never
    before the day after the invoice's due date (a school is not in default on an
    invoice that is not yet due; SPEC §5). The cancellation moment is 00:00 Europe/
    Amsterdam on this date: a payment dated the day before or earlier was in time."""
    submitted_on = submitted_at.astimezone(clock.AMSTERDAM).date()
    day = add_months_clamped(submitted_on, 3) + dt.timedelta(days=1)
    if due_on is not None:
        day = max(day, due_on + dt.timedelta(days=1))
    return day
