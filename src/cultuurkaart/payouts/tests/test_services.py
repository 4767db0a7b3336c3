from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Account
from cultuurkaart.payouts import services
from cultuurkaart.payouts.models import PayoutBatch, PayoutItem, PayoutLine
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.models import WebOrder
from cultuurkaart.weborders.tests.factories import WebOrderFactory

from .factories import CHECK_AT, PAY_AT, checked

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("amount", "fee", "net"),
    [
        ("123.45", "6.17", "117.28"),  # SPEC §8
        ("0.10", "0.01", "0.09"),  # 0.005: exactly half a cent rounds up
        ("12.30", "0.62", "11.68"),  # 0.615 → 0.62 (half up, not half even)
        ("12.50", "0.63", "11.87"),  # 0.625 → 0.63
        ("0.09", "0.00", "0.09"),  # 0.0045 → 0.00
        ("100.00", "5.00", "95.00"),
    ],
)
def test_fee_is_five_percent_per_item_rounded_half_up(amount, fee, net):
    assert services.split(D(amount)) == (D(fee), D(net))


def _balance(kind, programme=None):
    acc = Account.objects.filter(kind=kind, programme=programme, school=None).first()
    return acc.display_balance if acc else D("0.00")


def test_batch_pays_checked_weborders_per_provider_and_books_the_ledger():
    school = SchoolFactory()
    p1, p2 = ProviderFactory(iban="NL02ABNA0123456789"), ProviderFactory()
    a = checked(p1, school, "123.45")
    b = checked(p1, school, "12.30")
    c = checked(p2, school, "100.00")
    pending = WebOrderFactory(provider=p1, school=school)  # not checked: not paid
    programme = a.programme
    assert _balance(AccountKind.PROVIDER_PAYABLE, programme) == D("235.75")

    with clock.frozen(PAY_AT):
        batch = services.create_payout_batch()

    assert (batch.total_gross, batch.total_fee, batch.total_net) == (
        D("235.75"),
        D("11.79"),
        D("223.96"),
    )
    items = {i["provider"]: i for i in services.batch_items(batch)}
    assert items[p1.pk]["weborders"] == sorted([a.pk, b.pk])
    assert (items[p1.pk]["gross"], items[p1.pk]["fee"], items[p1.pk]["net"]) == (
        D("135.75"),
        D("6.79"),
        D("128.96"),
    )
    assert (items[p2.pk]["gross"], items[p2.pk]["fee"], items[p2.pk]["net"]) == (
        D("100.00"),
        D("5.00"),
        D("95.00"),
    )
    assert PayoutItem.objects.get(batch=batch, provider=p1).iban == "NL02ABNA0123456789"
    line = PayoutLine.objects.get(weborder=a)
    assert (line.amount, line.fee, line.net) == (D("123.45"), D("6.17"), D("117.28"))
    assert set(
        WebOrder.objects.filter(status=WebOrderStatus.PAID_OUT).values_list("pk", flat=True)
    ) == {
        a.pk,
        b.pk,
        c.pk,
    }
    pending.refresh_from_db()
    assert pending.status == WebOrderStatus.PENDING
    # Ledger: payable emptied, fee income, bank paid the net.
    assert _balance(AccountKind.PROVIDER_PAYABLE, programme) == D("0.00")
    assert _balance(AccountKind.PROVIDER_FEE_INCOME, programme) == D("11.79")
    assert _balance(AccountKind.BANK) == D("-223.96")
    assert batch.entry.reference == f"payout:{batch.pk}"
    assert problems() == []


def test_second_batch_pays_nothing_twice():
    school = SchoolFactory()
    checked(ProviderFactory(), school, "50.00")
    with clock.frozen(PAY_AT):
        services.create_payout_batch()
        with pytest.raises(DomainError) as exc:
            services.create_payout_batch()
    assert exc.value.type == "nothing-to-pay" and exc.value.status == 409
    assert PayoutBatch.objects.count() == 1
    assert problems() == []


def test_nothing_checked_is_nothing_to_pay():
    WebOrderFactory()  # pending
    with pytest.raises(DomainError) as exc:
        services.create_payout_batch()
    assert exc.value.type == "nothing-to-pay"
    assert not PayoutBatch.objects.exists()


def test_until_leaves_later_checks_for_the_next_batch():
    school, provider = SchoolFactory(), ProviderFactory()
    early = checked(provider, school, "10.00", at=CHECK_AT)
    late = checked(provider, school, "20.00", at=CHECK_AT + dt.timedelta(hours=5))
    with clock.frozen(PAY_AT):
        batch = services.create_payout_batch(until=CHECK_AT + dt.timedelta(hours=1))
        assert [i["weborders"] for i in services.batch_items(batch)] == [[early.pk]]
        second = services.create_payout_batch()
    assert [i["weborders"] for i in services.batch_items(second)] == [[late.pk]]


def test_provider_with_iban_on_hold_is_left_out_and_listed():
    school = SchoolFactory()
    held = ProviderFactory(iban_hold_until=PAY_AT + dt.timedelta(days=3))
    ok = ProviderFactory()
    held_order = checked(held, school, "40.00")
    checked(ok, school, "60.00")
    held.refresh_from_db()
    with clock.frozen(PAY_AT):
        batch = services.create_payout_batch()
    assert [i["provider"] for i in services.batch_items(batch)] == [ok.pk]
    assert batch.held == [
        {
            "provider": held.pk,
            "name": held.name,
            "reason": "iban-hold",
            "until": held.iban_hold_until.isoformat(),
        }
    ]
    held_order.refresh_from_db()
    assert held_order.status == WebOrderStatus.CHECKED
    # After the hold it is paid in the next batch.
    with clock.frozen(PAY_AT + dt.timedelta(days=4)):
        later = services.create_payout_batch()
    assert [i["weborders"] for i in services.batch_items(later)] == [[held_order.pk]]
    assert problems() == []


def test_only_held_providers_is_nothing_to_pay():
    held = ProviderFactory(iban_hold_until=PAY_AT + dt.timedelta(days=3))
    checked(held, SchoolFactory(), "40.00")
    with clock.frozen(PAY_AT), pytest.raises(DomainError) as exc:
        services.create_payout_batch()
    assert exc.value.type == "nothing-to-pay"


def test_paid_out_weborder_can_no_longer_be_reversed():
    from cultuurkaart.weborders import services as weborders

    wo = checked(ProviderFactory(), SchoolFactory(), "30.00")
    with clock.frozen(PAY_AT):
        services.create_payout_batch()
    wo.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        weborders.reverse_weborder(wo)
    assert exc.value.type == "invalid-transition"


def test_database_refuses_a_weborder_in_two_batches():
    from django.db import IntegrityError, transaction

    wo = checked(ProviderFactory(), SchoolFactory(), "30.00")
    with clock.frozen(PAY_AT):
        services.create_payout_batch()
    item = PayoutItem.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutLine.objects.create(
            item=item, weborder=wo, amount=D("30"), fee=D("1.5"), net=D("28.5")
        )


def test_batch_query_count_does_not_grow_with_weborders(django_assert_max_num_queries):
    school = SchoolFactory()
    providers = [ProviderFactory() for _ in range(3)]
    for provider in providers:
        checked(provider, school, "10.00")
    with clock.frozen(PAY_AT), django_assert_max_num_queries(40) as ctx:
        services.create_payout_batch()
    few = len(ctx.captured_queries)
    for provider in providers:
        for _ in range(5):
            checked(provider, school, "10.00")
    with clock.frozen(PAY_AT + dt.timedelta(days=1)), django_assert_max_num_queries(few):
        batch = services.create_payout_batch()
    assert PayoutLine.objects.filter(item__batch=batch).count() == 15


def test_batch_of_thousands_takes_as_many_queries_as_a_batch_of_three(
    django_assert_max_num_queries,
):
    """Set-based (issue 9 benchmark: 100,000 web orders): the lines go in with one insert
    and the web orders move with one update, however many there are (no chunks either)."""
    school, providers = SchoolFactory(), [ProviderFactory() for _ in range(3)]
    for provider in providers:
        checked(provider, school, "10.00")
    with clock.frozen(PAY_AT), django_assert_max_num_queries(40) as ctx:
        services.create_payout_batch()
    few = len(ctx.captured_queries)
    template = WebOrderFactory.build(school=school, provider=providers[0])
    amounts = [D(c) / 100 for c in range(10, 10 + 12_001)]
    WebOrder.objects.bulk_create(
        [
            WebOrder(
                provider=providers[i % 3],
                school=school,
                programme=template.programme,
                amount=amount,
                students=1,
                activity_at=template.activity_at,
                activity_on=template.activity_on,
                description="x",
                status=WebOrderStatus.CHECKED,
                created_at=CHECK_AT,
                checked_at=CHECK_AT,
            )
            for i, amount in enumerate(amounts)
        ],
        batch_size=2000,
    )
    with clock.frozen(PAY_AT + dt.timedelta(days=1)), django_assert_max_num_queries(few):
        batch = services.create_payout_batch()
    assert PayoutLine.objects.filter(item__batch=batch).count() == len(amounts)
    assert not WebOrder.objects.filter(status=WebOrderStatus.CHECKED).exists()
    assert batch.total_gross == sum(amounts)
    assert batch.total_fee == sum(services.fee_for(a) for a in amounts)
    line = PayoutLine.objects.get(weborder__amount=D("0.10"))
    assert (line.amount, line.fee, line.net) == (D("0.10"), D("0.01"), D("0.09"))


def test_provider_without_iban_is_left_out_and_listed():
    school = SchoolFactory()
    none = ProviderFactory(iban="")
    checked(none, school, "40.00")
    checked(ProviderFactory(), school, "60.00")
    with clock.frozen(PAY_AT):
        batch = services.create_payout_batch()
    assert [(h["provider"], h["reason"]) for h in batch.held] == [(none.pk, "no-iban")]
    assert none.pk not in [i["provider"] for i in services.batch_items(batch)]


def test_until_in_the_future_is_now():
    wo = checked(ProviderFactory(), SchoolFactory(), "10.00")
    with clock.frozen(PAY_AT):
        batch = services.create_payout_batch(until=PAY_AT + dt.timedelta(days=30))
    assert batch.until == PAY_AT
    assert services.batch_items(batch)[0]["weborders"] == [wo.pk]
