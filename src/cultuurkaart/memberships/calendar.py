"""Dates of membership rules. Working days (SPEC §4 deletion requests) come from the one
calendar, `core.calendar`."""

from __future__ import annotations

import datetime as dt


def last_erasure_moment(moment: dt.datetime) -> dt.datetime:
    """The latest 31 August 23:59:59 Europe/Amsterdam at or before `moment` (SPEC §14)."""
    from cultuurkaart.core import clock

    local = moment.astimezone(clock.AMSTERDAM)
    cutoff = clock.end_of_day(dt.date(local.year, 8, 31))
    if cutoff > moment:
        cutoff = clock.end_of_day(dt.date(local.year - 1, 8, 31))
    return cutoff
