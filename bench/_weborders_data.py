"""Bulk loading of web orders for the issue-9 benchmarks: providers, schools and web orders
with their ledger entries, set-based (bulk inserts), consistent enough that `ledger_check`
holds. Call after `_setup.setup_django()` and `migrate`.

The ledger shape per school: one `release` entry (Dr invoiced / Cr the school bucket: the
sum of its web orders plus a margin) and per web order that holds money one `weborder` entry
(Dr the school bucket / Cr provider payable), with the running collective balance stored on
each bucket line in booking order, and every account's cached balance set to its lines' sum.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

MARGIN = Decimal("100.00")
BATCH = 5000


def make_providers(n: int, tag: str) -> list:
    from schwifty import IBAN

    from cultuurkaart.providers.models import Provider, ProviderStatus

    return Provider.objects.bulk_create(
        [
            Provider(
                name=f"Bench aanbieder {tag}-{i}",
                status=ProviderStatus.ACCEPTED,
                contact_name="Bench",
                contact_email=f"p{i}-{tag}@bench.example",
                iban=str(IBAN.generate("NL", bank_code="ABNA", account_code=f"{i + 1:010d}")),
                bic="ABNANL2A",
            )
            for i in range(n)
        ],
        batch_size=BATCH,
    )


def make_schools(n: int, tag: str) -> list:
    from cultuurkaart.schools.models import School

    return School.objects.bulk_create(
        [
            School(
                name=f"Bench College {tag}-{i}",
                kind="vo",
                status="active",
                school_number=f"8{tag[-3:]}{i:03d}",
                board_name="b",
                board_email=f"b{i}@x.example",
                directie_name="d",
                directie_email=f"d{i}@x.example",
                budget_holder_name="bh",
                budget_holder_email=f"bh{i}@x.example",
                invoice_email=f"i{i}@x.example",
            )
            for i in range(n)
        ]
    )


def load_weborders(
    rows: list[tuple],  # (school, provider, amount, status)
    programme,
    *,
    at: dt.datetime,
    margin: Decimal = MARGIN,
) -> None:
    """Web orders in the given statuses; those holding money (approved, checked, paid_out)
    get their approval entry. Buckets end at `margin` per school (plus nothing else)."""
    from cultuurkaart.ledger import services as ledger
    from cultuurkaart.ledger.constants import AccountKind, EntryKind
    from cultuurkaart.ledger.models import Account, Entry, Line
    from cultuurkaart.weborders.constants import MONEY_TAKEN
    from cultuurkaart.weborders.models import WebOrder

    payable = ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    invoiced = ledger.account(AccountKind.INVOICED, programme=programme)
    schools = {row[0].pk: row[0] for row in rows}
    bucket = {
        pk: ledger.bucket_accounts(school, programme)["school"] for pk, school in schools.items()
    }
    taken = defaultdict(lambda: Decimal(0))
    for school, _p, amount, status in rows:
        if status in MONEY_TAKEN:
            taken[school.pk] += amount
    released = {pk: taken[pk] + margin for pk in schools}

    # Releases first (booking order = line id), then one entry per approval.
    release_entries = Entry.objects.bulk_create(
        [
            Entry(
                at=at - dt.timedelta(days=60),
                kind=EntryKind.RELEASE,
                description="Budget vrijgegeven (bench)",
                school_id=pk,
                programme=programme,
            )
            for pk in schools
        ]
    )
    Line.objects.bulk_create(
        [
            line
            for entry in release_entries
            for line in (
                Line(
                    entry=entry,
                    account=bucket[entry.school_id],
                    amount=-released[entry.school_id],
                    collective_after=released[entry.school_id],
                ),
                Line(entry=entry, account=invoiced, amount=released[entry.school_id]),
            )
        ],
        batch_size=BATCH,
    )
    running = dict(released)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        money = [row for row in chunk if row[3] in MONEY_TAKEN]
        entries = Entry.objects.bulk_create(
            [
                Entry(
                    at=at,
                    kind=EntryKind.WEBORDER,
                    description=f"Webbestelling (bench) {provider.name}",
                    school=school,
                    programme=programme,
                    reference="bench",
                )
                for school, provider, _a, _s in money
            ]
        )
        lines = []
        for entry, (school, _p, amount, _s) in zip(entries, money, strict=True):
            running[school.pk] -= amount
            lines.append(
                Line(
                    entry=entry,
                    account=bucket[school.pk],
                    amount=amount,
                    collective_after=running[school.pk],
                )
            )
            lines.append(Line(entry=entry, account=payable, amount=-amount))
        Line.objects.bulk_create(lines, batch_size=BATCH)
        entry_of = iter(entries)
        weborders = []
        for i, (school, provider, amount, status) in enumerate(chunk):
            holds = status in MONEY_TAKEN
            created = at - dt.timedelta(minutes=(len(rows) - start - i))
            weborders.append(
                WebOrder(
                    provider=provider,
                    school=school,
                    programme=programme,
                    amount=amount,
                    students=25,
                    activity_at=at + dt.timedelta(days=10),
                    activity_on=(at + dt.timedelta(days=10)).date(),
                    description="Voorstelling (bench)",
                    status=status,
                    created_at=created,
                    decided_at=created if status not in ("pending", "withdrawn") else None,
                    checked_at=created if status in ("checked", "paid_out") else None,
                    entry=next(entry_of) if holds else None,
                    split_school=amount if holds else None,
                    split_ocw=Decimal(0) if holds else None,
                    split_third_party=Decimal(0) if holds else None,
                )
            )
        WebOrder.objects.bulk_create(weborders, batch_size=BATCH)

    # The cached balances: exactly their lines' sums.
    for pk, acc in bucket.items():
        Account.objects.filter(pk=acc.pk).update(balance=-running[pk])
    Account.objects.filter(pk=payable.pk).update(balance=payable.balance - sum(taken.values()))
    Account.objects.filter(pk=invoiced.pk).update(balance=invoiced.balance + sum(released.values()))


def random_amounts(n: int, seed: int = 9) -> list[Decimal]:
    rnd = random.Random(seed)
    return [Decimal(rnd.randint(100, 50_000)) / 100 for _ in range(n)]
