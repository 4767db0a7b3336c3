"""What a payout line is, for a provider's specification (SPEC §8): the page, the Excel file
and the PDF all describe lines through `describe`, so that a new kind of line (a redeemed
voucher, issue 10) is one branch there and one `select_related` in `lines_of`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from cultuurkaart.core import clock

from .models import PayoutItem, PayoutLine


@dataclass(frozen=True)
class LineView:
    kind: str  # "weborder" (later "voucher")
    number: int  # the web order's number
    label: str  # "Webbestelling 12"
    school: str
    activity_at: dt.datetime | None  # aware; shown in Europe/Amsterdam
    description: str
    amount: Decimal
    fee: Decimal
    net: Decimal

    @property
    def activity_on(self) -> str:
        if self.activity_at is None:
            return ""
        return self.activity_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y")


def lines_of(*items: PayoutItem):
    """The lines of the given payout items with what `describe` reads (one query)."""
    return (
        PayoutLine.objects.filter(item__in=[item.pk for item in items])
        .select_related("weborder", "weborder__school")
        .order_by("weborder_id", "id")
    )


def describe(line: PayoutLine) -> LineView:
    """One payout line in the provider's words. Vouchers: add their branch here."""
    weborder = line.weborder
    return LineView(
        kind="weborder",
        number=weborder.pk,
        label=_("Webbestelling %(id)s") % {"id": weborder.pk},
        school=weborder.school.name,
        activity_at=weborder.activity_at,
        description=weborder.description,
        amount=line.amount,
        fee=line.fee,
        net=line.net,
    )
