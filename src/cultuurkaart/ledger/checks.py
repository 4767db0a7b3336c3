"""Ledger invariants, checked by `manage.py ledger_check` and by the tests."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from cultuurkaart.core.money import ZERO

from .models import Account, Entry, Line


def _sums() -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, int]]:
    """Per entry and per account: the exact sum of line amounts (and lines per entry).
    PostgreSQL sums NUMERIC exactly in SQL; SQLite would sum as floats, so there the
    lines are summed in Python as Decimals."""
    if connection.vendor == "postgresql":
        per_entry, counts = {}, {}
        for row in Line.objects.values("entry_id").annotate(s=Sum("amount"), n=Count("id")):
            per_entry[row["entry_id"]] = row["s"]
            counts[row["entry_id"]] = row["n"]
        per_account = dict(
            Line.objects.values("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        )
        return per_entry, per_account, counts
    per_entry_d: dict[int, Decimal] = defaultdict(lambda: ZERO)
    per_account_d: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counts_d: dict[int, int] = defaultdict(int)
    for entry_id, account_id, amount in Line.objects.values_list(
        "entry_id", "account_id", "amount"
    ).iterator(chunk_size=5000):
        per_entry_d[entry_id] += amount
        per_account_d[account_id] += amount
        counts_d[entry_id] += 1
    return per_entry_d, per_account_d, counts_d


def problems() -> list[str]:
    """Every violated invariant, as text (empty = the ledger is sound):
    1. every entry has at least two lines and its lines sum to zero;
    2. every account's cached balance equals the sum of its lines."""
    found: list[str] = []
    per_entry, per_account, counts = _sums()
    for entry_id, total in per_entry.items():
        if total != 0:
            found.append(f"entry {entry_id} does not balance: sum {total}")
    for pk in Entry.objects.values_list("pk", flat=True).iterator(chunk_size=5000):
        if counts.get(pk, 0) < 2:
            found.append(f"entry {pk} has fewer than two lines")
    for pk, balance in Account.objects.values_list("pk", "balance"):
        expected = per_account.get(pk) or ZERO
        if balance != expected:
            found.append(f"account {pk} cached balance {balance} != lines {expected}")
    found += _running_problems()
    return found


def _running_problems() -> list[str]:
    """3. the stored running collective balance of every bucket line equals the sum of
    the school's bucket lines up to and including it (booking order = line id)."""
    from .constants import SPENDING_ORDER

    found: list[str] = []
    running: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    rows = (
        Line.objects.filter(account__kind__in=SPENDING_ORDER)
        .order_by("id")
        .values_list(
            "pk", "account__school_id", "account__programme_id", "amount", "collective_after"
        )
    )
    for pk, school_id, programme_id, amount, after in rows.iterator(chunk_size=5000):
        key = (school_id, programme_id)
        running[key] -= amount
        if after != running[key]:
            found.append(f"line {pk} running balance {after} != {running[key]}")
    return found
