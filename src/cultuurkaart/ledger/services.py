"""Every write to the ledger (SPEC §6, docs/ledger.md).

Locking rule: a posting locks the `Account` rows it touches (`FOR NO KEY UPDATE` of the
account rows only) in ascending primary-key order, inside the caller's transaction, before it
reads any balance. Callers that also lock domain rows lock those first (e.g. programme → order →
invoice → invoice sequence → accounts), so the ledger is always the last lock taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from cultuurkaart.core import audit, clock
from cultuurkaart.core.errors import Conflict, DomainError
from cultuurkaart.core.money import ZERO, quantize

from .constants import (
    CREDIT_NORMAL,
    NEVER_NEGATIVE,
    SCHOOL_SCOPED,
    SPENDING_ORDER,
    AccountKind,
    EntryKind,
)
from .models import Account, Entry, Line


class InsufficientBudget(DomainError):
    type = "insufficient-budget"
    status = 409
    title = "Insufficient budget"


class UnbalancedEntry(DomainError):
    type = "unbalanced-entry"
    status = 500
    title = "Ledger entry does not balance"


class AlreadyReversed(Conflict):
    type = "already-reversed"
    title = "Entry already reversed"


# --- accounts ---------------------------------------------------------------------------


def account(kind: str, *, school=None, programme=None) -> Account:
    """The account of `kind` for the scope, created on first use (race-safe)."""
    if kind in SCHOOL_SCOPED and (school is None or programme is None):
        raise ValueError(f"{kind} accounts belong to a school and a programme")
    lookup = {
        "kind": kind,
        "school_id": getattr(school, "pk", school),
        "programme_id": getattr(programme, "pk", programme),
    }
    found = Account.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup)
    except IntegrityError:
        return Account.objects.get(**lookup)


def bucket_accounts(school, programme) -> dict[str, Account]:
    """The school's three collective buckets for the programme (one query when they exist)."""
    school_id, programme_id = getattr(school, "pk", school), getattr(programme, "pk", programme)
    found = {
        a.kind: a
        for a in Account.objects.filter(
            school_id=school_id, programme_id=programme_id, kind__in=SPENDING_ORDER
        )
    }
    for kind in SPENDING_ORDER:
        if kind not in found:
            found[kind] = account(kind, school=school_id, programme=programme_id)
    return {str(kind): found[kind] for kind in SPENDING_ORDER}


def _lock(accounts: Iterable[Account]) -> dict[int, Account]:
    ids = sorted({a.pk for a in accounts})
    locked = (
        Account.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {a.pk: a for a in locked}


# --- posting ----------------------------------------------------------------------------


def _display(kind: str, raw: Decimal) -> Decimal:
    return -raw if kind in CREDIT_NORMAL else raw


def post_entry(
    *,
    kind: str,
    description: str,
    lines: list[tuple[Account, Decimal]],
    school=None,
    programme=None,
    reference: str = "",
    actor=None,
    reverses: Entry | None = None,
) -> Entry:
    """Write one balanced entry. `lines` are (account, amount) with debit positive and
    credit negative; they must sum to zero. Locks the accounts (ascending id), refuses a
    posting that would make a bucket negative, and updates the cached balances."""
    merged: dict[int, Decimal] = {}
    by_id: dict[int, Account] = {}
    for acc, amount in lines:
        amount = quantize(amount)
        merged[acc.pk] = merged.get(acc.pk, ZERO) + amount
        by_id[acc.pk] = acc
    merged = {pk: amount for pk, amount in merged.items() if amount != 0}
    if not merged:
        raise UnbalancedEntry("An entry needs at least one non-zero line.")
    if sum(merged.values(), ZERO) != 0:
        raise UnbalancedEntry("The lines of an entry must sum to zero.")
    collective_keys = {
        (by_id[pk].school_id, by_id[pk].programme_id)
        for pk in merged
        if by_id[pk].kind in SPENDING_ORDER
    }
    with transaction.atomic():
        # A posting on any collective bucket locks all three buckets of that school and
        # programme, so the running collective balance stored on the lines is exact.
        extra = [
            acc
            for school_id, programme_id in collective_keys
            for acc in bucket_accounts(school_id, programme_id).values()
        ]
        locked = _lock([*(by_id[pk] for pk in merged), *extra])
        for pk, amount in merged.items():
            acc = locked[pk]
            if acc.kind in NEVER_NEGATIVE and _display(acc.kind, acc.balance + amount) < 0:
                raise InsufficientBudget("This would make a budget bucket negative.")
        running = {
            key: -sum(
                (
                    a.balance
                    for a in locked.values()
                    if a.kind in SPENDING_ORDER and (a.school_id, a.programme_id) == key
                ),
                ZERO,
            )
            for key in collective_keys
        }
        entry = Entry.objects.create(
            at=clock.now(),
            kind=kind,
            description=description[:300],
            school_id=getattr(school, "pk", school),
            programme_id=getattr(programme, "pk", programme),
            reference=reference,
            reverses=reverses,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        new_lines = []
        for pk, amount in merged.items():
            acc = locked[pk]
            after = None
            if acc.kind in SPENDING_ORDER:
                key = (acc.school_id, acc.programme_id)
                running[key] -= amount
                after = running[key]
            new_lines.append(
                Line(entry=entry, account_id=pk, amount=amount, collective_after=after)
            )
        Line.objects.bulk_create(new_lines)
        for pk, amount in merged.items():
            Account.objects.filter(pk=pk).update(balance=F("balance") + amount)
            by_id[pk].balance = locked[pk].balance + amount
    return entry


def reverse_entry(entry: Entry, *, actor=None, description: str = "") -> Entry:
    """Post the exact opposite of `entry` (once). Refused when it would make a bucket
    negative (e.g. reversing a release whose money was already spent)."""
    with transaction.atomic():
        if Entry.objects.filter(reverses=entry).exists():
            raise AlreadyReversed("This entry has already been reversed.")
        lines = [(line.account, -line.amount) for line in entry.lines.select_related("account")]
        reversal = post_entry(
            kind=EntryKind.REVERSAL,
            description=description or f"Tegenboeking: {entry.description}",
            lines=lines,
            school=entry.school_id,
            programme=entry.programme_id,
            reference=entry.reference,
            actor=actor,
            reverses=entry,
        )
        audit.record(
            "ledger.entry.reversed",
            actor=actor,
            obj=reversal,
            school_id=entry.school_id,
            data={"reverses": entry.pk},
        )
    return reversal


@dataclass(frozen=True)
class Debit:
    entry: Entry
    split: dict[str, Decimal]  # bucket kind → amount taken (school, ocw, third_party)


def debit_collective(
    school,
    programme,
    amount: Decimal,
    *,
    description: str,
    kind: str = EntryKind.WEBORDER,
    counter_account: Account | None = None,
    reference: str = "",
    actor=None,
    only: list[str] | None = None,
) -> Debit:
    """Take `amount` from the school's collective budget of `programme` in the spending
    order school → ocw → third_party (SPEC §6), crediting `counter_account` (default: the
    programme's provider-payable account). All or nothing: when the three buckets together
    hold less, `InsufficientBudget` (409 `insufficient-budget`) is raised and nothing is
    booked. The buckets are row-locked first, so concurrent debits queue and no bucket
    ever goes negative. `only`: take from these buckets alone (e.g.
    `queries.spendable_buckets(...)`: third-party money before the school's own is
    spendable). Must not be called for amounts ≤ 0."""
    amount = quantize(amount)
    if amount <= 0:
        raise ValueError("debit amount must be positive")
    buckets = bucket_accounts(school, programme)
    counter = counter_account or account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    with transaction.atomic():
        locked = _lock([*buckets.values(), counter])
        available = {
            k: (-locked[a.pk].balance if only is None or k in only else ZERO)
            for k, a in buckets.items()
        }
        if sum(available.values(), ZERO) < amount:
            raise InsufficientBudget("The collective budget is too low for this amount.")
        split: dict[str, Decimal] = {}
        rest = amount
        for k in SPENDING_ORDER:
            take = min(rest, max(available[k], ZERO))
            split[str(k)] = take
            rest -= take
        lines = [(buckets[k], split[str(k)]) for k in SPENDING_ORDER]
        lines.append((counter, -amount))
        entry = post_entry(
            kind=kind,
            description=description,
            lines=lines,
            school=school,
            programme=programme,
            reference=reference,
            actor=actor,
        )
    return Debit(entry=entry, split=split)


def credit_collective(
    school,
    programme,
    split: dict[str, Decimal],
    *,
    description: str,
    kind: str = EntryKind.REFUND,
    counter_account: Account | None = None,
    reference: str = "",
    actor=None,
) -> Entry:
    """Credit the buckets by `split` (e.g. a provider's refund), debiting `counter_account`
    (default provider-payable). For undoing a debit, prefer `reverse_entry`."""
    buckets = bucket_accounts(school, programme)
    counter = counter_account or account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    total = ZERO
    lines = []
    for k, value in split.items():
        value = quantize(value)
        if value < 0:
            raise ValueError("credit amounts must be ≥ 0")
        lines.append((buckets[k], -value))
        total += value
    lines.append((counter, total))
    return post_entry(
        kind=kind,
        description=description,
        lines=lines,
        school=school,
        programme=programme,
        reference=reference,
        actor=actor,
    )


def debit_individual(
    school,
    programme,
    amount: Decimal,
    *,
    description: str,
    kind: str = EntryKind.VOUCHER,
    counter_account: Account | None = None,
    reference: str = "",
    actor=None,
) -> Entry:
    """Take `amount` from the school's individual-budget pool (e.g. assigning budget to a
    student), crediting `counter_account` (required: the caller's own account, such as a
    per-programme voucher liability). All or nothing under the pool's row lock: short →
    `InsufficientBudget` (409 `insufficient-budget`)."""
    amount = quantize(amount)
    if amount <= 0:
        raise ValueError("debit amount must be positive")
    if counter_account is None:
        raise ValueError("counter_account is required for the individual pool")
    pool = account(AccountKind.INDIVIDUAL, school=school, programme=programme)
    return post_entry(
        kind=kind,
        description=description,
        lines=[(pool, amount), (counter_account, -amount)],
        school=school,
        programme=programme,
        reference=reference,
        actor=actor,
    )
