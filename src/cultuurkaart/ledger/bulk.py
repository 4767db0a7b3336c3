"""Set-based postings for jobs that book one entry for each of many schools at once (year
end, OCW redistribution; docs/yearend.md).

`post_entries` keeps every rule of `services.post_entry` (balanced, ≥ 1 non-zero line, no
bucket below zero, the running collective balance on bucket lines, cached balances updated
in the same transaction under the row locks) but writes with a handful of queries instead
of ~10 per entry: the accounts are locked in ascending primary key (in chunks, still
ascending; the ledger stays the last lock, docs/locking.md), entries and lines are
bulk-inserted and the balances bulk-updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction

from cultuurkaart.core import clock
from cultuurkaart.core.money import ZERO, quantize

from .constants import NEVER_NEGATIVE, SPENDING_ORDER
from .models import Account, Entry, Line
from .services import InsufficientBudget, UnbalancedEntry, _display

CHUNK = 5000


@dataclass
class EntrySpec:
    """One entry to post: `lines` are (account, amount), debit positive, credit negative."""

    kind: str
    description: str
    lines: list[tuple[Account, Decimal]]
    school_id: int | None = None
    programme_id: int | None = None
    reference: str = ""
    merged: dict[int, Decimal] = field(default_factory=dict, repr=False)


def ensure_accounts(kind: str, programme_id: int, school_ids: list[int]) -> dict[int, Account]:
    """The `kind` accounts of these schools for the programme, created where missing with
    one insert (race-safe: a concurrent creation is ignored and then read back)."""
    school_ids = sorted(set(school_ids))
    found: dict[int, Account] = {}
    for start in range(0, len(school_ids), CHUNK):
        chunk = school_ids[start : start + CHUNK]
        found.update(
            {
                a.school_id: a
                for a in Account.objects.filter(
                    kind=kind, programme_id=programme_id, school_id__in=chunk
                )
            }
        )
    missing = [s for s in school_ids if s not in found]
    if missing:
        try:
            with transaction.atomic():
                Account.objects.bulk_create(
                    [Account(kind=kind, programme_id=programme_id, school_id=s) for s in missing],
                    batch_size=1000,
                    ignore_conflicts=True,
                )
        except IntegrityError:  # pragma: no cover - ignore_conflicts covers the race
            pass
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            found.update(
                {
                    a.school_id: a
                    for a in Account.objects.filter(
                        kind=kind, programme_id=programme_id, school_id__in=chunk
                    )
                }
            )
    return found


def lock_accounts(ids) -> dict[int, Account]:
    """Lock these accounts (FOR NO KEY UPDATE of the account rows) in ascending id."""
    ordered = sorted(set(ids))
    locked: dict[int, Account] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        for acc in (
            Account.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
        ):
            locked[acc.pk] = acc
    return locked


def _collective_buckets(keys: set[tuple[int, int]]) -> list[Account]:
    """The three collective buckets of each (school, programme) in `keys`."""
    if not keys:
        return []
    programmes = {p for _, p in keys}
    schools = sorted({s for s, _ in keys})
    result = []
    for start in range(0, len(schools), CHUNK):
        chunk = schools[start : start + CHUNK]
        for acc in Account.objects.filter(
            kind__in=SPENDING_ORDER, programme_id__in=programmes, school_id__in=chunk
        ):
            if (acc.school_id, acc.programme_id) in keys:
                result.append(acc)
    return result


def post_entries(specs: list[EntrySpec], *, actor=None) -> list[Entry]:
    """Post many balanced entries in one transaction (see the module docstring). All or
    nothing: any unbalanced entry or any bucket that would go below zero refuses the lot."""
    specs = [s for s in specs if s.lines]
    for spec in specs:
        merged: dict[int, Decimal] = {}
        for acc, amount in spec.lines:
            merged[acc.pk] = merged.get(acc.pk, ZERO) + quantize(amount)
        spec.merged = {pk: a for pk, a in merged.items() if a != 0}
        if not spec.merged:
            raise UnbalancedEntry("An entry needs at least one non-zero line.")
        if sum(spec.merged.values(), ZERO) != 0:
            raise UnbalancedEntry("The lines of an entry must sum to zero.")
    if not specs:
        return []
    by_id = {acc.pk: acc for spec in specs for acc, _ in spec.lines}
    keys = {
        (by_id[pk].school_id, by_id[pk].programme_id)
        for spec in specs
        for pk in spec.merged
        if by_id[pk].kind in SPENDING_ORDER
    }
    with transaction.atomic():
        extra = _collective_buckets(keys)
        locked = lock_accounts([*by_id, *(a.pk for a in extra)])
        balance = {pk: acc.balance for pk, acc in locked.items()}
        running: dict[tuple[int, int], Decimal] = dict.fromkeys(keys, ZERO)
        for acc in locked.values():
            key = (acc.school_id, acc.programme_id)
            if acc.kind in SPENDING_ORDER and key in running:
                running[key] -= acc.balance
        now = clock.now()
        created_by = actor if getattr(actor, "is_authenticated", False) else None
        entries = [
            Entry(
                at=now,
                kind=spec.kind,
                description=spec.description[:300],
                school_id=spec.school_id,
                programme_id=spec.programme_id,
                reference=spec.reference,
                created_by=created_by,
            )
            for spec in specs
        ]
        pending: list[tuple[int, int, Decimal, Decimal | None]] = []
        for index, spec in enumerate(specs):
            for pk, amount in spec.merged.items():
                acc = locked[pk]
                balance[pk] += amount
                if acc.kind in NEVER_NEGATIVE and _display(acc.kind, balance[pk]) < 0:
                    raise InsufficientBudget("This would make a budget bucket negative.")
                after = None
                if acc.kind in SPENDING_ORDER:
                    key = (acc.school_id, acc.programme_id)
                    running[key] -= amount
                    after = running[key]
                pending.append((index, pk, amount, after))
        Entry.objects.bulk_create(entries, batch_size=1000)
        Line.objects.bulk_create(
            [
                Line(entry=entries[index], account_id=pk, amount=amount, collective_after=after)
                for index, pk, amount, after in pending
            ],
            batch_size=2000,
        )
        changed = []
        for pk, acc in locked.items():
            if balance[pk] != acc.balance:
                acc.balance = balance[pk]
                changed.append(acc)
        Account.objects.bulk_update(changed, ["balance"], batch_size=1000)
        for pk, acc in by_id.items():
            acc.balance = balance[pk]
    return entries
