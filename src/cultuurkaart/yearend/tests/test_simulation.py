"""A whole VO year, driven by hypothesis: orders approved and paid (the real order services),
third-party contributions, web orders approved and reversed (the real web-order services),
individual budget assigned and redeemed (ledger moves as the vouchers app makes them; its
services come later), memberships, then the year end and the OCW redistribution. Afterwards
`ledger_check` passes and every school's money is accounted for to the cent against a model
kept in plain Python."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Account, Entry
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import WebOrderFactory
from cultuurkaart.yearend.models import Share, Statement, YearEnd

from .factories import MIDNIGHT, Q1, assign_individual, assignment, memberships, next_programme
from .factories import redeem as redeem_voucher

ORDER_AT = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
SPEND_AT = dt.datetime(2024, 5, 6, 10, tzinfo=clock.AMSTERDAM)
D = Decimal
SCHOOLS = 3

cents = st.integers(min_value=1, max_value=30_000).map(lambda c: D(c) / 100)
school_ix = st.integers(0, SCHOOLS - 1)
operation = st.one_of(
    st.tuples(st.just("order"), school_ix, st.integers(0, 60), st.integers(0, 20)),
    st.tuples(st.just("third_party"), school_ix, cents),
    st.tuples(st.just("weborder"), school_ix, cents),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("weborder"), school_ix, cents),  # twice: spending is what a year is
    st.tuples(st.just("weborder"), school_ix, cents),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("assign"), school_ix),
    st.tuples(st.just("redeem"), school_ix),
    st.tuples(st.just("members"), school_ix, st.integers(0, 40), st.booleans()),
)


class Model:
    """What the money should be, per school, without the ledger."""

    def __init__(self):
        self.buckets = defaultdict(lambda: {"school": D(0), "ocw": D(0), "third_party": D(0)})
        self.individual = defaultdict(lambda: D(0))
        self.assigned = defaultdict(lambda: D(0))
        self.paid_in = defaultdict(lambda: D(0))  # everything released for the school
        self.spent = defaultdict(lambda: D(0))  # web orders (net of reversals) and vouchers
        self.splits = {}  # web order id → (school index, split)
        self.with_paid = defaultdict(int)
        self.students_paid = 0
        self.counted = defaultdict(int)  # members activated in time without assignment


def _run(ops, schools, prog, admin, model: Model):
    rate = prog.rate_ocw
    for op in ops:
        kind, i = op[0], op[1]
        school = schools[i] if kind != "reverse" else None
        try:
            if kind == "order":
                with_c, without_c = op[2], op[3]
                if with_c + without_c == 0:
                    continue
                order = BudgetOrder.objects.create(
                    school=school,
                    programme=prog,
                    kind="supplementary",
                    status="awaiting_decision",
                    with_contribution=with_c,
                    without_contribution=without_c,
                    duo_count=100,
                    submitted_at=ORDER_AT - dt.timedelta(days=10),
                    objection_deadline=ORDER_AT - dt.timedelta(days=1),
                )
                fits = (model.students_paid + with_c + without_c) * rate <= prog.ocw_total
                try:
                    with clock.frozen(ORDER_AT):
                        invoice = orders.approve_order(order, actor=admin)
                except DomainError as exc:
                    assert not fits and exc.type == "ocw-funds-exhausted", exc
                    event("order refused: national OCW total")
                    continue
                assert fits
                with clock.frozen(ORDER_AT):
                    orders.register_payment(
                        invoice, str(invoice.outstanding), "2023-10-20", actor=admin
                    )
                model.buckets[i]["school"] += with_c * prog.rate_school
                model.buckets[i]["ocw"] += with_c * rate
                model.individual[i] += without_c * rate
                model.paid_in[i] += with_c * (prog.rate_school + rate) + without_c * rate
                model.with_paid[i] += with_c
                model.students_paid += with_c + without_c
            elif kind == "third_party":
                with clock.frozen(ORDER_AT):
                    contribution = orders.create_third_party_contribution(
                        school,
                        {"programme": prog.code, "funder": "Gemeente", "amount": str(op[2])},
                        actor=admin,
                    )
                    orders.register_payment(
                        contribution.invoice, str(op[2]), "2023-10-20", actor=admin
                    )
                model.buckets[i]["third_party"] += op[2]
                model.paid_in[i] += op[2]
            elif kind == "weborder":
                weborder = WebOrderFactory(school=school, amount=op[2])
                buckets = model.buckets[i]
                enough = sum(buckets.values()) >= op[2]
                try:
                    with clock.frozen(SPEND_AT):
                        weborders.approve_weborder(weborder)
                except DomainError:
                    assert not enough  # refused only when the model is short too
                    event("web order refused: budget short")
                    continue
                assert enough
                rest, split = op[2], {}
                for k in ("school", "ocw", "third_party"):
                    split[k] = min(rest, buckets[k])
                    buckets[k] -= split[k]
                    rest -= split[k]
                model.splits[weborder.pk] = (i, split)
                event("web order approved")
                model.spent[i] += op[2]
            elif kind == "reverse":
                if not model.splits:
                    continue
                pk = sorted(model.splits)[op[1] % len(model.splits)]
                j, split = model.splits.pop(pk)
                from cultuurkaart.weborders.models import WebOrder

                with clock.frozen(SPEND_AT):
                    weborders.reverse_weborder(WebOrder.objects.get(pk=pk), actor=admin)
                event("web order reversed")
                for k, value in split.items():
                    model.buckets[j][k] += value
                    model.spent[j] -= value
            elif kind == "assign":
                if model.individual[i] < rate:
                    continue
                (member,) = memberships(school, 1)
                assignment(member, prog)
                assign_individual(school, prog, rate)
                model.individual[i] -= rate
                model.assigned[i] += rate
            elif kind == "redeem":
                if model.assigned[i] < rate:
                    continue
                redeem_voucher(school, prog, rate)
                model.assigned[i] -= rate
                model.spent[i] += rate
            elif kind == "members":
                late = op[3]
                memberships(school, op[2], at=MIDNIGHT if late else SPEND_AT)
                if not late:
                    model.counted[i] += op[2]
        except DomainError as exc:  # pragma: no cover - the model says when to expect one
            raise AssertionError(f"{op} refused: {exc}") from exc


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    national=st.sampled_from([D("5000000.00"), D("1500.00"), D("300.00")]),
    start=st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 10), st.integers(0, 50)),
        min_size=SCHOOLS,
        max_size=SCHOOLS,
    ),
    ops=st.lists(operation, min_size=3, max_size=30),
)
def test_a_whole_year_conserves_money_to_the_cent(national, start, ops, admin):
    with transaction.atomic():
        prog, nxt = programme(), next_programme()
        prog.ocw_total = national
        prog.save()
        schools = [SchoolFactory() for _ in range(SCHOOLS)]
        model = Model()
        # Every school starts with an order and members; then the year happens.
        opening = [("order", i, w, wo) for i, (w, wo, _) in enumerate(start)]
        opening += [("members", i, m, False) for i, (_, _, m) in enumerate(start)]
        _run(opening + ops, schools, prog, admin, model)
        assert problems() == []
        with clock.frozen(MIDNIGHT):
            closed = jobs.run("close-year", {"programme": prog.pk})
        rows = {row["school"]: row for row in closed["schools"]}
        year_end = YearEnd.objects.get(programme=prog)
        for i, school in enumerate(schools):
            statement = Statement.objects.filter(school=school).first()
            if statement is None:  # no money of this school in the programme
                assert model.paid_in[i] == 0
                continue
            buckets = model.buckets[i]
            assert rows[school.pk]["refund_school"] == str(buckets["school"].quantize(D("0.01")))
            assert statement.unspent_ocw == buckets["ocw"]
            assert statement.unspent_third_party == buckets["third_party"]
            assert statement.individual_unassigned == model.individual[i]
            assert statement.individual_assigned == model.assigned[i]
            # Conservation: all that came in was spent, refunded or returned.
            assert model.paid_in[i] == model.spent[i] + statement.remaining + statement.individual
        statements = list(Statement.objects.filter(year_end=year_end))
        assert year_end.refund_school == sum((s.refund_school for s in statements), D(0))
        assert year_end.to_ocw_fund == sum((s.to_ocw_fund for s in statements), D(0))
        expiring = Account.objects.filter(
            programme=prog,
            school__isnull=False,
            kind__in=["school", "ocw", "third_party", "individual", "individual_assigned"],
        )
        assert all(a.balance == 0 for a in expiring)

        event(f"refunds > 0: {year_end.refund_school > 0}")
        with clock.frozen(Q1):
            result = jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.pk})
        initial = model.students_paid * prog.rate_ocw
        pool = max(D(0), prog.ocw_total - initial)
        counts = {i: min(model.counted[i], model.with_paid[i]) for i in range(SCHOOLS)}
        total_count = sum(counts.values())
        per = D(int(pool * 100) // total_count) / 100 if total_count else D(0)
        assert D(result["per_student"]) == per
        event(f"redistributed: {per > 0}")
        assert D(result["total"]) == per * total_count
        for i, school in enumerate(schools):
            share = Share.objects.filter(school=school).first()
            amount = share.amount if share else D(0)
            assert amount == per * counts[i]
            acc = Account.objects.filter(kind=AccountKind.OCW, school=school, programme=nxt).first()
            assert (acc.display_balance if acc else D(0)) == amount
        leftover = pool - D(result["total"])
        if total_count:  # the cents rounded off: less than one cent per student
            assert D(0) <= leftover < D("0.01") * total_count
        else:
            assert D(result["total"]) == 0

        # Both jobs again: the same answers, nothing booked.
        entries = Entry.objects.count()
        with clock.frozen(Q1):
            assert jobs.run("close-year", {"programme": prog.pk}) == closed
            assert (
                jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.pk})
                == result
            )
        assert Entry.objects.count() == entries
        assert problems() == []
        assert sum(Account.objects.values_list("balance", flat=True), D(0)) == 0
        transaction.set_rollback(True)
