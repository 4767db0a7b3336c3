"""Property: any sequence of orders, payments, web-order debits, reversals and credit
notes keeps every entry balanced, every cached balance equal to its lines, and no bucket
negative."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import BUCKETS, EntryKind
from cultuurkaart.ledger.models import Account, Entry
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

NOW = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("order"), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("pay"), st.integers(0, 5), cents),
    st.tuples(st.just("pay_full"), st.integers(0, 5)),
    st.tuples(st.just("debit"), cents),
    st.tuples(st.just("reverse"), st.integers(0, 10)),
    st.tuples(st.just("credit_note"), st.integers(0, 5)),
    st.tuples(st.just("third_party"), cents),
)


def _run(ops, school, prog, actor):
    invoices = []
    for op in ops:
        try:
            if op[0] == "order":
                _, with_c, without_c, teachers = op
                if with_c + without_c == 0:
                    continue
                order = BudgetOrder.objects.create(
                    school=school,
                    programme=prog,
                    kind="supplementary",
                    status="awaiting_decision",
                    with_contribution=with_c,
                    without_contribution=without_c,
                    teachers=teachers,
                    duo_count=100,
                    submitted_at=NOW - dt.timedelta(days=10),
                    objection_deadline=NOW - dt.timedelta(days=1),
                )
                invoices.append(orders.approve_order(order, actor=actor))
            elif op[0] in ("pay", "pay_full") and invoices:
                invoice = invoices[op[1] % len(invoices)]
                invoice.refresh_from_db()
                amount = op[2] if op[0] == "pay" else max(invoice.outstanding, Decimal("0.01"))
                orders.register_payment(invoice, str(amount), "2023-10-20", actor=actor)
            elif op[0] == "debit":
                ledger.debit_collective(school, prog, op[1], description="Webbestelling")
            elif op[0] == "reverse":
                entries = list(Entry.objects.filter(kind=EntryKind.WEBORDER).order_by("pk"))
                if entries:
                    ledger.reverse_entry(entries[op[1] % len(entries)])
            elif op[0] == "credit_note" and invoices:
                orders.issue_credit_note(invoices[op[1] % len(invoices)], reason="x", actor=actor)
            elif op[0] == "third_party":
                c = orders.create_third_party_contribution(
                    school,
                    {"programme": prog.code, "funder": "Fonds", "amount": str(op[1])},
                    actor=actor,
                )
                invoices.append(c.invoice)
        except DomainError:
            pass  # refusals (insufficient budget, already reversed, …) book nothing


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, max_size=12))
def test_any_sequence_keeps_the_ledger_balanced(ops, admin):
    with transaction.atomic():
        school, prog = SchoolFactory(), programme()
        with clock.frozen(NOW):
            _run(ops, school, prog, admin)
        assert problems() == []
        assert sum(Account.objects.values_list("balance", flat=True), Decimal(0)) == 0
        for acc in Account.objects.filter(kind__in=BUCKETS):
            assert acc.display_balance >= 0
        transaction.set_rollback(True)
