"""Individual budget and vouchers (SPEC §9, issue 10 points 1–3): assignment all or nothing,
take-back, claim, redeem once, expiry, payout with the 5% fee; the ledger stays sound."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.memberships.services import end_membership
from cultuurkaart.memberships.tests.factories import PersonFactory
from cultuurkaart.orders.tests.factories import committed
from cultuurkaart.payouts.models import PayoutLine
from cultuurkaart.payouts.services import create_payout_batch
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.vouchers import services
from cultuurkaart.vouchers.models import Assignment, Voucher, VoucherStatus

from .factories import (
    LAST_SECOND,
    SPEND_AT,
    admin,
    pay,
    school_with_pool,
    student,
    voucher_provider,
)

pytestmark = pytest.mark.django_db


def balance(kind, school, programme):
    return ledger.account(kind, school=school, programme=programme).display_balance


def assign(school, people, bh, at=SPEND_AT):
    with clock.frozen(at), committed():
        return services.assign(school, [p.pk for p in people], actor=bh)


def claim(membership, provider, at=SPEND_AT):
    with clock.frozen(at), committed():
        return services.claim(membership.user, provider.pk, actor=membership.user)


def redeem(voucher, person, at=SPEND_AT):
    with clock.frozen(at), committed():
        return services.redeem(voucher, actor=person)


def refused(fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value


# --- 1: assigning ---------------------------------------------------------------------------


def test_assign_moves_each_students_share_from_the_pool_and_mails_the_student():
    school, programme, bh, _invoice = school_with_pool(without=3)
    assert balance(AccountKind.INDIVIDUAL, school, programme) == Decimal("16.50")
    (p1, m1), (p2, _m2) = student(school), student(school)
    mail.outbox.clear()
    result = assign(school, [p1, p2], bh)
    assert result["assigned"] == 2 and result["amount_each"] == Decimal("5.50")
    assert balance(AccountKind.INDIVIDUAL, school, programme) == Decimal("5.50")
    assert balance(AccountKind.INDIVIDUAL_ASSIGNED, school, programme) == Decimal("11.00")
    a = Assignment.objects.get(membership=m1)
    assert a.is_live and a.vouchers_allowed == 1 and a.amount == Decimal("5.50")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [m1.user.email, Assignment.objects.exclude(pk=a.pk).get().membership.user.email]
    )
    assert "€ 5,50" in mail.outbox[0].body and "/mijn-tegoedbonnen/" in mail.outbox[0].body
    assert problems() == []


def test_assign_again_does_not_count_a_student_twice():
    school, programme, bh, _ = school_with_pool(without=3)
    p1, _ = student(school)
    assign(school, [p1], bh)
    again = assign(school, [p1], bh)
    assert again["assigned"] == 0
    assert Assignment.objects.filter(school=school).count() == 1
    assert balance(AccountKind.INDIVIDUAL_ASSIGNED, school, programme) == Decimal("5.50")


def test_a_student_without_active_membership_refuses_the_whole_assignment():
    school, programme, bh, _ = school_with_pool(without=3)
    active, _ = student(school)
    ended_person, ended = student(school)
    with committed():
        end_membership(ended, actor=admin())
    never = PersonFactory(school=school, first_name="Zonderlid")
    error = refused(assign, school, [active, ended_person, never], bh)
    assert error.type == "membership-not-active" and error.status == 422
    assert sorted(e["person_id"] for e in error.errors) == sorted(
        [str(ended_person.pk), str(never.pk)]
    )
    assert "Zonderlid" in error.message
    assert Assignment.objects.count() == 0
    assert balance(AccountKind.INDIVIDUAL, school, programme) == Decimal("16.50")
    assert problems() == []


def test_more_students_than_ordered_without_contribution_is_409_and_nothing_is_assigned():
    school, _programme, bh, _ = school_with_pool(without=2)
    people = [student(school)[0] for _ in range(3)]
    error = refused(assign, school, people, bh)
    assert error.type == "insufficient-budget" and error.status == 409
    assert Assignment.objects.count() == 0
    assign(school, people[:2], bh)
    error = refused(assign, school, people[2:], bh)
    assert error.type == "insufficient-budget"
    assert Assignment.objects.filter(withdrawn_at=None).count() == 2


def test_unpaid_admin_cost_invoice_is_409_budget_not_spendable_until_paid():
    school, _programme, bh, invoice = school_with_pool(without=2, paid=False)
    p1, _ = student(school)
    error = refused(assign, school, [p1], bh)
    assert error.type == "budget-not-spendable" and error.status == 409
    assert Assignment.objects.count() == 0
    pay(invoice, SPEND_AT - dt.timedelta(days=30))
    assert assign(school, [p1], bh)["assigned"] == 1


def test_a_person_of_another_school_is_422_and_not_revealed():
    school, _programme, bh, _ = school_with_pool(without=2)
    other_school, *_ = school_with_pool(without=2)
    stranger, _ = student(other_school)
    error = refused(assign, school, [stranger], bh)
    assert error.type == "validation-error" and error.status == 422
    assert Assignment.objects.count() == 0


def test_a_short_pool_is_409_insufficient_budget():
    school, programme, bh, _ = school_with_pool(without=2)
    people = [student(school)[0] for _ in range(2)]
    # Half the pool went elsewhere (e.g. a correction): two students no longer fit.
    with clock.frozen(SPEND_AT), committed():
        ledger.post_entry(
            kind="other",
            description="correctie",
            lines=[
                (ledger.account(AccountKind.INDIVIDUAL, school=school, programme=programme), 5),
                (ledger.account(AccountKind.OCW_FUND, programme=programme), -5),
            ],
            school=school,
            programme=programme,
        )
    error = refused(assign, school, people, bh)
    assert error.type == "insufficient-budget"
    assert Assignment.objects.count() == 0


def test_take_back_before_a_claim_reverses_the_entry_and_after_a_claim_is_refused():
    school, programme, bh, _ = school_with_pool(without=2)
    (p1, m1), (p2, m2) = student(school), student(school)
    assign(school, [p1, p2], bh)
    a1 = Assignment.objects.get(membership=m1)
    with clock.frozen(SPEND_AT), committed():
        services.withdraw(a1, actor=bh)
    a1.refresh_from_db()
    assert a1.withdrawn_at is not None and a1.entry.reversed_by is not None
    assert balance(AccountKind.INDIVIDUAL, school, programme) == Decimal("5.50")
    assert balance(AccountKind.INDIVIDUAL_ASSIGNED, school, programme) == Decimal("5.50")
    # taken back → can be given again
    assert assign(school, [p1], bh)["assigned"] == 1

    provider, _ = voucher_provider()
    claim(m2, provider)
    a2 = Assignment.objects.get(membership=m2)
    error = refused(services.withdraw, a2, actor=bh)
    assert error.type == "assignment-claimed" and error.status == 409
    a2.refresh_from_db()
    assert a2.withdrawn_at is None
    assert problems() == []


# --- 2: vouchers ---------------------------------------------------------------------------


def test_vo_claim_gives_one_voucher_of_550_that_expires_at_the_end_of_the_window():
    school, _programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, _ = voucher_provider()
    voucher = claim(m1, provider)
    assert voucher.amount == Decimal("5.50") and voucher.status == VoucherStatus.CLAIMED
    assert voucher.expires_at == LAST_SECOND
    assert len(voucher.code) == services.CODE_LENGTH
    error = refused(claim, m1, provider)
    assert error.type == "vouchers-used-up" and error.status == 409


def test_mbo_student_gets_two_vouchers_of_525():
    school, programme, bh, _ = school_with_pool(kind="mbo", without=1)
    assert programme.rate_voucher == Decimal("5.25")
    p1, m1 = student(school)
    assert assign(school, [p1], bh)["amount_each"] == Decimal("10.50")
    provider, _ = voucher_provider()
    first, second = claim(m1, provider), claim(m1, provider)
    assert first.amount == second.amount == Decimal("5.25") and first.code != second.code
    assert refused(claim, m1, provider).type == "vouchers-used-up"


def test_claim_without_assignment_is_404_and_for_a_provider_without_individual_budget_422():
    school, _programme, bh, _ = school_with_pool(without=1)
    _p, lonely = student(school)
    provider, _ = voucher_provider()
    error = refused(claim, lonely, provider)
    assert error.type == "no-assignment" and error.status == 404
    p1, m1 = student(school)
    assign(school, [p1], bh)
    plain = ProviderFactory(accepts_individual_budget=False)
    error = refused(claim, m1, plain)
    assert error.type == "provider-not-accepting-vouchers" and error.status == 422
    assert Voucher.objects.count() == 0


def test_claim_before_the_window_opens_and_after_it_closes():
    school, _programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh, at=dt.datetime(2023, 12, 1, 9, 0, tzinfo=clock.AMSTERDAM))
    provider, _ = voucher_provider()
    early = refused(
        claim, m1, provider, at=dt.datetime(2023, 12, 31, 23, 0, tzinfo=clock.AMSTERDAM)
    )
    assert early.type == "budget-not-spendable"
    late = refused(claim, m1, provider, at=LAST_SECOND + dt.timedelta(seconds=1))
    assert late.type == "voucher-expired"


def test_redeem_moves_the_value_to_provider_payable_once():
    school, programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, person = voucher_provider()
    voucher = claim(m1, provider)
    done = redeem(voucher, person)
    assert done.status == VoucherStatus.REDEEMED and done.redemption_entry_id
    assert balance(AccountKind.INDIVIDUAL_ASSIGNED, school, programme) == Decimal("0.00")
    payable = ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    assert payable.display_balance == Decimal("5.50")
    error = refused(redeem, voucher, person)
    assert error.type == "voucher-used" and error.status == 409
    assert payable.__class__.objects.get(pk=payable.pk).display_balance == Decimal("5.50")
    assert problems() == []


def test_redeem_at_the_last_second_works_and_one_second_later_is_expired():
    school, _programme, bh, _ = school_with_pool(kind="mbo", without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, person = voucher_provider()
    first, second = claim(m1, provider), claim(m1, provider)
    assert redeem(first, person, at=LAST_SECOND).status == VoucherStatus.REDEEMED
    error = refused(redeem, second, person, at=LAST_SECOND + dt.timedelta(seconds=1))
    assert error.type == "voucher-expired" and error.status == 409
    second.refresh_from_db()
    assert second.status == VoucherStatus.CLAIMED
    assert problems() == []


def test_another_providers_code_is_not_found():
    school, _programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, _ = voucher_provider()
    other, _ = voucher_provider()
    voucher = claim(m1, provider)
    assert services.find_for_provider(voucher.code, [other.pk]) is None
    shown = services.display_code(voucher.code).lower()
    assert services.find_for_provider(shown, [provider.pk]) == voucher


# --- 3: payouts ------------------------------------------------------------------------------


def test_a_redeemed_voucher_is_paid_out_once_with_the_5_percent_fee():
    school, programme, bh, _ = school_with_pool(kind="mbo", without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, person = voucher_provider()
    first, second = claim(m1, provider), claim(m1, provider)
    redeem(first, person)
    with clock.frozen(SPEND_AT + dt.timedelta(days=1)), committed():
        batch = create_payout_batch(actor=admin())
    line = PayoutLine.objects.get(voucher=first)
    # 5% of €5.25 = €0.2625 → €0.26 (half up per item)
    assert (line.amount, line.fee, line.net) == (Decimal("5.25"), Decimal("0.26"), Decimal("4.99"))
    assert line.weborder_id is None and line.item.batch == batch
    assert (batch.total_gross, batch.total_fee, batch.total_net) == (
        Decimal("5.25"),
        Decimal("0.26"),
        Decimal("4.99"),
    )
    payable = ledger.account(AccountKind.PROVIDER_PAYABLE, programme=programme)
    assert payable.display_balance == Decimal("0.00")
    # the second voucher is not redeemed: not paid; a second run pays nothing
    assert not PayoutLine.objects.filter(voucher=second).exists()
    with clock.frozen(SPEND_AT + dt.timedelta(days=2)), pytest.raises(DomainError) as exc:
        create_payout_batch(actor=admin())
    assert exc.value.type == "nothing-to-pay"
    assert problems() == []


def test_a_payout_line_holds_exactly_one_of_weborder_and_voucher():
    from django.db import IntegrityError, transaction

    from cultuurkaart.payouts.models import PayoutBatch, PayoutItem

    provider, _ = voucher_provider()
    batch = PayoutBatch.objects.create(until=clock.now(), total_gross=0, total_fee=0, total_net=0)
    item = PayoutItem.objects.create(
        batch=batch, provider=provider, name="x", iban="NL91ABNA0417164300", gross=0, fee=0, net=0
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutLine.objects.create(item=item, amount=1, fee=0, net=1)


def test_a_revoked_provider_cannot_redeem():
    from cultuurkaart.providers.constants import ProviderStatus

    school, _programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, person = voucher_provider()
    voucher = claim(m1, provider)
    provider.__class__.objects.filter(pk=provider.pk).update(status=ProviderStatus.REVOKED)
    error = refused(redeem, voucher, person)
    assert error.type == "provider-not-accepted" and error.status == 403
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.CLAIMED


def test_a_voucher_of_an_ended_membership_cannot_be_redeemed():
    school, _programme, bh, _ = school_with_pool(without=1)
    p1, m1 = student(school)
    assign(school, [p1], bh)
    provider, person = voucher_provider()
    voucher = claim(m1, provider)
    with committed():
        end_membership(m1, actor=admin())
    error = refused(redeem, voucher, person)
    assert error.type == "membership-not-active"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.CLAIMED
    assert problems() == []
