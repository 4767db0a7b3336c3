"""The one working-day calendar: Monday–Friday that is not a Dutch public holiday per
`holidays.NL` (≥ 0.83, which lists Good Friday; Koningsdag moves to 26 April when 27 April is
a Sunday). Budget orders (objection period, SPEC §5), deletion requests (SPEC §4) and every
later rule that counts working days use it."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.NL(years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_months_clamped(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, the month's last day when it has no
    such day (31 January + 1 → 28/29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (`day` itself does not count)."""
    current, found = day, 0
    while found < count:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current
