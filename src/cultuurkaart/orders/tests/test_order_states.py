"""Order states around money (issue 8 points 12–15): credit notes end an order, the
non-payment cancellation follows when the school paid, changes in the objection period
after the ordering period, and which money is spendable when."""

import datetime as dt
from decimal import Decimal

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.memberships.tests.factories import PersonFactory, activated
from cultuurkaart.orders import calendar, queries, services
from cultuurkaart.orders.models import BudgetOrder
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import Programme

from .factories import VO_ORDER_AT, committed, order_data, ready_school

pytestmark = pytest.mark.django_db

A = clock.AMSTERDAM
AFTER_PERIOD = VO_ORDER_AT + dt.timedelta(days=10)


@pytest.fixture
def actor():
    return with_role(UserFactory(), RoleName.ADMIN)


def submit(school, at=VO_ORDER_AT, **kwargs):
    with clock.frozen(at), committed():
        return services.submit_order(school, order_data(**kwargs), actor=None)


def approve(order, actor, at=AFTER_PERIOD):
    with clock.frozen(at), committed():
        return services.approve_order(order, actor=actor)


def pay(invoice, amount, actor, on, at):
    with clock.frozen(at), committed():
        return services.register_payment(invoice, amount, on, actor=actor)


def actions(action):
    return AuditEntry.objects.filter(action=action)


# --- 12: credit note ends the order -----------------------------------------------------


def test_credit_note_ends_the_order_frees_the_cap_and_the_school_orders_again(actor):
    Programme.objects.filter(code="vo-2024").update(ocw_total=Decimal("2750.00"))
    school = ready_school(duo=500)
    order = submit(school)
    invoice = approve(order, actor)
    assert services.ocw_allocated(order.programme) == Decimal("2750.00")
    other = submit(ready_school(duo=500))
    with pytest.raises(DomainError) as exc:
        approve(other, actor)
    assert exc.value.type == "ocw-funds-exhausted"

    with clock.frozen(AFTER_PERIOD), committed():
        note = services.issue_credit_note(invoice, reason="Verkeerde aantallen", actor=actor)
    order.refresh_from_db()
    assert order.status == "credited"
    assert note.credit_for_id == invoice.pk
    assert actions("orders.order.credited").get().data["ocw_released"] == "2750.00"
    assert services.ocw_allocated(order.programme) == 0
    # The cap has room again, and the school can place a new initial order.
    assert approve(other, actor).number
    again = submit(school, at=AFTER_PERIOD)
    assert again.kind == "initial" and again.status == "submitted"
    assert problems() == []


def test_credit_note_through_the_api_shows_the_order_credited(api_as, actor):
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    order = submit(school)
    invoice = approve(order, actor)
    r = api_as(actor, clock="2023-10-13T10:00:00+02:00").post(
        f"/admin/invoices/{invoice.pk}/credit-note", {"reason": "Dubbel"}
    )
    assert r.status_code == 201
    assert api_as(bh).get(f"/budget-orders/{order.pk}").json()["status"] == "credited"


def test_credit_note_on_a_cancelled_unpaid_order_ends_it_too(actor):
    school = ready_school(duo=500)
    order = submit(school)
    invoice = approve(order, actor)
    with clock.frozen(dt.datetime(2024, 1, 10, tzinfo=A)):
        assert services.cancel_unpaid() == [order.pk]
    with clock.frozen(dt.datetime(2024, 1, 11, tzinfo=A)), committed():
        services.issue_credit_note(invoice, reason="Afgeboekt", actor=actor)
    order.refresh_from_db()
    assert order.status == "credited"
    assert actions("orders.order.credited").get().data["ocw_released"] == "0.00"


# --- 13: cancellation date and paid_on ---------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "due", "expected"),
    [
        (dt.date(2024, 1, 10), dt.date(2024, 2, 20), dt.date(2024, 4, 11)),
        (dt.date(2023, 11, 30), dt.date(2024, 1, 10), dt.date(2024, 3, 1)),
        # A late approval: the invoice is due after the three months.
        (dt.date(2023, 10, 2), dt.date(2024, 1, 14), dt.date(2024, 1, 15)),
        (dt.date(2023, 10, 2), dt.date(2024, 1, 2), dt.date(2024, 1, 3)),
        (dt.date(2023, 10, 2), dt.date(2024, 1, 1), dt.date(2024, 1, 3)),
    ],
)
def test_cancellation_date_is_the_later_of_three_months_and_due_date(submitted, due, expected):
    at = dt.datetime.combine(submitted, dt.time(23, 30), tzinfo=A)
    assert calendar.unpaid_cancellation_from(at, due) == expected


def test_never_cancelled_before_the_invoice_is_due(actor):
    school = ready_school(duo=500)
    order = submit(school)  # 2 Oct 2023
    invoice = approve(order, actor, at=dt.datetime(2023, 12, 15, 10, tzinfo=A))
    assert invoice.due_on == dt.date(2024, 1, 14)
    with clock.frozen(dt.datetime(2024, 1, 14, 23, 59, 59, tzinfo=A)):
        assert services.cancel_unpaid() == []
    with clock.frozen(dt.datetime(2024, 1, 15, 0, 0, tzinfo=A)):
        assert services.cancel_unpaid() == [order.pk]


@pytest.fixture
def cancelled(actor):
    """An initial order submitted 10 Oct 2023, approved 20 Oct (due 19 Nov), cancelled for
    non-payment on 11 Jan 2024 with the school's registration and one membership."""
    school = ready_school(duo=500)
    order = submit(school, at=dt.datetime(2023, 10, 10, 9, tzinfo=A))
    invoice = approve(order, actor, at=dt.datetime(2023, 10, 20, 9, tzinfo=A))
    with clock.frozen(dt.datetime(2023, 11, 1, 9, tzinfo=A)):
        membership = activated(PersonFactory(school=school))
    with clock.frozen(dt.datetime(2024, 1, 11, 0, 0, 5, tzinfo=A)), committed():
        assert services.cancel_unpaid() == [order.pk]
    order.refresh_from_db()
    membership.refresh_from_db()
    school.refresh_from_db()
    assert order.status == "cancelled_unpaid" and order.cancelled_registration
    assert school.status == SchoolStatus.CANCELLED and membership.status == "inactive"
    return order, invoice, membership


def test_payment_dated_before_the_cancellation_reinstates_everything(actor, cancelled):
    order, invoice, membership = cancelled
    school, programme = order.school, order.programme
    # Paid on 10 Jan (the last day), registered on 15 Jan.
    pay(invoice, str(invoice.total), actor, "2024-01-10", dt.datetime(2024, 1, 15, 9, tzinfo=A))
    order.refresh_from_db()
    school.refresh_from_db()
    membership.refresh_from_db()
    assert order.status == "approved" and order.ocw_forfeited_at is None
    assert order.released_at is not None
    assert school.status == SchoolStatus.ACTIVE
    assert membership.status == "active" and membership.end_reason == ""
    assert membership.person.status == "active"
    b = ledger_queries.balances(school, programme)
    assert (b["school"], b["ocw"], b["individual"]) == (
        Decimal("4950.00"),
        Decimal("2475.00"),
        Decimal("275.00"),
    )
    assert services.ocw_allocated(programme) == Decimal("2750.00")
    reinstated = actions("orders.order.reinstated").get()
    assert reinstated.data == {
        "ocw_reinstated": True,
        "registration_reinstated": True,
        "memberships_restored": 1,
    }
    assert actions("schools.school.reinstated").count() == 1
    assert actions("memberships.school_memberships.restored").get().data["restored"] == 1
    assert queries.budget_summary(school, programme).released
    assert problems() == []


def test_payment_dated_on_the_cancellation_date_is_held_for_refund(actor, cancelled):
    order, invoice, _ = cancelled
    school, programme = order.school, order.programme
    pay(invoice, str(invoice.total), actor, "2024-01-11", dt.datetime(2024, 1, 15, 9, tzinfo=A))
    order.refresh_from_db()
    school.refresh_from_db()
    assert order.status == "cancelled_unpaid" and order.released_at is None
    assert school.status == SchoolStatus.CANCELLED
    summary = queries.budget_summary(school, programme)
    assert summary.released is False and summary.spendable_from is None
    assert summary.collective == 0 and summary.individual_available == 0
    assert summary.held_for_refund == Decimal("4950.00")
    assert not ledger_queries.is_spendable(school, programme, dt.datetime(2024, 6, 1, tzinfo=A))
    assert actions("orders.payment.held_for_refund").count() == 1
    assert problems() == []


def test_partly_paid_in_time_and_the_rest_late_is_held(actor, cancelled):
    order, invoice, _ = cancelled
    pay(invoice, "1000.00", actor, "2024-01-05", dt.datetime(2024, 1, 12, 9, tzinfo=A))
    order.refresh_from_db()
    assert order.status == "cancelled_unpaid"  # not paid in full yet
    rest = str(invoice.total - Decimal("1000.00"))
    pay(invoice, rest, actor, "2024-01-12", dt.datetime(2024, 1, 12, 10, tzinfo=A))
    order.refresh_from_db()
    assert order.status == "cancelled_unpaid"
    assert ledger_queries.held_for_refund(order.school, order.programme) == Decimal("4950.00")


def test_partly_registered_payments_all_dated_in_time_reinstate(actor, cancelled):
    order, invoice, _ = cancelled
    pay(invoice, "1000.00", actor, "2024-01-05", dt.datetime(2024, 1, 12, 9, tzinfo=A))
    rest = str(invoice.total - Decimal("1000.00"))
    pay(invoice, rest, actor, "2024-01-09", dt.datetime(2024, 1, 20, 9, tzinfo=A))
    order.refresh_from_db()
    assert order.status == "approved"


def test_reinstatement_without_ocw_when_the_cap_is_used_up(actor, cancelled):
    order, invoice, membership = cancelled
    programme = order.programme
    Programme.objects.filter(pk=programme.pk).update(ocw_total=Decimal("2750.00"))
    # Meanwhile another school's order took the whole national total.
    other = submit(ready_school(duo=500), at=dt.datetime(2024, 1, 12, 9, tzinfo=A))
    approve(other, actor, at=dt.datetime(2024, 1, 22, 9, tzinfo=A))
    pay(invoice, str(invoice.total), actor, "2024-01-10", dt.datetime(2024, 1, 23, 9, tzinfo=A))
    order.refresh_from_db()
    membership.refresh_from_db()
    assert order.status == "approved"
    assert order.ocw_forfeited_at is not None and order.ocw_allocated == 0
    assert services.ocw_allocated(programme) == Decimal("2750.00")  # the cap holds
    b = ledger_queries.balances(order.school, programme)
    assert (b["school"], b["ocw"], b["individual"]) == (Decimal("4950.00"), 0, 0)
    assert membership.status == "active"
    assert actions("orders.order.reinstated").get().data["ocw_reinstated"] is False
    assert problems() == []


def test_expired_memberships_are_not_restored(actor, cancelled):
    _, invoice, membership = cancelled
    type(membership).objects.filter(pk=membership.pk).update(valid_until=dt.date(2024, 1, 12))
    pay(invoice, str(invoice.total), actor, "2024-01-10", dt.datetime(2024, 1, 15, 9, tzinfo=A))
    membership.refresh_from_db()
    assert membership.status == "inactive"


def test_supplementary_reinstatement_leaves_the_registration_alone(actor):
    school = ready_school(duo=500)
    initial = submit(school, with_contribution=480, without_contribution=0)
    pay(approve(initial, actor), "5280.00", actor, "2023-10-12", AFTER_PERIOD)
    extra = submit(school, kind="supplementary", with_contribution=20, without_contribution=0)
    invoice = approve(extra, actor)
    with clock.frozen(dt.datetime(2024, 1, 3, tzinfo=A)):
        assert services.cancel_unpaid() == [extra.pk]
    pay(invoice, str(invoice.total), actor, "2024-01-02", dt.datetime(2024, 1, 8, tzinfo=A))
    extra.refresh_from_db()
    assert extra.status == "approved" and not extra.cancelled_registration
    assert actions("schools.school.reinstated").count() == 0


# --- 14: changes in the objection period after the ordering period ----------------------


def test_change_in_objection_period_after_ordering_closed():
    school = ready_school(duo=500)
    last_day = dt.datetime(2024, 1, 31, 16, tzinfo=A)  # the last day of ordering
    order = submit(school, at=last_day)
    after_close = dt.datetime(2024, 2, 2, 10, tzinfo=A)
    with clock.frozen(after_close), committed():
        changed = services.change_order(
            order, {"with_contribution": 460, "without_contribution": 40}, actor=None
        )
    assert (changed.with_contribution, changed.without_contribution) == (460, 40)
    # The deviation rule and field errors still apply.
    for data, error in (
        ({"with_contribution": 600}, "deviation-exceeded"),
        ({"with_contribution": -1}, "validation-error"),
    ):
        with clock.frozen(after_close), pytest.raises(DomainError) as exc:
            services.change_order(order, data, actor=None)
        assert exc.value.type == error
    # A new order after the ordering period is still refused.
    with clock.frozen(after_close), pytest.raises(DomainError) as exc:
        services.submit_order(ready_school(duo=500), order_data(), actor=None)
    assert exc.value.type == "ordering-closed"


def test_change_in_objection_period_via_the_api(api_as):
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    order = submit(school, at=dt.datetime(2024, 1, 31, 16, tzinfo=A))
    r = api_as(bh, clock="2024-02-05T10:00:00+01:00").patch(
        f"/budget-orders/{order.pk}", {"with_contribution": 455}
    )
    assert r.status_code == 200, r.content
    assert r.json()["with_contribution"] == 455


# --- 15: third-party money is spendable once the third party paid -----------------------


def test_third_party_money_is_spendable_once_paid_and_released_describes_the_own_order(actor):
    school = ready_school(duo=500)
    programme = Programme.objects.get(code="vo-2024")
    with clock.frozen(dt.datetime(2023, 10, 5, 10, tzinfo=A)), committed():
        contribution = services.create_third_party_contribution(
            school,
            {"programme": "vo-2024", "funder": "Gemeente Utrecht", "amount": "750.00"},
            actor=actor,
        )
    pay(contribution.invoice, "750.00", actor, "2023-10-20", dt.datetime(2023, 10, 20, 9, tzinfo=A))
    summary = queries.budget_summary(school, programme)
    assert summary.buckets["third_party"] == Decimal("750.00")
    # The school's own order is not paid: not released, no spendable-from date.
    assert summary.released is False and summary.spendable_from is None
    assert summary.third_party_released is True
    assert summary.third_party_spendable_from == dt.date(2023, 10, 20)
    # Spendable at once, before 1 January and without the school's own invoice.
    on = dt.datetime(2023, 10, 20, 12, tzinfo=A)
    assert ledger_queries.spendable_buckets(school, programme, on) == ["third_party"]
    assert ledger_queries.spendable_buckets(school, programme, on - dt.timedelta(days=1)) == []
    # The school's own order paid in October: its money waits for 1 January (VO).
    order = submit(school)
    pay(approve(order, actor), "5087.50", actor, "2023-10-25", dt.datetime(2023, 10, 25, tzinfo=A))
    summary = queries.budget_summary(school, programme)
    assert summary.released is True and summary.spendable_from == dt.date(2024, 1, 1)
    assert ledger_queries.spendable_buckets(
        school, programme, dt.datetime(2023, 12, 1, tzinfo=A)
    ) == ["third_party"]
    assert ledger_queries.spendable_buckets(
        school, programme, dt.datetime(2024, 1, 1, tzinfo=A)
    ) == ["school", "ocw", "third_party"]
    assert (
        ledger_queries.spendable_buckets(school, programme, dt.datetime(2025, 1, 1, tzinfo=A)) == []
    )


def test_budget_api_shows_third_party_and_held_money(api_as, actor):
    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    with clock.frozen(dt.datetime(2023, 10, 5, 10, tzinfo=A)), committed():
        contribution = services.create_third_party_contribution(
            school,
            {"programme": "vo-2024", "funder": "Provincie", "amount": "100.00"},
            actor=actor,
        )
    pay(contribution.invoice, "100.00", actor, "2023-10-06", dt.datetime(2023, 10, 6, tzinfo=A))
    body = api_as(bh).get(f"/schools/{school.pk}/budget?programme=vo-2024").json()
    assert body["released"] is False and body["spendable_from"] is None
    assert body["third_party"] == {"released": True, "spendable_from": "2023-10-06"}
    assert body["collective"]["buckets"]["third_party"] == "100.00"
    assert body["held_for_refund"] == "0.00"


def test_order_rows_keep_their_status_choices():
    assert "credited" in dict(BudgetOrder._meta.get_field("status").choices)


def test_budget_page_shows_third_party_and_held_money(actor, cancelled):
    from .test_pages import verified

    order, invoice, _ = cancelled
    school = order.school
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    pay(invoice, str(invoice.total), actor, "2024-01-11", dt.datetime(2024, 1, 15, 9, tzinfo=A))
    with clock.frozen(dt.datetime(2024, 1, 16, 10, tzinfo=A)), committed():
        contribution = services.create_third_party_contribution(
            school, {"programme": "vo-2024", "funder": "Fonds", "amount": "300.00"}, actor=actor
        )
    pay(contribution.invoice, "300.00", actor, "2024-01-17", dt.datetime(2024, 1, 17, tzinfo=A))
    page = verified(bh, "2024-01-18T10:00:00+01:00").get(f"/school/{school.pk}/budget/")
    html = page.content.decode()
    assert "Uw budget is nog niet vrijgegeven." in html
    assert "besteedbaar vanaf 17 januari 2024" in html
    assert "Apart gehouden voor terugbetaling: €\xa04.950,00" in html


def test_no_reinstatement_next_to_a_new_live_initial_order(actor, cancelled):
    """If the school was re-admitted and ordered again meanwhile, the old initial order
    cannot come back (one live initial order); the late-registered money is held."""
    order, invoice, _ = cancelled
    school = order.school
    type(school).objects.filter(pk=school.pk).update(status=SchoolStatus.ACTIVE)
    submit(school, at=dt.datetime(2024, 1, 12, 9, tzinfo=A))
    pay(invoice, str(invoice.total), actor, "2024-01-10", dt.datetime(2024, 1, 15, 9, tzinfo=A))
    order.refresh_from_db()
    assert order.status == "cancelled_unpaid"
    assert ledger_queries.held_for_refund(school, order.programme) == Decimal("4950.00")
