"""Working days (SPEC §4 deletion requests use the calendar of §5): Monday–Friday that is
not a Dutch public holiday per `holidays.NL`."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.NL(years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (`day` itself does not count)."""
    current, found = day, 0
    while found < count:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def last_erasure_moment(moment: dt.datetime) -> dt.datetime:
    """The latest 31 August 23:59:59 Europe/Amsterdam at or before `moment` (SPEC §14)."""
    from cultuurkaart.core import clock

    local = moment.astimezone(clock.AMSTERDAM)
    cutoff = clock.end_of_day(dt.date(local.year, 8, 31))
    if cutoff > moment:
        cutoff = clock.end_of_day(dt.date(local.year - 1, 8, 31))
    return cutoff
