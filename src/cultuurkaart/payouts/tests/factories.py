"""Payouts in tests: checked web orders made through the real services (money booked)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cultuurkaart.core import clock
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import SPEND_AT, WebOrderFactory, fund

CHECK_AT = SPEND_AT + dt.timedelta(days=1)
PAY_AT = SPEND_AT + dt.timedelta(days=2)


def checked(provider, school, amount="100.00", *, at=None, funded=False):
    """A web order approved (money from the school's buckets) and checked at `at`."""
    if not funded:
        fund(school, school_amount=str(Decimal(amount)))
    weborder = WebOrderFactory(provider=provider, school=school, amount=Decimal(amount))
    with clock.frozen(SPEND_AT):
        weborders.approve_weborder(weborder)
    with clock.frozen(at or CHECK_AT):
        return weborders.check_weborder(weborder, valid=True)
