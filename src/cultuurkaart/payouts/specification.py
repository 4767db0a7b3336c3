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
    kind: str  # "weborder" or "voucher"
    number: int  # the web order's (or voucher's) number
    label: str  # "Webbestelling 12", "Tegoedbon AB12CD"
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
        .select_related("weborder", "weborder__school", "voucher")
        .order_by("weborder_id", "voucher_id", "id")
    )


def describe(line: PayoutLine) -> LineView:
    """One payout line in the provider's words. A redeemed voucher shows its code and the
    moment of redemption; never the student or the school (docs/vouchers.md)."""
    if line.voucher_id is not None:
        voucher = line.voucher
        return LineView(
            kind="voucher",
            number=voucher.pk,
            label=_("Tegoedbon %(code)s") % {"code": voucher.code},
            school="",
            activity_at=voucher.redeemed_at,
            description=_("Tegoedbon %(code)s") % {"code": voucher.code},
            amount=line.amount,
            fee=line.fee,
            net=line.net,
        )
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
