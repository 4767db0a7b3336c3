import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.ledger.checks import problems
from cultuurkaart.orders import services
from cultuurkaart.orders.constants import OrderStatus
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.schools.constants import SchoolStatus
from cultuurkaart.schools.models import Programme, School

from .factories import MBO_ORDER_AT, VO_ORDER_AT, committed, order_data, ready_school, with_roster

pytestmark = pytest.mark.django_db

AFTER_PERIOD = VO_ORDER_AT + dt.timedelta(days=10)


@pytest.fixture
def actor():
    return with_role(UserFactory(), RoleName.ADMIN)


def submit(school, at=VO_ORDER_AT, **kwargs):
    with clock.frozen(at), committed():
        return services.submit_order(school, order_data(**kwargs), actor=None)


def refusal(school, at=VO_ORDER_AT, programme=None, **kwargs) -> str:
    if programme is not None:
        with pytest.raises(DomainError) as exc, clock.frozen(at):
            services.submit_order(
                school, {**order_data(**kwargs), "programme": programme}, actor=None
            )
        return exc.value.type
    with pytest.raises(DomainError) as exc:
        submit(school, at=at, **kwargs)
    return exc.value.type


def approve(order, actor, at=AFTER_PERIOD):
    with clock.frozen(at), committed():
        return services.approve_order(order, actor=actor)


# --- submission checks ------------------------------------------------------------------


def test_submit_stores_order_duo_count_and_deadline():
    school = ready_school(duo=500)
    mail.outbox.clear()
    order = submit(school)
    assert order.status == OrderStatus.SUBMITTED
    assert order.duo_count == 500
    # Monday 2 Oct 2023 → fifth working day Monday 9 Oct, 23:59:59.
    assert order.objection_deadline == dt.datetime(2023, 10, 9, 23, 59, 59, tzinfo=clock.AMSTERDAM)
    assert len(mail.outbox) == 1
    assert school.directie_email in mail.outbox[0].to
    assert school.budget_holder_email in mail.outbox[0].to
    assert "09-10-2023 23:59" in mail.outbox[0].body


def test_confirmation_goes_to_every_budget_holder():
    school = ready_school()
    other = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    mail.outbox.clear()
    submit(school)
    assert other.email in mail.outbox[0].to


def test_registration_not_active_is_checked_first():
    school = ready_school(status=SchoolStatus.CANCELLED)
    # Also outside the ordering period: the registration check still answers first.
    assert refusal(school, at=VO_ORDER_AT.replace(year=2025)) == "registration-not-active"
    pending = ready_school(status=SchoolStatus.PENDING)
    assert refusal(pending) == "registration-not-active"
    assert refusal(pending, kind="nonsense", programme="none") == "registration-not-active"


def test_ordering_period_is_inclusive_in_amsterdam():
    school = ready_school()
    first = dt.datetime(2023, 9, 1, 0, 0, 1, tzinfo=clock.AMSTERDAM)
    last = dt.datetime(2024, 1, 31, 23, 59, 59, tzinfo=clock.AMSTERDAM)
    assert refusal(school, at=first - dt.timedelta(seconds=2)) == "ordering-closed"
    assert refusal(school, at=last + dt.timedelta(seconds=2)) == "ordering-closed"
    assert submit(school, at=first).status == "submitted"
    school2 = ready_school()
    assert submit(school2, at=last).status == "submitted"


def test_roster_missing():
    from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

    school = SchoolFactory(locations=[LocationFactory(students=500)])
    assert refusal(school) == "roster-missing"
    # A roster uploaded before the programme's roster date does not count.
    with_roster(school, at=dt.datetime(2023, 8, 15, 12, tzinfo=clock.AMSTERDAM))
    assert refusal(school) == "roster-missing"
    # An upload on the roster date counts.
    with_roster(school, students=0, at=dt.datetime(2023, 8, 16, 0, 5, tzinfo=clock.AMSTERDAM))
    assert submit(school).status == "submitted"


def test_empty_roster_is_missing():
    from cultuurkaart.rosters.models import RosterUpload
    from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

    school = SchoolFactory(locations=[LocationFactory(students=500)])
    RosterUpload.objects.create(
        school=school, kind="students", uploaded_at=dt.datetime(2023, 9, 1, tzinfo=clock.AMSTERDAM)
    )
    assert refusal(school) == "roster-missing"


def test_already_ordered_only_counts_live_initial_orders(actor):
    school = ready_school()
    order = submit(school)
    assert refusal(school) == "already-ordered"
    with clock.frozen(VO_ORDER_AT):
        services.cancel_order(order, actor=None)
    second = submit(school)
    with clock.frozen(AFTER_PERIOD):
        services.reject_order(second, "Aantallen kloppen niet", actor=actor)
    third = submit(school, at=AFTER_PERIOD)
    assert third.status == "submitted"
    # Supplementary orders are not limited.
    assert (
        submit(
            school,
            at=AFTER_PERIOD,
            kind="supplementary",
            with_contribution=0,
            without_contribution=5,
        ).kind
        == "supplementary"
    )


def test_max_orders_limits_supplementary_orders_not_the_initial_one():
    Programme.objects.filter(code="vo-2024").update(max_orders=2)
    school = ready_school(duo=500)
    submit(school, with_contribution=455, without_contribution=0)
    # Whatever max_orders says, there is one live initial order.
    assert refusal(school) == "already-ordered"
    extra = {"kind": "supplementary", "with_contribution": 10, "without_contribution": 0}
    submit(school, **extra)
    submit(school, **extra)
    assert refusal(school, **extra) == "already-ordered"


def test_max_orders_zero_allows_no_supplementary_order_and_null_any():
    Programme.objects.filter(code="vo-2024").update(max_orders=0)
    school = ready_school(duo=500)
    submit(school, with_contribution=455, without_contribution=0)
    extra = {"kind": "supplementary", "with_contribution": 5, "without_contribution": 0}
    assert refusal(school, **extra) == "already-ordered"
    Programme.objects.filter(code="vo-2024").update(max_orders=None)
    for _ in range(5):
        submit(school, **extra)


def test_supplementary_order_needs_a_live_initial_order(actor):
    school = ready_school(duo=500)
    extra = {"kind": "supplementary", "with_contribution": 450, "without_contribution": 0}
    assert refusal(school, **extra) == "initial-order-missing"
    initial = submit(school, with_contribution=450, without_contribution=0)
    with clock.frozen(VO_ORDER_AT + dt.timedelta(hours=1)), committed():
        services.cancel_order(initial, actor=None)
    # A cancelled (or rejected) initial order is not live.
    assert refusal(school, **extra) == "initial-order-missing"


def test_initial_order_checks_come_before_field_errors_for_supplementary():
    school = ready_school(duo=500)
    assert refusal(school, kind="supplementary", with_contribution=-1) == "initial-order-missing"


def test_every_live_order_counts_in_the_deviation_of_an_initial_order(actor):
    """An initial order after a rejected one, with a supplementary order still live: all
    live orders count, so the school cannot order twice its DUO count."""
    school = ready_school(duo=500)
    first = submit(school, with_contribution=500, without_contribution=0)
    extra = submit(school, kind="supplementary", with_contribution=50, without_contribution=0)
    with clock.frozen(AFTER_PERIOD), committed():
        services.reject_order(first, "Aantallen kloppen niet", actor=actor)
    assert extra.status == "submitted"
    # 500 more plus the live 50 = 550 = DUO + 10%: allowed; one more is not.
    assert refusal(school, at=AFTER_PERIOD, with_contribution=501, without_contribution=0) == (
        "deviation-exceeded"
    )
    assert submit(school, at=AFTER_PERIOD, with_contribution=500, without_contribution=0).pk


def test_database_allows_one_live_initial_order_per_school_and_programme():
    from django.db import IntegrityError, transaction

    school = ready_school(duo=500)
    order = submit(school)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetOrder.objects.create(
            school=order.school,
            programme=order.programme,
            kind="initial",
            status="awaiting_decision",
            with_contribution=1,
            without_contribution=0,
            duo_count=500,
            submitted_at=order.submitted_at,
            objection_deadline=order.objection_deadline,
        )
    # A non-live initial order next to it is fine.
    BudgetOrder.objects.create(
        school=order.school,
        programme=order.programme,
        kind="initial",
        status="rejected",
        with_contribution=1,
        without_contribution=0,
        duo_count=500,
        submitted_at=order.submitted_at,
        objection_deadline=order.objection_deadline,
    )


@pytest.mark.parametrize(
    ("numbers", "field", "code"),
    [
        ({"with_contribution": -1}, "with_contribution", "negative"),
        ({"without_contribution": "abc"}, "without_contribution", "not-whole"),
        ({"with_contribution": 1.5}, "with_contribution", "not-whole"),
        ({"with_contribution": True}, "with_contribution", "not-whole"),
        ({"with_contribution": None}, "with_contribution", "required"),
        ({"with_contribution": 0, "without_contribution": 0}, "with_contribution", "no-students"),
        ({"teachers": -3}, "teachers", "negative"),
    ],
)
def test_field_errors(numbers, field, code):
    school = ready_school()
    with pytest.raises(DomainError) as exc:
        submit(school, **numbers)
    assert exc.value.type == "validation-error"
    assert any(e["field"] == field and e["code"] == code for e in exc.value.errors)


def test_field_errors_come_after_already_ordered():
    school = ready_school()
    submit(school)
    assert refusal(school, with_contribution=-1) == "already-ordered"


@pytest.mark.parametrize(
    ("total", "ok"),
    [(550, True), (450, True), (551, False), (449, False), (500, True)],
)
def test_deviation_boundary_is_ten_percent(total, ok):
    school = ready_school(duo=500)
    if ok:
        assert submit(school, with_contribution=total, without_contribution=0).duo_count == 500
    else:
        assert (
            refusal(school, with_contribution=total, without_contribution=0) == "deviation-exceeded"
        )


def test_teachers_are_not_part_of_the_deviation():
    school = ready_school(duo=500)
    assert submit(school, teachers=400).teachers == 400


def test_supplementary_deviation_uses_all_live_orders():
    school = ready_school(duo=500)
    submit(school, with_contribution=500, without_contribution=0)
    extra = {"kind": "supplementary", "with_contribution": 50, "without_contribution": 0}
    assert submit(school, **extra).status == "submitted"  # 550 total: exactly 10%
    assert refusal(school, kind="supplementary", with_contribution=1, without_contribution=0) == (
        "deviation-exceeded"
    )


def test_duo_count_missing():
    school = ready_school(duo=500)
    school.locations.update(students=None)
    assert refusal(school) == "duo-count-missing"


def test_deviation_is_checked_before_duo_count_missing_only_when_known():
    school = ready_school(duo=500)
    school.locations.update(students=None)
    assert refusal(school, with_contribution=-1) == "validation-error"


# --- quotes ---------------------------------------------------------------------------


def test_mbo_sample_invoice_is_exactly_130():
    mbo = Programme.objects.get(code="mbo-pilot")
    quote = services.make_quote(mbo, kind="initial", with_contribution=10, without_contribution=10)
    assert [(line.code, line.amount) for line in quote.lines] == [
        ("school_contribution", Decimal("105.00")),
        ("admin_fee", Decimal("25.00")),
    ]
    assert quote.total == Decimal("130.00")
    assert quote.ocw_top_up == Decimal("210.00")
    assert quote.collective == Decimal("210.00")  # 10 × (10.50 + 10.50)
    assert quote.individual == Decimal("105.00")  # 10 × 10.50


def test_vo_teachers_free_when_first_submitted_before_1_november():
    vo = Programme.objects.get(code="vo-2024")
    before = dt.datetime(2023, 10, 31, 23, 59, 59, tzinfo=clock.AMSTERDAM)
    after = dt.datetime(2023, 11, 1, 0, 0, 0, tzinfo=clock.AMSTERDAM)
    q = services.make_quote(
        vo,
        kind="initial",
        with_contribution=100,
        without_contribution=0,
        teachers=40,
        first_submitted_at=before,
    )
    codes = {line.code: (line.quantity, line.amount) for line in q.lines}
    assert codes["teacher_membership"] == (40, Decimal("240.00"))
    assert codes["teacher_membership_free"] == (-30, Decimal("-180.00"))
    assert q.total == Decimal("1100.00") + Decimal("60.00")
    few = services.make_quote(
        vo,
        kind="initial",
        with_contribution=1,
        without_contribution=0,
        teachers=12,
        first_submitted_at=before,
    )
    assert few.total == Decimal("11.00")  # 12 × 6 − 12 × 6
    late = services.make_quote(
        vo,
        kind="initial",
        with_contribution=100,
        without_contribution=0,
        teachers=40,
        first_submitted_at=after,
    )
    assert "teacher_membership_free" not in {line.code for line in late.lines}
    assert late.total == Decimal("1340.00")
    supplementary = services.make_quote(
        vo,
        kind="supplementary",
        with_contribution=1,
        without_contribution=0,
        teachers=5,
        first_submitted_at=before,
    )
    assert "teacher_membership_free" not in {line.code for line in supplementary.lines}


def test_free_teachers_keep_the_first_submission_date_after_a_change():
    school = ready_school(duo=500)
    order = submit(school, at=dt.datetime(2023, 10, 30, 10, tzinfo=clock.AMSTERDAM), teachers=10)
    with clock.frozen(dt.datetime(2023, 11, 2, 10, tzinfo=clock.AMSTERDAM)):
        order = services.change_order(order, {"teachers": 20}, actor=None)
    assert services.order_quote(order).free_teachers == 20


def test_vat_is_zero_unless_configured(settings):
    vo = Programme.objects.get(code="vo-2024")
    q = services.make_quote(vo, kind="initial", with_contribution=10, without_contribution=0)
    assert q.vat_amount == Decimal("0.00")
    settings.CK_INVOICE_VAT_RATE = "21"
    q = services.make_quote(vo, kind="initial", with_contribution=10, without_contribution=0)
    assert q.vat_amount == Decimal("23.10")
    assert q.total == Decimal("133.10")


# --- objection period -----------------------------------------------------------------


def test_change_during_period_recomputes_and_keeps_deadline():
    school = ready_school(duo=500)
    order = submit(school)
    deadline = order.objection_deadline
    with clock.frozen(deadline):
        changed = services.change_order(order, {"with_contribution": 460}, actor=None)
    assert changed.with_contribution == 460
    assert changed.objection_deadline == deadline
    with clock.frozen(deadline + dt.timedelta(seconds=1)), pytest.raises(DomainError) as exc:
        services.change_order(order, {"with_contribution": 470}, actor=None)
    assert exc.value.type == "objection-period-over"
    assert exc.value.status == 409


def test_change_is_checked_like_a_submission():
    school = ready_school(duo=500)
    order = submit(school)
    with clock.frozen(VO_ORDER_AT), pytest.raises(DomainError) as exc:
        services.change_order(order, {"with_contribution": 900}, actor=None)
    assert exc.value.type == "deviation-exceeded"


def test_cancel_only_before_deadline():
    school = ready_school()
    order = submit(school)
    with (
        clock.frozen(order.objection_deadline + dt.timedelta(seconds=1)),
        pytest.raises(DomainError) as exc,
    ):
        services.cancel_order(order, actor=None)
    assert exc.value.type == "objection-period-over"
    with clock.frozen(order.objection_deadline):
        assert services.cancel_order(order, actor=None).status == "cancelled"


def test_close_objection_periods_job():
    from cultuurkaart.core import jobs

    school = ready_school()
    order = submit(school)
    with clock.frozen(order.objection_deadline):
        assert jobs.run("close-objection-periods") == {"closed": 0}
    with clock.frozen(order.objection_deadline + dt.timedelta(seconds=1)):
        assert jobs.run("close-objection-periods") == {"closed": 1}
        assert jobs.run("close-objection-periods") == {"closed": 0}
    order.refresh_from_db()
    assert order.status == "awaiting_decision"
    assert list(BudgetOrder.objects.awaiting_decision(AFTER_PERIOD)) == [order]


# --- approval and invoices ----------------------------------------------------------


def test_approve_only_after_objection_period(actor):
    school = ready_school()
    order = submit(school)
    with pytest.raises(DomainError) as exc:
        approve(order, actor, at=order.objection_deadline)
    assert exc.value.type == "objection-period-running"
    invoice = approve(order, actor, at=order.objection_deadline + dt.timedelta(seconds=1))
    assert invoice.order == order
    with pytest.raises(DomainError) as exc:
        approve(order, actor)
    assert exc.value.type == "already-decided"


def test_approval_issues_invoice_with_lines_pdf_and_mail(actor):
    school = ready_school(duo=500)
    order = submit(
        school, with_contribution=450, without_contribution=50, teachers=40, reference="PO-2023-17"
    )
    mail.outbox.clear()
    invoice = approve(order, actor)
    assert invoice.number == "23000001"
    assert invoice.issued_on == dt.date(2023, 10, 12)
    assert invoice.due_on == dt.date(2023, 11, 11)
    assert invoice.reference == "PO-2023-17"
    lines = [(line.code, line.quantity, line.amount) for line in invoice.lines.all()]
    assert lines == [
        ("school_contribution", 450, Decimal("4950.00")),
        ("admin_fee", 50, Decimal("137.50")),
        ("teacher_membership", 40, Decimal("240.00")),
        ("teacher_membership_free", -30, Decimal("-180.00")),
    ]
    assert invoice.total == Decimal("5147.50")
    assert invoice.ocw_top_up == Decimal("2750.00")
    assert bytes(invoice.pdf).startswith(b"%PDF")
    invoice_mail = next(m for m in mail.outbox if school.invoice_email in m.to)
    assert invoice_mail.attachments[0][0] == "factuur-23000001.pdf"
    approval_mail = next(m for m in mail.outbox if school.directie_email in m.to)
    assert "23000001" in approval_mail.body


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_invoice_pdf_holds_issuer_reference_lines_and_total(actor):
    school = ready_school(kind="mbo", duo=20)
    with clock.frozen(MBO_ORDER_AT):
        order = services.submit_order(
            school,
            order_data(
                "mbo-pilot", with_contribution=10, without_contribution=10, reference="REF-9"
            ),
            actor=None,
        )
    invoice = approve(order, actor, at=MBO_ORDER_AT + dt.timedelta(days=9))
    assert invoice.total == Decimal("130.00")
    text = _pdf_text(bytes(invoice.pdf))
    assert "Stichting Cultuurkaartcentrale" in text
    assert "REF-9" in text
    assert invoice.number in text
    assert "€ 130,00" in text
    assert "€ 25,00" in text and "€ 105,00" in text


def test_invoice_pdf_says_where_and_how_to_pay(actor, settings):
    """001 §3.2 step 5: the school pays from the PDF alone (002 §4.5.2: payee is the
    Stichting). Payee details are settings; the payment reference is the invoice number."""
    settings.CK_PAYEE_NAME = "Stichting Cultuurkaartcentrale Test"
    settings.CK_PAYEE_IBAN = "NL02RABO0123456789"
    settings.CK_PAYEE_BIC = "RABONL2U"
    settings.CK_PAYEE_KVK = "87654321"
    settings.CK_PAYEE_VAT_NUMBER = "NL987654321B02"
    invoice = approve(submit(ready_school()), actor)
    text = " ".join(_pdf_text(bytes(invoice.pdf)).split())
    assert "Ten name van Stichting Cultuurkaartcentrale Test" in text
    assert "IBAN NL02 RABO 0123 4567 89" in text
    assert "BIC RABONL2U" in text
    assert f"Betalingskenmerk {invoice.number}" in text
    assert "KvK 87654321" in text and "btw-nummer NL987654321B02" in text
    assert f"Uiterlijk op {invoice.due_on:%d-%m-%Y}" in text


def test_payee_deploy_check_refuses_empty_and_invalid_iban(settings):
    from cultuurkaart.orders.checks import payee_check

    assert payee_check(None) == []
    settings.CK_PAYEE_KVK = ""
    settings.CK_PAYEE_IBAN = "NL91ABNA0417164301"  # one digit off: check digits fail
    ids = sorted(e.id for e in payee_check(None))
    assert ids == ["orders.E001", "orders.E002"]


def test_invoice_numbers_are_sequential_per_year(actor):
    numbers = []
    for at in (VO_ORDER_AT, VO_ORDER_AT + dt.timedelta(days=1)):
        order = submit(ready_school(), at=at)
        numbers.append(approve(order, actor).number)
    late = submit(ready_school(), at=dt.datetime(2023, 12, 27, 10, tzinfo=clock.AMSTERDAM))
    numbers.append(
        approve(late, actor, at=dt.datetime(2024, 1, 8, 10, tzinfo=clock.AMSTERDAM)).number
    )
    assert numbers == ["23000001", "23000002", "24000001"]


def test_refused_approval_takes_no_number(actor):
    Programme.objects.filter(code="vo-2024").update(ocw_total=Decimal("3000.00"))
    first = submit(ready_school(duo=500))  # 500 × 5.50 = 2750
    second = submit(ready_school(duo=500))
    assert approve(first, actor).number == "23000001"
    with pytest.raises(DomainError) as exc:
        approve(second, actor)
    assert exc.value.type == "ocw-funds-exhausted"
    assert exc.value.status == 409
    third = submit(ready_school(duo=40), with_contribution=40, without_contribution=4)
    assert approve(third, actor).number == "23000002"  # 44 × 5.50 = 242.00 fits: 2992.00


def test_ocw_cap_exactly_reached_is_allowed(actor):
    Programme.objects.filter(code="vo-2024").update(ocw_total=Decimal("2750.00"))
    order = submit(ready_school(duo=500))
    assert approve(order, actor).order == order


def test_reject_needs_reason_and_mails(actor):
    school = ready_school()
    order = submit(school)
    with clock.frozen(AFTER_PERIOD), pytest.raises(DomainError):
        services.reject_order(order, "  ", actor=actor)
    mail.outbox.clear()
    with clock.frozen(AFTER_PERIOD), committed():
        services.reject_order(order, "Dubbel besteld", actor=actor)
    assert "Dubbel besteld" in mail.outbox[0].body
    assert school.directie_email in mail.outbox[0].to
    with clock.frozen(order.objection_deadline):
        order2 = submit(ready_school())
        with pytest.raises(DomainError) as exc:
            services.reject_order(order2, "x", actor=actor)
    assert exc.value.type == "objection-period-running"


def test_invoice_content_is_immutable_credit_note_corrects(actor):
    school = ready_school()
    invoice = approve(submit(school), actor)
    with clock.frozen(AFTER_PERIOD):
        note = services.issue_credit_note(invoice, reason="Verkeerde aantallen", actor=actor)
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    assert invoice.total == Decimal("5087.50")  # unchanged
    assert note.total == -invoice.total
    assert note.number == "23000002"
    assert problems() == []
    assert ledger_queries.balances(school, invoice.programme)["school"] == 0


# --- payments -------------------------------------------------------------------------


def pay(invoice, amount, actor, on=None, at=AFTER_PERIOD):
    with clock.frozen(at), committed():
        return services.register_payment(invoice, amount, on or at.date().isoformat(), actor=actor)


def test_partial_payments_then_release(actor):
    school = ready_school(duo=500)
    invoice = approve(submit(school), actor)  # 450 with, 50 without → 5087.50
    vo = invoice.programme
    pay(invoice, "5000.00", actor)
    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert invoice.amount_paid == Decimal("5000.00")
    assert ledger_queries.released_at(school, vo) is None
    assert ledger_queries.balances(school, vo)["school"] == 0
    mail.outbox.clear()
    pay(invoice, "87.50", actor)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    balances = ledger_queries.balances(school, vo)
    assert balances["school"] == Decimal("4950.00")  # 450 × 11.00
    assert balances["ocw"] == Decimal("2475.00")  # 450 × 5.50
    assert balances["individual"] == Decimal("275.00")  # 50 × 5.50
    assert balances["third_party"] == 0
    assert any("vrijgegeven" in m.subject for m in mail.outbox)
    assert problems() == []
    # VO: spendable from 1 January of the budget year.
    assert ledger_queries.spendable_from(vo, ledger_queries.released_at(school, vo)) == dt.date(
        2024, 1, 1
    )
    assert not ledger_queries.is_spendable(school, vo, AFTER_PERIOD)
    assert ledger_queries.is_spendable(
        school, vo, dt.datetime(2024, 1, 1, 0, 0, tzinfo=clock.AMSTERDAM)
    )


def test_overpayment_is_held_as_credit(actor):
    school = ready_school(duo=500)
    invoice = approve(submit(school), actor)
    pay(invoice, "5100.00", actor)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.credit == Decimal("12.50")
    from cultuurkaart.ledger.models import Account

    credit = Account.objects.get(kind="customer_credit", school=school)
    assert credit.display_balance == Decimal("12.50")
    assert problems() == []


def test_payment_validation(actor):
    invoice = approve(submit(ready_school()), actor)
    for amount, on in [
        ("0", "2023-10-12"),
        ("-5", "2023-10-12"),
        ("1.234", "2023-10-12"),
        ("10", "2099-01-01"),
        ("10", "gisteren"),
    ]:
        with pytest.raises(DomainError) as exc:
            pay(invoice, amount, actor, on=on)
        assert exc.value.type == "validation-error"


def test_mbo_released_on_payment_day():
    admin = with_role(UserFactory(), RoleName.ADMIN)
    school = ready_school(kind="mbo", duo=20)
    with clock.frozen(MBO_ORDER_AT):
        order = services.submit_order(
            school,
            order_data("mbo-pilot", with_contribution=10, without_contribution=10),
            actor=None,
        )
    invoice = approve(order, admin, at=MBO_ORDER_AT + dt.timedelta(days=9))
    paid_at = MBO_ORDER_AT + dt.timedelta(days=20)
    pay(invoice, "130.00", admin, at=paid_at)
    mbo = invoice.programme
    assert (
        ledger_queries.spendable_from(mbo, ledger_queries.released_at(school, mbo))
        == paid_at.date()
    )
    b = ledger_queries.balances(school, mbo)
    assert (b["school"], b["ocw"], b["individual"]) == (
        Decimal("105.00"),
        Decimal("105.00"),
        Decimal("105.00"),
    )


# --- unpaid -------------------------------------------------------------------------


def test_cancel_unpaid_one_day_before_and_on_the_day(actor):
    school = ready_school()
    order = submit(school, at=dt.datetime(2023, 10, 10, 9, tzinfo=clock.AMSTERDAM))
    invoice = approve(order, actor, at=dt.datetime(2023, 10, 20, 9, tzinfo=clock.AMSTERDAM))
    from cultuurkaart.memberships.tests.factories import PersonFactory, activated

    with clock.frozen(dt.datetime(2023, 11, 1, 9, tzinfo=clock.AMSTERDAM)):
        membership = activated(PersonFactory(school=school))
    with clock.frozen(dt.datetime(2024, 1, 10, 23, 59, 59, tzinfo=clock.AMSTERDAM)):
        assert services.cancel_unpaid() == []
    mail.outbox.clear()
    with clock.frozen(dt.datetime(2024, 1, 11, 0, 0, 0, tzinfo=clock.AMSTERDAM)), committed():
        assert services.cancel_unpaid() == [order.pk]
        assert services.cancel_unpaid() == []  # idempotent
    order.refresh_from_db()
    invoice.refresh_from_db()
    school.refresh_from_db()
    assert order.status == "cancelled_unpaid"
    assert order.ocw_forfeited_at is not None
    assert invoice.status == "open"  # stays due
    assert school.status == SchoolStatus.CANCELLED
    membership.refresh_from_db()
    assert membership.status == "inactive"  # SPEC §4: cancelled registration ends memberships
    assert any(school.board_email in m.to for m in mail.outbox)
    # Paying later (dated on the cancellation date) releases nothing: the school
    # contribution is held for refund, never spendable (SPEC §5).
    pay(invoice, str(invoice.total), actor, at=dt.datetime(2024, 1, 15, 9, tzinfo=clock.AMSTERDAM))
    b = ledger_queries.balances(school, invoice.programme)
    assert b["school"] == 0 and b["ocw"] == 0 and b["individual"] == 0
    assert ledger_queries.held_for_refund(school, invoice.programme) == Decimal("4950.00")
    order.refresh_from_db()
    assert order.status == "cancelled_unpaid" and order.released_at is None
    assert problems() == []


def test_paid_order_is_not_cancelled(actor):
    school = ready_school()
    order = submit(school)
    invoice = approve(order, actor)
    pay(invoice, str(invoice.total), actor)
    with clock.frozen(dt.datetime(2024, 6, 1, tzinfo=clock.AMSTERDAM)):
        assert services.cancel_unpaid() == []


def test_unpaid_supplementary_cancels_only_its_own_ocw(actor):
    school = ready_school(duo=500)
    initial = submit(school, with_contribution=480, without_contribution=0)
    pay(approve(initial, actor), "5280.00", actor)
    extra = submit(school, kind="supplementary", with_contribution=20, without_contribution=0)
    approve(extra, actor)
    with clock.frozen(dt.datetime(2024, 1, 3, tzinfo=clock.AMSTERDAM)):
        assert services.cancel_unpaid() == [extra.pk]
    school.refresh_from_db()
    assert school.status == SchoolStatus.ACTIVE
    initial.refresh_from_db()
    assert initial.status == "approved"


def test_cancelled_unpaid_order_frees_its_ocw_allocation(actor):
    Programme.objects.filter(code="vo-2024").update(ocw_total=Decimal("2750.00"))
    first = submit(ready_school(duo=500))
    approve(first, actor)
    with clock.frozen(dt.datetime(2024, 1, 3, tzinfo=clock.AMSTERDAM)):
        services.cancel_unpaid()
    second = submit(ready_school(duo=500), at=dt.datetime(2024, 1, 3, tzinfo=clock.AMSTERDAM))
    assert approve(second, actor, at=dt.datetime(2024, 1, 15, tzinfo=clock.AMSTERDAM)).number


def test_reminders_for_overdue_invoices(actor):
    school = ready_school()
    invoice = approve(submit(school), actor)  # due 11 Nov 2023
    with clock.frozen(dt.datetime(2023, 11, 11, 12, tzinfo=clock.AMSTERDAM)):
        assert services.send_reminders() == []
    mail.outbox.clear()
    with clock.frozen(dt.datetime(2023, 11, 12, 12, tzinfo=clock.AMSTERDAM)), committed():
        assert services.send_reminders() == [invoice.pk]
        assert services.send_reminders() == []
    assert school.invoice_email in mail.outbox[0].to
    with clock.frozen(dt.datetime(2023, 11, 26, 12, tzinfo=clock.AMSTERDAM)):
        assert services.send_reminders() == [invoice.pk]
    invoice.refresh_from_db()
    assert invoice.reminders == 2
    assert invoice.shown_status(dt.date(2023, 11, 12)) == "overdue"


# --- third parties ------------------------------------------------------------------


def test_third_party_contribution_invoice_and_release(actor):
    school = ready_school()
    with clock.frozen(AFTER_PERIOD):
        contribution = services.create_third_party_contribution(
            school,
            {
                "programme": "vo-2024",
                "funder": "Gemeente Utrecht",
                "amount": "2500.00",
                "funder_email": "fin@utrecht.example",
            },
            actor=actor,
        )
    invoice = contribution.invoice
    assert invoice.recipient_name == "Gemeente Utrecht"
    assert invoice.total == Decimal("2500.00")
    assert [line.code for line in invoice.lines.all()] == ["third_party"]
    pay(invoice, "2500.00", actor)
    b = ledger_queries.balances(school, invoice.programme)
    assert b["third_party"] == Decimal("2500.00")
    assert b["school"] == 0
    assert problems() == []


def test_third_party_validation(actor):
    school = ready_school()
    with pytest.raises(DomainError) as exc:
        services.create_third_party_contribution(
            school, {"programme": "vo-2024", "funder": "", "amount": "-1"}, actor=actor
        )
    assert {e["field"] for e in exc.value.errors} == {"funder", "amount"}
    assert Invoice.objects.count() == 0


def test_school_cancellation_is_audited(actor):
    from cultuurkaart.core.models import AuditEntry

    school = ready_school()
    approve(submit(school), actor)
    with clock.frozen(dt.datetime(2024, 1, 3, tzinfo=clock.AMSTERDAM)):
        services.cancel_unpaid()
    entry = AuditEntry.objects.get(action="schools.school.cancelled")
    assert entry.school_id == school.pk
    assert School.objects.get(pk=school.pk).status == "cancelled"


def test_free_teachers_follow_the_first_initial_submission(actor):
    school = ready_school(duo=500)
    first = submit(school, at=dt.datetime(2023, 10, 30, 10, tzinfo=clock.AMSTERDAM), teachers=10)
    with clock.frozen(dt.datetime(2023, 10, 31, 10, tzinfo=clock.AMSTERDAM)):
        services.cancel_order(first, actor=None)
    again = submit(school, at=dt.datetime(2023, 11, 3, 10, tzinfo=clock.AMSTERDAM), teachers=10)
    assert services.order_quote(again).free_teachers == 10
    other = ready_school(duo=500)
    late = submit(other, at=dt.datetime(2023, 11, 3, 10, tzinfo=clock.AMSTERDAM), teachers=10)
    assert services.order_quote(late).free_teachers == 0


def test_order_messages_name_the_learners_of_the_sector():
    """VO says "leerlingen", MBO "studenten" (the manuals' words, core.wording)."""
    school = ready_school(duo=500)
    with pytest.raises(DomainError) as refused:
        submit(school, with_contribution=600, without_contribution=0)
    assert "Het aantal leerlingen (600) wijkt meer dan 10% af" in refused.value.message
    with pytest.raises(DomainError) as empty:
        submit(school, with_contribution=0, without_contribution=0)
    assert "ten minste één leerling." in str(empty.value.errors)
    with translation.override("en"), pytest.raises(DomainError) as english:
        submit(school, with_contribution=600, without_contribution=0)
    assert "The number of pupils (600) differs by more than 10%" in english.value.message


def test_mbo_order_messages_say_studenten():
    school = ready_school(kind="mbo", duo=500)
    with pytest.raises(DomainError) as refused, clock.frozen(MBO_ORDER_AT):
        services.submit_order(
            school,
            order_data("mbo-pilot", with_contribution=600, without_contribution=0),
            actor=None,
        )
    assert "Het aantal studenten (600)" in refused.value.message
