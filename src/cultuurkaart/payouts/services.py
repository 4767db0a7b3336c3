"""Every write to payouts (SPEC §8, docs/payouts.md).

`create_payout_batch` pays every checked web order not yet in a batch, per provider, in one
transaction with set-based queries. Exactly once (decision PO1, docs/locking.md): the web
order rows are locked `FOR NO KEY UPDATE` in id order and filtered on `status = checked`;
a second run at the same moment waits for the first, PostgreSQL re-checks the filter on the
rows it waited for (now `paid_out`) and finds nothing (409 `nothing-to-pay`). The unique
`PayoutLine.weborder` is the last guard. The ledger accounts are locked last, as everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cultuurkaart.core import audit, clock, mail
from cultuurkaart.core.errors import ValidationFailed
from cultuurkaart.core.money import ZERO, quantize
from cultuurkaart.core.transitions import transition
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.providers.models import Provider
from cultuurkaart.providers.services import payout_hold
from cultuurkaart.vouchers.models import Voucher, VoucherStatus
from cultuurkaart.weborders.constants import TRANSITIONS, WebOrderStatus
from cultuurkaart.weborders.models import WebOrder

from .constants import FEE_RATE, HoldReason
from .exceptions import NothingToPay
from .models import Correction, Deduction, PayoutBatch, PayoutItem, PayoutLine

S = WebOrderStatus


def fee_for(amount: Decimal) -> Decimal:
    """5% of one item, in cents, rounded half up (SPEC §8: €123.45 → €6.17)."""
    return quantize(Decimal(amount) * FEE_RATE)


def split(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(fee, net) of one item; fee + net = amount exactly."""
    fee = fee_for(amount)
    return fee, quantize(amount) - fee


def _held(providers: list[Provider], at: dt.datetime) -> dict[int, dict]:
    held = {}
    for provider in providers:
        if payout_hold(provider, at):
            reason, until = HoldReason.IBAN_HOLD, provider.iban_hold_until.isoformat()
        elif not provider.iban:
            reason, until = HoldReason.NO_IBAN, None
        else:
            continue
        held[provider.pk] = {
            "provider": provider.pk,
            "name": provider.name,
            "reason": reason,
            "until": until,
        }
    return held


def _payable(until: dt.datetime):
    return WebOrder.objects.filter(
        status=S.CHECKED, checked_at__lte=until, payout_line__isnull=True
    )


def _payable_vouchers(until: dt.datetime):
    """Vouchers redeemed at or before `until` and not yet in a batch (a redemption needs no
    check: the provider had the student's code; decision VO-5)."""
    return Voucher.objects.filter(
        status=VoucherStatus.REDEEMED, redeemed_at__lte=until, payout_line__isnull=True
    )


def _voucher_rows(qs) -> list[tuple]:
    """(pk, provider, programme, amount) of vouchers, the programme from the assignment."""
    return list(qs.values_list("pk", "provider_id", "assignment__programme_id", "amount"))


def preview(*, until: dt.datetime | None = None) -> dict:
    """What a batch made now would pay (the confirmation step): per provider gross, fee, net
    and web-order count, and the providers on hold. Reads only."""
    now = clock.now()
    until = min(until or now, now)
    rows = list(_payable(until).values_list("pk", "provider_id", "amount"))
    rows += [(pk, p, a) for pk, p, _prog, a in _voucher_rows(_payable_vouchers(until))]
    providers = Provider.objects.in_bulk({p for _pk, p, _a in rows})
    held = _held(list(providers.values()), now)
    per: dict[int, dict] = {}
    for _pk, provider_id, amount in rows:
        if provider_id in held:
            continue
        fee, net = split(amount)
        row = per.setdefault(
            provider_id,
            {
                "provider": providers[provider_id],
                "count": 0,
                "gross": ZERO,
                "fee": ZERO,
                "net": ZERO,
            },
        )
        row["count"] += 1
        row["gross"] += amount
        row["fee"] += fee
        row["net"] += net
    items = sorted(per.values(), key=lambda r: r["provider"].pk)
    open_corrections = list(_open_corrections(per))
    for row in items:
        plan = _settle(
            row["net"], [c for c in open_corrections if c.provider_id == row["provider"].pk]
        )
        row["deducted"] = sum((d for _c, d in plan), ZERO)
        row["net"] -= row["deducted"]
    return {
        "until": until,
        "items": items,
        "held": sorted(held.values(), key=lambda h: h["provider"]),
        "total_gross": sum((r["gross"] for r in items), ZERO),
        "total_fee": sum((r["fee"] for r in items), ZERO),
        "total_deducted": sum((r["deducted"] for r in items), ZERO),
        "total_net": sum((r["net"] for r in items), ZERO),
    }


def _open_corrections(provider_ids):
    """Corrections of these providers not yet fully deducted, oldest first."""
    return Correction.objects.filter(
        provider_id__in=list(provider_ids), settled__lt=F("net")
    ).order_by("pk")


def _settle(available: Decimal, corrections) -> list[tuple[Correction, Decimal]]:
    """What to deduct from a provider's payout of `available` (net of fees): its open
    corrections oldest first, each as far as the payout goes (decision PO7)."""
    plan = []
    for correction in corrections:
        take = min(correction.open, available)
        if take <= 0:
            break
        plan.append((correction, take))
        available -= take
    return plan


def create_payout_batch(*, until: dt.datetime | None = None, actor=None) -> PayoutBatch:
    """Pay every web order checked at or before `until` (default now) and not yet in a batch,
    per provider: fee 5% per item, net = amount − fee. Providers whose IBAN is on hold (or who
    have none) are left out and listed in `batch.held`. Marks the web orders `paid_out` and
    books Dr provider_payable (gross, per programme) / Cr bank (net) / Cr provider_fee_income
    (fee, per programme). Nothing to pay → 409 `nothing-to-pay`."""
    now = clock.now()
    until = min(until or now, now)
    with transaction.atomic():
        locked = list(
            _payable(until)
            .select_for_update(of=("self",), no_key=True)
            .order_by("pk")
            .values_list("pk", "provider_id", "programme_id", "amount", "status")
        )
        # Then the redeemed vouchers (docs/locking.md: WebOrder → Voucher → Accounts).
        locked_vouchers = list(
            _payable_vouchers(until)
            .select_for_update(of=("self",), no_key=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        voucher_rows = _voucher_rows(Voucher.objects.filter(pk__in=locked_vouchers))
        # Then the providers' open corrections (WebOrder → Voucher → Correction → Accounts):
        # a correction made meanwhile waits, and is deducted in this batch or the next.
        corrections = list(
            _open_corrections(
                {row[1] for row in locked} | {row[1] for row in voucher_rows}
            ).select_for_update(of=("self",), no_key=True)
        )
        providers = Provider.objects.in_bulk(
            {row[1] for row in locked} | {row[1] for row in voucher_rows}
        )
        held = _held(list(providers.values()), now)
        rows = [row for row in locked if row[1] not in held]
        voucher_rows = [row for row in voucher_rows if row[1] not in held]
        if not rows and not voucher_rows:
            raise NothingToPay(_("Er is niets uit te betalen."))

        # One status check for the whole set (core.transitions); the update below moves
        # exactly the rows locked above, which are all `checked`.
        probe = WebOrder(status=S.CHECKED)
        transition(probe, S.PAID_OUT, TRANSITIONS, noun=_("een webbestelling"))

        per_provider: dict[int, list] = defaultdict(list)
        per_programme: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        items_of = [(("weborder", pk), p, prog, a) for pk, p, prog, a, _s in rows]
        items_of += [(("voucher", pk), p, prog, a) for pk, p, prog, a in voucher_rows]
        for pk, provider_id, programme_id, amount in items_of:
            fee, net = split(amount)
            per_provider[provider_id].append((pk, amount, fee, net))
            sums = per_programme[programme_id]
            sums[0] += amount
            sums[1] += fee
            sums[2] += net

        # Corrections of earlier payouts are deducted from what each provider gets now.
        settle: dict[int, list[tuple[Correction, Decimal]]] = {
            provider_id: _settle(
                sum((line[3] for line in lines), ZERO),
                [c for c in corrections if c.provider_id == provider_id],
            )
            for provider_id, lines in per_provider.items()
        }
        deducted = {p: sum((d for _c, d in plan), ZERO) for p, plan in settle.items()}
        total_deducted = sum(deducted.values(), ZERO)
        batch = PayoutBatch.objects.create(
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            until=until,
            total_gross=sum((s[0] for s in per_programme.values()), ZERO),
            total_fee=sum((s[1] for s in per_programme.values()), ZERO),
            total_deducted=total_deducted,
            total_net=sum((s[2] for s in per_programme.values()), ZERO) - total_deducted,
            held=sorted(held.values(), key=lambda h: h["provider"]),
        )
        items = []
        for provider_id in sorted(per_provider):
            provider, lines = providers[provider_id], per_provider[provider_id]
            items.append(
                PayoutItem(
                    batch=batch,
                    provider=provider,
                    name=provider.name[:200],
                    iban=provider.iban.replace(" ", "").upper(),
                    bic=(provider.bic or "").upper(),
                    gross=sum((line[1] for line in lines), ZERO),
                    fee=sum((line[2] for line in lines), ZERO),
                    deducted=deducted[provider_id],
                    net=sum((line[3] for line in lines), ZERO) - deducted[provider_id],
                )
            )
        PayoutItem.objects.bulk_create(items)
        if any(item.pk is None for item in items):  # backends without RETURNING
            by_provider = dict(batch.items.values_list("provider_id", "pk"))
            for item in items:
                item.pk = by_provider[item.provider_id]
        item_of = {item.provider_id: item for item in items}
        if total_deducted:
            Deduction.objects.bulk_create(
                [
                    Deduction(item=item_of[provider_id], correction=correction, amount=amount)
                    for provider_id, plan in sorted(settle.items())
                    for correction, amount in plan
                ]
            )
            for plan in settle.values():
                for correction, amount in plan:
                    Correction.objects.filter(pk=correction.pk).update(
                        settled=F("settled") + amount
                    )
        ids = [row[0] for row in rows]
        _insert_lines(
            [
                (
                    item_of[provider_id].pk,
                    ref if kind == "weborder" else None,
                    ref if kind == "voucher" else None,
                    a,
                    f,
                    n,
                )
                for provider_id, lines in per_provider.items()
                for (kind, ref), a, f, n in lines
            ]
        )
        # One set update of exactly the web orders just given a line (all locked above).
        updated = WebOrder.objects.filter(payout_line__item__batch=batch, status=S.CHECKED).update(
            status=S.PAID_OUT, closed_at=now
        )
        if updated != len(ids):  # cannot happen under the row locks; refuse rather than guess
            raise NothingToPay(_("Er is niets uit te betalen."))

        lines: list = [(ledger.account(AccountKind.BANK), -batch.total_net)]
        for programme_id, (gross, fee, _net) in sorted(per_programme.items()):
            lines.append(
                (ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme_id), gross)
            )
            if fee:
                lines.append(
                    (ledger.account(AccountKind.PROVIDER_FEE_INCOME, programme=programme_id), -fee)
                )
        for plan in settle.values():
            for correction, amount in plan:  # the receivable of each settled correction
                lines.append(
                    (
                        ledger.account(
                            AccountKind.PROVIDER_RECEIVABLE, programme=correction.programme_id
                        ),
                        -amount,
                    )
                )
        batch.entry = ledger.post_entry(
            kind=EntryKind.PAYOUT,
            description=_("Uitbetaling %(id)s aan acceptanten") % {"id": batch.pk},
            lines=lines,
            reference=f"payout:{batch.pk}",
            actor=actor,
        )
        batch.save(update_fields=["entry"])
        audit.record(
            "payouts.batch.created",
            actor=actor,
            obj=batch,
            data={
                "items": len(items),
                "weborders": len(ids),
                "vouchers": len(voucher_rows),
                "held": len(held),
                "total_deducted": str(batch.total_deducted),
                "total_net": str(batch.total_net),
            },
        )
    return batch


def _insert_lines(rows: list[tuple]) -> None:
    """Insert every payout line (item, web order, voucher, amount, fee, net; exactly one of
    web order and voucher set) in one statement, however many items the batch pays: the rows
    travel as one JSON parameter and the database expands them (PostgreSQL
    `jsonb_array_elements`, SQLite `json_each`). Other backends: `bulk_create`."""
    table = PayoutLine._meta.db_table
    columns = "item_id, weborder_id, voucher_id, amount, fee, net"
    data = json.dumps([[i, w, v, str(a), str(f), str(n)] for i, w, v, a, f, n in rows])
    if connection.vendor == "postgresql":
        select = (
            "SELECT (r->>0)::bigint, (r->>1)::bigint, (r->>2)::bigint, (r->>3)::numeric,"
            " (r->>4)::numeric, (r->>5)::numeric FROM jsonb_array_elements(%s::jsonb) AS r"
        )
    elif connection.vendor == "sqlite":
        select = (
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),"
            " json_extract(value, '$[2]'), json_extract(value, '$[3]'),"
            " json_extract(value, '$[4]'), json_extract(value, '$[5]') FROM json_each(%s)"
        )
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite
        PayoutLine.objects.bulk_create(
            [
                PayoutLine(item_id=i, weborder_id=w, voucher_id=v, amount=a, fee=f, net=n)
                for i, w, v, a, f, n in rows
            ],
            batch_size=5000,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", [data])


def batch_items(batch: PayoutBatch) -> list[dict]:
    """The API body's items: provider id, web-order ids, gross, fee, net (two queries)."""
    lines = defaultdict(list)
    vouchers = defaultdict(list)
    for item_id, weborder_id, voucher_id in PayoutLine.objects.filter(
        item__batch=batch
    ).values_list("item_id", "weborder_id", "voucher_id"):
        if weborder_id is not None:
            lines[item_id].append(weborder_id)
        else:
            vouchers[item_id].append(voucher_id)
    return [
        {
            "id": item.pk,
            "provider": item.provider_id,
            "weborders": sorted(lines[item.pk]),
            "vouchers": sorted(vouchers[item.pk]),
            "gross": item.gross,
            "fee": item.fee,
            "deducted": item.deducted,
            "net": item.net,
        }
        for item in batch.items.order_by("provider_id", "id")
    ]


# --- corrections after payout ---------------------------------------------------------------


def correct_paid_weborder(weborder: WebOrder, *, reason: str, actor=None) -> Correction:
    """A paid web order found wrong afterwards (SPEC §8): never an edit, a new entry. The
    school gets the amount back in the buckets the approval took it from; the platform gives
    up the fee; the provider owes what it received (the line's net), booked as a receivable
    and deducted from its next payouts (`create_payout_batch`). Only a `paid_out` web order
    (anything else 409 `invalid-transition`); once (the unique `Correction.weborder`)."""
    reason = reason.replace("\x00", "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed(
            _("Geef de reden van de correctie."),
            errors=[{"field": "reason", "code": "required", "message": _("Geef een reden.")}],
        )
    with transaction.atomic():
        weborder = (
            WebOrder.objects.select_for_update(of=("self",), no_key=True)
            .select_related("entry", "school", "provider")
            .get(pk=weborder.pk)
        )
        transition(weborder, S.CORRECTED, TRANSITIONS, noun=_("een webbestelling"))
        line = PayoutLine.objects.get(weborder=weborder)
        programme = weborder.programme_id
        # The buckets get back exactly what the approval took from each of them.
        back = [
            (entry_line.account, -entry_line.amount)
            for entry_line in weborder.entry.lines.select_related("account")
            if entry_line.account.kind != AccountKind.PROVIDER_PAYABLE
        ]
        lines = [
            *back,
            (ledger.account(AccountKind.PROVIDER_RECEIVABLE, programme=programme), line.net),
            (ledger.account(AccountKind.PROVIDER_FEE_INCOME, programme=programme), line.fee),
        ]
        entry = ledger.post_entry(
            kind=EntryKind.REVERSAL,
            description=_("Webbestelling %(id)s gecorrigeerd na uitbetaling: geld terug")
            % {"id": weborder.pk},
            lines=lines,
            school=weborder.school,
            programme=programme,
            reference=f"weborder:{weborder.pk}:correction",
            actor=actor,
        )
        correction = Correction.objects.create(
            weborder=weborder,
            provider=weborder.provider,
            programme_id=programme,
            line=line,
            amount=line.amount,
            fee=line.fee,
            net=line.net,
            reason=reason[:2000],
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            entry=entry,
        )
        weborder.save(update_fields=["status"])
        # the activity counts as cancelled: the dossier takes untouched visit drafts away
        from cultuurkaart.weborders.services import money_returned

        money_returned(weborder, actor=actor)
        audit.record(
            "payouts.weborder.corrected",
            actor=actor,
            obj=weborder,
            school_id=weborder.school_id,
            data={"amount": str(line.amount), "fee": str(line.fee), "owed": str(line.net)},
        )
        from cultuurkaart.schools.services import budget_holder_emails
        from cultuurkaart.weborders.services import provider_emails

        context = {"weborder": weborder, "correction": correction}
        mail.send("weborder_corrected", budget_holder_emails(weborder.school), context)
        mail.send("weborder_corrected_provider", provider_emails(weborder.provider), context)
    return correction
