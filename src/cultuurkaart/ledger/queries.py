"""Read side of the ledger: balances and transaction lists derived from entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, Sum

from cultuurkaart.core import clock
from cultuurkaart.core.money import ZERO, quantize

from .constants import SPENDING_ORDER, AccountKind, EntryKind
from .models import Account, Entry, Line


def balances(school, programme) -> dict[str, Decimal]:
    """Shown balance per bucket (school, ocw, third_party, individual)."""
    result = {str(k): ZERO for k in [*SPENDING_ORDER, AccountKind.INDIVIDUAL]}
    for acc in Account.objects.filter(school=school, programme=programme, kind__in=result):
        result[acc.kind] = acc.display_balance
    return result


def individual_assigned(school, programme) -> Decimal:
    """Money that left the individual pool (debits to it, net of reversals)."""
    total = (
        Line.objects.filter(
            account__school=school,
            account__programme=programme,
            account__kind=AccountKind.INDIVIDUAL,
        )
        .exclude(entry__kind=EntryKind.RELEASE)
        .aggregate(s=Sum("amount"))["s"]
    )
    return quantize(total) if total is not None else ZERO


def released_at(school, programme) -> dt.datetime | None:
    entry = (
        Entry.objects.filter(school=school, programme=programme, kind=EntryKind.RELEASE)
        .order_by("at", "id")
        .first()
    )
    return entry.at if entry else None


def spendable_from(programme, released: dt.datetime | None) -> dt.date | None:
    """VO: from the programme's spend-from date once paid; MBO: from payment."""
    if released is None:
        return None
    return max(programme.spend_from, released.astimezone(clock.AMSTERDAM).date())


def is_spendable(school, programme, at: dt.datetime | None = None) -> bool:
    """The collective budget may be spent at `at`: released and inside the window."""
    day = (at or clock.now()).astimezone(clock.AMSTERDAM).date()
    start = spendable_from(programme, released_at(school, programme))
    return start is not None and start <= day <= programme.spend_until


def collective_lines(school, programme):
    """Every credit and debit of the school's collective buckets in booking order, with
    `running` (the collective balance after the line, stored at posting time under the
    buckets' locks). Pages by the (account, id) index."""
    ids = list(
        Account.objects.filter(
            school=school, programme=programme, kind__in=SPENDING_ORDER
        ).values_list("pk", flat=True)
    )
    return (
        Line.objects.filter(account_id__in=ids)
        .select_related("entry", "account")
        .annotate(running=F("collective_after"))
        .order_by("id")
    )
