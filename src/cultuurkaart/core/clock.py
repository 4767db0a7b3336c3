"""The one clock every rule reads.

`now()` is the real time unless a test clock is active for the current request or
command (API.md "Test clock"). Rules that work with calendar dates use `today()`,
which is the date in Europe/Amsterdam.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.utils import timezone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_override: ContextVar[dt.datetime | None] = ContextVar("ck_clock_override", default=None)


def now() -> dt.datetime:
    value = _override.get()
    return value if value is not None else timezone.now()


def wall_now() -> dt.datetime:
    """The real time, never the test clock: for security timers (idle sessions) that a
    test clock moving business time by days must not cut short or stretch."""
    return timezone.now()


def local_now() -> dt.datetime:
    return now().astimezone(AMSTERDAM)


def today() -> dt.date:
    return local_now().date()


def parse(value: str) -> dt.datetime:
    """Parse an ISO 8601 moment; naive values are taken as Europe/Amsterdam."""
    moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment


@contextlib.contextmanager
def frozen(moment: dt.datetime | None) -> Iterator[None]:
    """Run a block with `now()` fixed at `moment` (None leaves the real clock)."""
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 Europe/Amsterdam on `day`."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=AMSTERDAM)


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=AMSTERDAM)


# Dates people enter (payment dates, programme dates): a sane range, so year 1 or 9999
# is a field error, never an overflow further on (issue 8 point 10).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def is_sane_date(day: dt.date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE
