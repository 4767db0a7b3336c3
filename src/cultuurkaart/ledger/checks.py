"""Ledger invariants, checked by `manage.py ledger_check` and by the tests."""

from __future__ import annotations

from django.db.models import Count, Sum

from cultuurkaart.core.money import ZERO

from .models import Account, Entry, Line


def problems() -> list[str]:
    """Every violated invariant, as text (empty = the ledger is sound):
    1. every entry has at least two lines and its lines sum to zero;
    2. every account's cached balance equals the sum of its lines."""
    found: list[str] = []
    unbalanced = (
        Line.objects.values("entry_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .exclude(total=0)
    )
    for row in unbalanced:
        found.append(f"entry {row['entry_id']} does not balance: sum {row['total']}")
    lonely = Entry.objects.annotate(n=Count("lines")).filter(n__lt=2).values_list("pk", flat=True)
    for pk in lonely:
        found.append(f"entry {pk} has fewer than two lines")
    sums = dict(
        Line.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s")
    )
    for acc in Account.objects.all().only("pk", "balance"):
        expected = sums.get(acc.pk) or ZERO
        if acc.balance != expected:
            found.append(f"account {acc.pk} cached balance {acc.balance} != lines {expected}")
    return found
