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
    """When the school's own budget (its budget-order invoice) was first released. A
    third party's release does not count: `released` and `spendable_from` describe the
    school's own order (issue 8 point 15)."""
    entry = (
        Entry.objects.filter(school=school, programme=programme, kind=EntryKind.RELEASE)
        .exclude(lines__account__kind=AccountKind.THIRD_PARTY)
        .order_by("at", "id")
        .first()
    )
    return entry.at if entry else None


def third_party_released_at(school, programme) -> dt.datetime | None:
    """When a third party's contribution for the school was first released (its invoice
    paid in full)."""
    entry = (
        Entry.objects.filter(
            school=school,
            programme=programme,
            kind=EntryKind.RELEASE,
            lines__account__kind=AccountKind.THIRD_PARTY,
        )
        .order_by("at", "id")
        .first()
    )
    return entry.at if entry else None


def spendable_from(programme, released: dt.datetime | None) -> dt.date | None:
    """The school's own money (school contribution and OCW): VO from the programme's
    spend-from date once paid; MBO from payment."""
    if released is None:
        return None
    return max(programme.spend_from, released.astimezone(clock.AMSTERDAM).date())


def third_party_spendable_from(released: dt.datetime | None) -> dt.date | None:
    """Third-party money is spendable once the third party has paid, without waiting for
    the school's own invoice or the programme's spend-from date (002 §2.2.1.6)."""
    if released is None:
        return None
    return released.astimezone(clock.AMSTERDAM).date()


def spendable_buckets(school, programme, at: dt.datetime | None = None) -> list[str]:
    """The collective buckets that may be spent at `at`, in the spending order: school
    and OCW once the school's own order is released and its window has started, the
    third-party bucket once the third party has paid; none after the window."""
    day = (at or clock.now()).astimezone(clock.AMSTERDAM).date()
    if day > programme.spend_until:
        return []
    result: list[str] = []
    own = spendable_from(programme, released_at(school, programme))
    if own is not None and own <= day:
        result += [AccountKind.SCHOOL, AccountKind.OCW]
    third = third_party_spendable_from(third_party_released_at(school, programme))
    if third is not None and third <= day:
        result.append(AccountKind.THIRD_PARTY)
    return [str(k) for k in result]


def is_spendable(school, programme, at: dt.datetime | None = None) -> bool:
    """Some of the collective budget may be spent at `at` (see `spendable_buckets`)."""
    return bool(spendable_buckets(school, programme, at))


def held_for_refund(school, programme) -> Decimal:
    """Money of the school held as credit, never spendable: overpayments and money paid
    after a cancellation for non-payment (SPEC §5)."""
    acc = Account.objects.filter(
        school=school, programme=programme, kind=AccountKind.CUSTOMER_CREDIT
    ).first()
    return acc.display_balance if acc else ZERO


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
