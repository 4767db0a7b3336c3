"""Property (issue 9 point 7): random sequences of web-order and payout steps keep the money
right. Two schools with released budgets in all three buckets (their own order paid in full,
a third party's contribution paid), two accepted providers; steps: create (amounts at the
half-cent fee boundary and beyond the balance), approve, reject, withdraw, admin check valid
and invalid, reverse, payout batch (also twice in a row). A model predicts each step's outcome
(state table, spending order, per-line fees) independently of the services.

After every step: no bucket negative; money conserved (released = buckets + money taken by
live web orders; provider payable + fee income + paid out = everything approved and not
returned); every batch, item and line has fee + net = gross and fee = Σ per-line
ROUND_HALF_UP fees; every web order is in exactly one legal state matching the model, with
the ledger references that state implies; `ledger_check` passes. A refused step (the
service's DomainError) changes nothing in the ledger, the web orders or the batches.

There is no post-payout correction service (SPEC's "correction is a new ledger entry" is
not offered by weborders or payouts yet), so the machine has no such step."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import BUCKETS, SPENDING_ORDER, AccountKind, EntryKind
from cultuurkaart.ledger.models import Account, Entry, Line
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.payouts import services as payouts
from cultuurkaart.payouts.exceptions import NothingToPay
from cultuurkaart.payouts.models import PayoutBatch, PayoutItem, PayoutLine
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.constants import MONEY_TAKEN, TRANSITIONS, WebOrderStatus
from cultuurkaart.weborders.models import WebOrder

pytestmark = pytest.mark.django_db

S = WebOrderStatus
D = Decimal
CENT = D("0.01")
ORDER_AT = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
SPEND_AT = dt.datetime(2024, 3, 4, 10, tzinfo=clock.AMSTERDAM)
ACTIVITY_AT = dt.datetime(2024, 3, 20, 13, 30, tzinfo=clock.AMSTERDAM)

# Amounts whose 5% fee is exactly half a cent (0.10 → 0.005, 2.10, 100.10), the SPEC's
# example 123.45, everyday amounts, and up to €3,000 (more than a small school holds).
BOUNDARY = [D("0.01"), D("0.10"), D("0.30"), D("2.10"), D("100.10"), D("123.45"), D("0.90")]
amounts = st.one_of(
    st.sampled_from(BOUNDARY),
    st.integers(min_value=1, max_value=20_000).map(lambda c: D(c) / 100),
    st.integers(min_value=1, max_value=300_000).map(lambda c: D(c) / 100),
)
pick = st.integers(min_value=0, max_value=10_000)


def fee_oracle(amount: Decimal) -> Decimal:
    """5% per line in cents, half up, computed here without the service's helpers."""
    return (amount * D(5) / D(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def _display(kind, **filters) -> Decimal:
    total = D(0)
    for acc in Account.objects.filter(kind=kind, **filters):
        total += acc.display_balance
    return total


class WebOrderMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._stack = ExitStack()
        self._stack.enter_context(transaction.atomic())
        self.prog = programme()
        self.admin = with_role(UserFactory(), RoleName.ADMIN)
        self.schools = []
        self.providers = [ProviderFactory(), ProviderFactory()]
        self.ids: list[int] = []
        self.model: dict[int, dict] = {}  # pk -> {"status", "amount", "school", "split"}
        self.buckets: dict[int, dict[str, Decimal]] = {}  # school pk -> bucket -> balance
        self.batches = 0

    def teardown(self):
        if self.schools:  # the operators' command agrees with the invariant checks
            out = StringIO()
            call_command("ledger_check", stdout=out)
            assert "ledger ok" in out.getvalue()
        transaction.set_rollback(True)
        self._stack.close()

    # --- set-up: released money in all three buckets ----------------------------------

    @initialize(
        sizes=st.lists(
            st.tuples(st.integers(5, 40), st.integers(1, 40_000).map(lambda c: D(c) / 100)),
            min_size=1,
            max_size=2,
        ),
        first=st.sampled_from(BOUNDARY),
    )
    def fund_schools(self, sizes, first):
        for students, third in sizes:
            school = SchoolFactory()
            with clock.frozen(ORDER_AT):
                order = BudgetOrder.objects.create(
                    school=school,
                    programme=self.prog,
                    kind="initial",
                    status="awaiting_decision",
                    with_contribution=students,
                    without_contribution=0,
                    teachers=0,
                    duo_count=students,
                    submitted_at=ORDER_AT - dt.timedelta(days=10),
                    objection_deadline=ORDER_AT - dt.timedelta(days=1),
                )
                invoice = orders.approve_order(order, actor=self.admin)
                orders.register_payment(invoice, str(invoice.total), "2023-10-20", actor=self.admin)
                contribution = orders.create_third_party_contribution(
                    school,
                    {"programme": self.prog.code, "funder": "Fonds", "amount": str(third)},
                    actor=self.admin,
                )
                orders.register_payment(
                    contribution.invoice, str(third), "2023-10-20", actor=self.admin
                )
            balances = ledger_queries.balances(school, self.prog)
            assert all(balances[k] > 0 for k in SPENDING_ORDER), balances
            self.schools.append(school)
            self.buckets[school.pk] = {k: balances[k] for k in SPENDING_ORDER}
        # One web order already approved and checked (a fee-boundary amount), so a payout
        # can be the very first step.
        self.create(0, 0, first)
        self.approve(0)
        self.check(0, True)
        self.released = -(
            Line.objects.filter(
                account__kind__in=SPENDING_ORDER, entry__kind=EntryKind.RELEASE
            ).aggregate(s=Sum("amount"))["s"]
        )

    # --- helpers ------------------------------------------------------------------------

    def _snapshot(self):
        return (
            Entry.objects.count(),
            Line.objects.count(),
            tuple(Account.objects.order_by("pk").values_list("pk", "balance")),
            tuple(WebOrder.objects.order_by("pk").values_list("pk", "status")),
            PayoutBatch.objects.count(),
            PayoutLine.objects.count(),
        )

    def _attempt(self, call, expected_ok: bool):
        """Run a service step; a refusal must be a DomainError that changed nothing, and
        the outcome must be the one the model predicts."""
        before = self._snapshot()
        try:
            with clock.frozen(SPEND_AT):
                result = call()
        except DomainError as exc:
            assert self._snapshot() == before, f"refused step changed state: {exc.type}"
            assert not expected_ok, f"model expected success, service refused: {exc.type}"
            return None
        assert expected_ok, "model expected a refusal, service accepted"
        return result

    def _wo(self, i: int, states=()) -> int:
        """Mostly a web order in one of `states` (so sequences get far: approve, check,
        pay), sometimes any web order (so wrong-state refusals are exercised too)."""
        fitting = [pk for pk in self.ids if self.model[pk]["status"] in states]
        if fitting and i % 4:
            return fitting[(i // 4) % len(fitting)]
        return self.ids[i % len(self.ids)]

    def _may(self, pk: int, target: str) -> bool:
        return target in TRANSITIONS.get(self.model[pk]["status"], set())

    # --- steps --------------------------------------------------------------------------

    @rule(school=pick, provider=pick, amount=amounts)
    def create(self, school, provider, amount):
        school = self.schools[school % len(self.schools)]
        provider = self.providers[provider % len(self.providers)]
        data = {
            "school_number": school.school_number,
            "amount": amount,
            "students": 20,
            "activity_at": ACTIVITY_AT,
            "description": "Voorstelling",
        }
        wo = self._attempt(lambda: weborders.create_weborder(provider, data), True)
        self.ids.append(wo.pk)
        self.model[wo.pk] = {"status": S.PENDING, "amount": amount, "school": school.pk}

    @precondition(lambda self: self.ids)
    @rule(i=pick)
    def approve(self, i):
        pk = self._wo(i, (S.PENDING,))
        m = self.model[pk]
        buckets = self.buckets[m["school"]]
        fits = sum(buckets.values()) >= m["amount"]
        ok = m["status"] == S.PENDING and fits
        wo = self._attempt(lambda: weborders.approve_weborder(WebOrder(pk=pk)), ok)
        if ok:
            rest, split = m["amount"], {}
            for kind in SPENDING_ORDER:
                split[kind] = min(rest, buckets[kind])
                buckets[kind] -= split[kind]
                rest -= split[kind]
            assert rest == 0
            assert {k: wo.split[k] or D(0) for k in SPENDING_ORDER} == split
            m.update(status=S.APPROVED, split=split)

    @precondition(lambda self: self.ids)
    @rule(i=pick, by_provider=st.booleans())
    def reject_or_withdraw(self, i, by_provider):
        """The school rejects, or the provider withdraws, a pending web order (one rule, so
        that the steps that move money forward are chosen as often as these)."""
        pk = self._wo(i, (S.PENDING,))
        ok = self.model[pk]["status"] == S.PENDING
        if by_provider:
            self._attempt(lambda: weborders.withdraw_weborder(WebOrder(pk=pk)), ok)
        else:
            self._attempt(lambda: weborders.reject_weborder(WebOrder(pk=pk), "Niet besteld"), ok)
        if ok:
            self.model[pk]["status"] = S.WITHDRAWN if by_provider else S.REJECTED

    @precondition(lambda self: self.ids)
    @rule(i=pick, valid=st.sampled_from([True, True, True, False]))
    def check(self, i, valid):
        pk = self._wo(i, (S.APPROVED,))
        target = S.CHECKED if valid else S.INVALID
        ok = self._may(pk, target)
        self._attempt(
            lambda: weborders.check_weborder(
                WebOrder(pk=pk), valid=valid, reason="" if valid else "Geen culturele activiteit"
            ),
            ok,
        )
        if ok:
            self._settle(pk, target)

    @precondition(lambda self: self.ids)
    @rule(i=pick)
    def reverse(self, i):
        pk = self._wo(i, (S.APPROVED, S.CHECKED))
        ok = self._may(pk, S.REVERSED)
        self._attempt(lambda: weborders.reverse_weborder(WebOrder(pk=pk), reason="Fout"), ok)
        if ok:
            self._settle(pk, S.REVERSED)

    def _settle(self, pk, target):
        m = self.model[pk]
        if target in (S.INVALID, S.REVERSED):  # the money goes back where it came from
            for kind, value in m["split"].items():
                self.buckets[m["school"]][kind] += value
        m["status"] = target

    @precondition(lambda self: any(m["status"] == S.CHECKED for m in self.model.values()))
    @rule(twice=st.booleans())
    def payout(self, twice):
        due = {pk for pk, m in self.model.items() if m["status"] == S.CHECKED}
        runs = 2 if twice else 1
        for run in range(runs):
            batch = self._attempt(
                lambda: payouts.create_payout_batch(actor=self.admin), bool(due) and run == 0
            )
            if batch is None:
                continue
            self.batches += 1
            paid = set(
                PayoutLine.objects.filter(item__batch=batch).values_list("weborder", flat=True)
            )
            assert paid == due
            expected_fee = sum((fee_oracle(self.model[pk]["amount"]) for pk in due), D(0))
            assert batch.total_fee == expected_fee
            assert batch.total_gross == sum((self.model[pk]["amount"] for pk in due), D(0))
            for pk in due:
                self.model[pk]["status"] = S.PAID_OUT
            due = set()

    @precondition(
        lambda self: self.batches and all(m["status"] != S.CHECKED for m in self.model.values())
    )
    @rule()
    def payout_again_pays_nothing(self):
        before = self._snapshot()
        with clock.frozen(SPEND_AT), pytest.raises(NothingToPay):
            payouts.create_payout_batch(actor=self.admin)
        assert self._snapshot() == before

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def no_bucket_negative(self):
        for acc in Account.objects.filter(kind__in=BUCKETS):
            assert acc.display_balance >= 0, (acc.kind, acc.display_balance)

    @invariant()
    def buckets_match_the_model(self):
        for school in self.schools:
            balances = ledger_queries.balances(school, self.prog)
            assert {k: balances[k] for k in SPENDING_ORDER} == self.buckets[school.pk]

    @invariant()
    def money_is_conserved(self):
        if not self.schools:
            return
        rows = list(WebOrder.objects.values_list("status", "amount"))
        taken = sum((a for s, a in rows if s in MONEY_TAKEN), D(0))
        in_buckets = sum((_display(kind, programme=self.prog) for kind in SPENDING_ORDER), D(0))
        assert self.released == in_buckets + taken
        # The spending half: what approvals moved to provider payable is still owed, was
        # kept as the 5% fee, or left the bank as net payouts.
        payable = _display(AccountKind.PROVIDER_PAYABLE)
        fee_income = _display(AccountKind.PROVIDER_FEE_INCOME)
        paid_net = -(
            Line.objects.filter(
                entry__kind=EntryKind.PAYOUT, account__kind=AccountKind.BANK
            ).aggregate(s=Sum("amount"))["s"]
            or D(0)
        )
        assert payable + fee_income + paid_net == taken
        owed = sum((a for s, a in rows if s in (S.APPROVED, S.CHECKED)), D(0))
        assert payable == owed
        paid = PayoutLine.objects.values_list("amount", flat=True)
        assert fee_income == sum((fee_oracle(a) for a in paid), D(0))

    @invariant()
    def every_batch_item_and_line_adds_up(self):
        for line in PayoutLine.objects.select_related("weborder"):
            assert line.amount == line.weborder.amount
            assert line.fee == fee_oracle(line.amount)
            assert line.fee + line.net == line.amount
        for item in PayoutItem.objects.all():
            lines = list(item.lines.values_list("amount", "fee", "net"))
            assert item.gross == sum((a for a, _f, _n in lines), D(0))
            assert item.fee == sum((fee_oracle(a) for a, _f, _n in lines), D(0))
            assert item.fee + item.net == item.gross
            assert item.net == sum((n for _a, _f, n in lines), D(0))
        for batch in PayoutBatch.objects.all():
            items = list(batch.items.values_list("gross", "fee", "net"))
            assert batch.total_fee + batch.total_net == batch.total_gross
            assert batch.total_gross == sum((g for g, _f, _n in items), D(0))
            assert batch.total_fee == sum((f for _g, f, _n in items), D(0))

    @invariant()
    def every_weborder_is_in_one_legal_state(self):
        legal = set(S.values)
        rows = WebOrder.objects.values_list("pk", "status", "entry_id", "reversal_id")
        paid = set(PayoutLine.objects.values_list("weborder_id", flat=True))
        assert {pk for pk, *_ in rows} == set(self.model)
        for pk, status, entry_id, reversal_id in rows:
            assert status in legal
            assert status == self.model[pk]["status"], (pk, status, self.model[pk])
            booked = status in (*MONEY_TAKEN, S.INVALID, S.REVERSED)
            assert (entry_id is not None) == booked, (pk, status)
            assert (reversal_id is not None) == (status in (S.INVALID, S.REVERSED)), (pk, status)
            assert (pk in paid) == (status == S.PAID_OUT), (pk, status)

    @invariant()
    def ledger_check_passes(self):
        assert problems() == []


def test_random_weborder_and_payout_sequences_keep_the_money_right():
    run_state_machine_as_test(
        WebOrderMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
