"""A whole VO year, driven by hypothesis: orders approved and paid (the real order services),
third-party contributions, web orders approved, checked and reversed (the real web-order
services), individual budget assigned to roster students and taken back, vouchers claimed by
the student and redeemed by the provider (the real voucher services), payout batches (the
real payout service), memberships, then the year end and the OCW redistribution. A model in
plain Python predicts every outcome, refusals included (a refused step books nothing).
Afterwards `ledger_check` passes and every school's money is accounted for to the cent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Account, Entry
from cultuurkaart.memberships.tests.factories import PersonFactory, activated
from cultuurkaart.orders import services as orders
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.payouts import services as payouts
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.vouchers import services as vouchers
from cultuurkaart.vouchers.models import Assignment, Voucher
from cultuurkaart.vouchers.tests.factories import voucher_provider
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.models import WebOrder
from cultuurkaart.weborders.tests.factories import WebOrderFactory
from cultuurkaart.yearend.models import Share, Statement, YearEnd

from .factories import MIDNIGHT, Q1, memberships, next_programme

ORDER_AT = dt.datetime(2023, 10, 20, 10, tzinfo=clock.AMSTERDAM)
ACTIVATE_AT = dt.datetime(2023, 11, 1, 9, tzinfo=clock.AMSTERDAM)
SPEND_AT = dt.datetime(2024, 5, 6, 10, tzinfo=clock.AMSTERDAM)
D = Decimal
SCHOOLS = 3

cents = st.integers(min_value=1, max_value=30_000).map(lambda c: D(c) / 100)
school_ix = st.integers(0, SCHOOLS - 1)
pick = st.integers(0, 20)
operation = st.one_of(
    st.tuples(st.just("order"), school_ix, st.integers(0, 60), st.integers(0, 20)),
    st.tuples(st.just("third_party"), school_ix, cents),
    st.tuples(st.just("weborder"), school_ix, cents),
    st.tuples(st.just("weborder"), school_ix, cents),  # twice: spending is what a year is
    st.tuples(st.just("check"), pick),
    st.tuples(st.just("reverse"), pick),
    st.tuples(st.just("assign"), school_ix, st.booleans()),
    st.tuples(st.just("assign"), school_ix, st.just(True)),
    st.tuples(st.just("withdraw"), pick),
    st.tuples(st.just("claim"), pick),
    st.tuples(st.just("redeem"), pick),
    st.tuples(st.just("payout")),
    st.tuples(st.just("payout")),
    st.tuples(st.just("check"), pick),
    # A student's year in a row: assigned, claims a voucher, the provider redeems it.
    st.tuples(st.just("student"), school_ix, st.integers(1, 3)),
    st.tuples(st.just("student"), school_ix, st.integers(1, 3)),
    st.tuples(st.just("members"), school_ix, st.integers(0, 40), st.booleans()),
)


def fee_of(amount: Decimal) -> Decimal:
    """SPEC §8: 5% per item, rounded half up to the cent (the model's own arithmetic)."""
    return (amount * 5 / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


class Model:
    """What the money should be, per school, without the ledger."""

    def __init__(self):
        self.buckets = defaultdict(lambda: {"school": D(0), "ocw": D(0), "third_party": D(0)})
        self.individual = defaultdict(lambda: D(0))  # unassigned pool
        self.assigned = defaultdict(lambda: D(0))  # assigned, not yet redeemed
        self.paid_in = defaultdict(lambda: D(0))  # everything released for the school
        self.spent = defaultdict(lambda: D(0))  # web orders (net of reversals) and vouchers
        self.weborders = {}  # web order id → [school index, split, amount, status]
        self.with_paid = defaultdict(int)
        self.without_paid = defaultdict(int)  # students ordered without contribution, paid
        self.students_paid = 0
        self.counted = defaultdict(int)  # students activated in time (assigned or not)
        self.assignments = []  # [school index, Assignment pk, user, live, voucher pks]
        self.vouchers = {}  # voucher pk → [assignment index, status] (claimed/redeemed/paid)
        self.batches = 0

    def live(self, i: int) -> int:
        return sum(1 for a in self.assignments if a[0] == i and a[3])


def _expect(op, expected: str | tuple | None, step) -> object:
    """Run `step`; `expected` None: it must succeed, else it must be refused with that
    error type and book nothing."""
    before = Entry.objects.count()
    try:
        result = step()
    except DomainError as exc:
        assert expected is not None, f"{op} refused: {exc.type} {exc}"
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert exc.type in allowed, f"{op}: {exc.type}, expected {expected}"
        assert Entry.objects.count() == before, f"{op} refused but booked"
        event(f"{op[0]} refused: {exc.type}")
        return None
    assert expected is None, f"{op} succeeded, expected {expected}"
    event(f"{op[0]} done")
    return result


def _run(ops, schools, prog, admin, provider, provider_user, model: Model):
    rate, value = prog.rate_ocw, prog.rate_voucher
    for op in ops:
        kind = op[0]
        if kind == "student":  # the last assignment, the last voucher (pick -1)
            steps = [("assign", op[1], True), ("claim", -1), ("redeem", -1)][: op[2]]
            _run(steps, schools, prog, admin, provider, provider_user, model)
        elif kind == "order":
            i, with_c, without_c = op[1], op[2], op[3]
            if with_c + without_c == 0:
                continue
            order = BudgetOrder.objects.create(
                school=schools[i],
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
            with clock.frozen(ORDER_AT):
                invoice = _expect(
                    op,
                    None if fits else "ocw-funds-exhausted",
                    lambda order=order: orders.approve_order(order, actor=admin),
                )
            if invoice is None:
                continue
            with clock.frozen(ORDER_AT):
                orders.register_payment(
                    invoice, str(invoice.outstanding), "2023-10-20", actor=admin
                )
            model.buckets[i]["school"] += with_c * prog.rate_school
            model.buckets[i]["ocw"] += with_c * rate
            model.individual[i] += without_c * rate
            model.paid_in[i] += with_c * (prog.rate_school + rate) + without_c * rate
            model.with_paid[i] += with_c
            model.without_paid[i] += without_c
            model.students_paid += with_c + without_c
        elif kind == "third_party":
            i, amount = op[1], op[2]
            with clock.frozen(ORDER_AT):
                contribution = orders.create_third_party_contribution(
                    schools[i],
                    {"programme": prog.code, "funder": "Gemeente", "amount": str(amount)},
                    actor=admin,
                )
                orders.register_payment(
                    contribution.invoice, str(amount), "2023-10-20", actor=admin
                )
            model.buckets[i]["third_party"] += amount
            model.paid_in[i] += amount
        elif kind == "weborder":
            i, amount = op[1], op[2]
            weborder = WebOrderFactory(school=schools[i], amount=amount)
            buckets = model.buckets[i]
            enough = sum(buckets.values()) >= amount
            # Short: 409 insufficient-budget; a school whose collective money was never
            # released may also be told that nothing is spendable yet.
            short = (
                "insufficient-budget"
                if model.with_paid[i] or buckets["third_party"]
                else ("insufficient-budget", "budget-not-spendable")
            )
            with clock.frozen(SPEND_AT):
                done = _expect(
                    op,
                    None if enough else short,
                    lambda w=weborder: weborders.approve_weborder(w),
                )
            if done is None:
                continue
            rest, split = amount, {}
            for k in ("school", "ocw", "third_party"):
                split[k] = min(rest, buckets[k])
                buckets[k] -= split[k]
                rest -= split[k]
            model.weborders[weborder.pk] = [i, split, amount, "approved"]
            model.spent[i] += amount
        elif kind in ("check", "reverse"):
            if not model.weborders:
                continue
            pk = sorted(model.weborders)[op[1] % len(model.weborders)]
            row = model.weborders[pk]
            allowed = ("approved",) if kind == "check" else ("approved", "checked")
            weborder = WebOrder.objects.get(pk=pk)
            with clock.frozen(SPEND_AT):
                if kind == "check":
                    step = lambda w=weborder: weborders.check_weborder(w, valid=True, actor=admin)  # noqa: E731
                else:
                    step = lambda w=weborder: weborders.reverse_weborder(w, actor=admin)  # noqa: E731
                done = _expect(op, None if row[3] in allowed else "invalid-transition", step)
            if done is None:
                continue
            if kind == "check":
                row[3] = "checked"
            else:
                row[3] = "reversed"
                for k, part in row[1].items():
                    model.buckets[row[0]][k] += part
                    model.spent[row[0]] -= part
        elif kind == "assign":
            i, active = op[1], op[2]
            person = PersonFactory(school=schools[i])
            if active:
                with clock.frozen(ACTIVATE_AT):
                    activated(person)
                model.counted[i] += 1  # activated in time: counts unless assigned
            if model.without_paid[i] == 0:
                expected = "insufficient-budget"  # no individual budget ordered and paid
            elif not active:
                expected = "membership-not-active"
            elif model.live(i) + 1 > model.without_paid[i] or model.individual[i] < rate:
                expected = "insufficient-budget"
            else:
                expected = None
            with clock.frozen(SPEND_AT):
                done = _expect(
                    op,
                    expected,
                    lambda s=schools[i], p=person: vouchers.assign(s, [p.pk], actor=admin),
                )
            if done is None:
                continue
            assert done["assigned"] == 1 and done["amount_each"] == rate
            made = Assignment.objects.get(membership__person=person, withdrawn_at=None)
            assert made.amount == rate
            user = made.membership.user
            model.assignments.append([i, made.pk, user, True, []])
            model.individual[i] -= rate
            model.assigned[i] += rate
        elif kind in ("withdraw", "claim"):
            if not model.assignments:
                continue
            row = model.assignments[op[1] % len(model.assignments)]
            i, pk, user, live, claimed = row
            if kind == "withdraw":
                expected = (
                    "no-assignment" if not live else "assignment-claimed" if claimed else None
                )
                assignment = Assignment.objects.get(pk=pk)
                with clock.frozen(SPEND_AT):
                    done = _expect(
                        op, expected, lambda a=assignment: vouchers.withdraw(a, actor=admin)
                    )
                if done is None:
                    continue
                row[3] = False
                model.individual[i] += rate
                model.assigned[i] -= rate
            else:
                # The student's own live assignment (one per student here).
                expected = "no-assignment" if not live else "vouchers-used-up" if claimed else None
                with clock.frozen(SPEND_AT):
                    voucher = _expect(op, expected, lambda u=user: vouchers.claim(u, provider.pk))
                if voucher is None:
                    continue
                assert voucher.amount == value and voucher.assignment_id == pk
                claimed.append(voucher.pk)
                model.vouchers[voucher.pk] = [row, "claimed"]
        elif kind == "redeem":
            if not model.vouchers:
                continue
            pk = sorted(model.vouchers)[op[1] % len(model.vouchers)]
            vrow = model.vouchers[pk]
            voucher = Voucher.objects.get(pk=pk)
            with clock.frozen(SPEND_AT):
                done = _expect(
                    op,
                    None if vrow[1] == "claimed" else "voucher-used",
                    lambda v=voucher: vouchers.redeem(v, actor=provider_user),
                )
            if done is None:
                continue
            vrow[1] = "redeemed"
            i = vrow[0][0]
            model.assigned[i] -= value
            model.spent[i] += value
        elif kind == "payout":
            due = [row[2] for row in model.weborders.values() if row[3] == "checked"]
            due += [value for row in model.vouchers.values() if row[1] == "redeemed"]
            with clock.frozen(SPEND_AT):
                batch = _expect(
                    op,
                    None if due else "nothing-to-pay",
                    lambda: payouts.create_payout_batch(actor=admin),
                )
            if batch is None:
                continue
            gross = sum(due, D(0))
            fee = sum((fee_of(a) for a in due), D(0))
            assert batch.total_gross == gross
            assert batch.total_fee == fee
            assert batch.total_net == gross - fee
            assert batch.total_fee + batch.total_net == batch.total_gross
            for item in batch.items.all():
                assert item.fee + item.net == item.gross
            for row in model.weborders.values():
                if row[3] == "checked":
                    row[3] = "paid_out"
            for row in model.vouchers.values():
                if row[1] == "redeemed":
                    row[1] = "paid_out"
            model.batches += 1
        elif kind == "members":
            i, n, late = op[1], op[2], op[3]
            memberships(schools[i], n, at=MIDNIGHT if late else SPEND_AT)
            if not late:
                model.counted[i] += n


def _nothing_spendable_after(schools, admin, provider, provider_user, model: Model):
    """After the year end: no voucher of the programme is redeemed (409 `voucher-expired`;
    `voucher-used` for one redeemed before), no student claims, no web order is approved and
    no individual budget is assigned; nothing is booked."""
    before = Entry.objects.count()
    with clock.frozen(MIDNIGHT):
        for pk, (_row, status) in sorted(model.vouchers.items()):
            voucher = Voucher.objects.get(pk=pk)
            _expect(
                ("late-redeem",),
                "voucher-expired" if status == "claimed" else "voucher-used",
                lambda v=voucher: vouchers.redeem(v, actor=provider_user),
            )
        for _i, _pk, user, live, _claimed in model.assignments:
            if live:
                _expect(
                    ("late-claim",),
                    "voucher-expired",
                    lambda u=user: vouchers.claim(u, provider.pk),
                )
        for i, school in enumerate(schools):
            weborder = WebOrderFactory(school=school, amount=D("1.00"))
            try:
                weborders.approve_weborder(weborder)
            except DomainError:
                event("late web order refused")
            else:
                raise AssertionError(f"school {i} spent after the year end")
            person = PersonFactory(school=school)
            _expect(
                ("late-assign",),
                "insufficient-budget",
                lambda s=school, p=person: vouchers.assign(s, [p.pk], actor=admin),
            )
    assert Entry.objects.count() == before


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
    ops=st.lists(operation, min_size=3, max_size=40),
)
def test_a_whole_year_conserves_money_to_the_cent(national, start, ops, admin):
    with transaction.atomic():
        prog, nxt = programme(), next_programme()
        prog.ocw_total = national
        prog.save()
        schools = [SchoolFactory() for _ in range(SCHOOLS)]
        provider, provider_user = voucher_provider()
        model = Model()
        # Every school starts with an order and members; then the year happens.
        opening = [("order", i, w, wo) for i, (w, wo, _) in enumerate(start)]
        opening += [("members", i, m, False) for i, (_, _, m) in enumerate(start)]
        # ... and before its end one more student's voucher is redeemed and a batch paid.
        closing = [("student", 0, 3), ("payout",)]
        _run(opening + ops + closing, schools, prog, admin, provider, provider_user, model)
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
        _nothing_spendable_after(schools, admin, provider, provider_user, model)

        event(f"refunds > 0: {year_end.refund_school > 0}")
        with clock.frozen(Q1):
            result = jobs.run("redistribute-ocw", {"programme": prog.pk, "next_programme": nxt.pk})
        initial = model.students_paid * prog.rate_ocw
        pool = max(D(0), prog.ocw_total - initial)
        # A student with a live assignment at the year end does not count (SPEC §14).
        counts = {
            i: min(model.counted[i] - model.live(i), model.with_paid[i]) for i in range(SCHOOLS)
        }
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
