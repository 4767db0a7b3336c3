"""close-year (SPEC §14): statements, bookings, boundaries, idempotency, no spending after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cultuurkaart.core import clock, jobs
from cultuurkaart.ledger import checks
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.ledger.models import Account, Entry, Line
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders import services as weborders
from cultuurkaart.weborders.tests.factories import WebOrderFactory, fund
from cultuurkaart.yearend import services
from cultuurkaart.yearend.models import Statement, YearEnd

from .factories import (
    IN_2024,
    LAST_SECOND,
    MIDNIGHT,
    assign_individual,
    redeem,
    release_individual,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _balance(kind, school=None, prog=None):
    acc = Account.objects.filter(kind=kind, school=school, programme=prog or programme()).first()
    return acc.display_balance if acc else D("0.00")


def _worked_example():
    """100 students with contribution (school €1,100.00, OCW €550.00), a third party's
    €200.00, 10 without contribution (individual pool €55.00); spending with a reversal."""
    prog = programme()
    school = SchoolFactory(refund_iban="NL91ABNA0417164300")
    fund(school, school_amount="1100.00", ocw="550.00", third="200.00")
    release_individual(school, prog, "55.00")
    with clock.frozen(IN_2024):
        first = ledger.debit_collective(school, prog, D("800.00"), description="Voorstelling")
        second = ledger.debit_collective(school, prog, D("500.00"), description="Workshop")
        ledger.reverse_entry(first.entry, description="Voorstelling gaat niet door")
        third = ledger.debit_collective(school, prog, D("100.00"), description="Museum")
    # By hand: the 800 came from the school bucket and went back by the reversal; the 500
    # took the last 300 of the school bucket and 200 of OCW; the 100 came from the school
    # bucket again (1100 − 800 − 300 + 800 − 100 = 700).
    assert first.split == {"school": D("800.00"), "ocw": D("0.00"), "third_party": D("0.00")}
    assert second.split == {"school": D("300.00"), "ocw": D("200.00"), "third_party": D("0.00")}
    assert third.split == {"school": D("100.00"), "ocw": D("0.00"), "third_party": D("0.00")}
    # Individual budget: three students assigned €5.50 each, one voucher redeemed.
    for _ in range(3):
        assign_individual(school, prog, "5.50")
    redeem(school, prog, "5.50")
    return school, prog


def test_worked_example_with_reversals(django_capture_on_commit_callbacks, mailoutbox):
    school, prog = _worked_example()
    fund_before = _balance(AccountKind.OCW_FUND)
    with clock.frozen(MIDNIGHT), django_capture_on_commit_callbacks(execute=True):
        result = jobs.run("close-year", {"programme": prog.pk})
    assert result == {
        "schools": [
            {
                "school": school.pk,
                "remaining": "1250.00",  # 700 + 350 + 200
                "refund_school": "700.00",
                "unspent_ocw": "350.00",  # 550 − 200
                "unspent_third_party": "200.00",
            }
        ]
    }
    statement = Statement.objects.get(school=school, programme=prog)
    assert statement.individual_unassigned == D("38.50")  # 55.00 − 3 × 5.50
    assert statement.individual_assigned == D("11.00")  # 2 × 5.50 not redeemed
    assert statement.refund_iban == "NL91ABNA0417164300"
    # Every expiring account is empty; the money sits where SPEC §14 sends it.
    for kind in services.EXPIRING:
        assert _balance(kind, school) == D("0.00")
    assert _balance(AccountKind.REFUND_PAYABLE) == D("700.00")
    assert _balance(AccountKind.THIRD_PARTY_PAYABLE) == D("200.00")
    # OCW_FUND is debit-normal (it hands money out): 350 + 38.50 + 11.00 came back.
    assert fund_before - _balance(AccountKind.OCW_FUND) == D("399.50")
    entry = Entry.objects.get(kind=EntryKind.EXPIRY, school=school)
    assert statement.entry == entry
    assert checks.problems() == []
    # The running collective balance ends at zero.
    last = Line.objects.filter(entry=entry, collective_after__isnull=False).order_by("id").last()
    assert last.collective_after == D("0.00")
    # Board and budget holder get the statement.
    assert len(mailoutbox) == 1
    assert set(mailoutbox[0].to) == {school.board_email, school.budget_holder_email}
    assert "700,00" in mailoutbox[0].body and "NL91ABNA0417164300" in mailoutbox[0].body
    year_end = YearEnd.objects.get(programme=prog)
    assert (year_end.refund_school, year_end.unspent_ocw, year_end.unspent_third_party) == (
        D("700.00"),
        D("350.00"),
        D("200.00"),
    )


def test_second_run_returns_the_same_statements_and_books_nothing():
    school, prog = _worked_example()
    other = SchoolFactory()
    fund(other, school_amount="33.00", ocw="16.50")
    with clock.frozen(MIDNIGHT):
        first = jobs.run("close-year", {"programme": prog.code})
    entries, lines = Entry.objects.count(), Line.objects.count()
    with clock.frozen(MIDNIGHT.replace(day=20)):
        second = jobs.run("close-year", {"programme": str(prog.pk)})
        scheduled = jobs.run("close-year", {})
    assert second == first
    assert [s["school"] for s in first["schools"]] == sorted([school.pk, other.pk])
    assert scheduled["programmes"] == ["mbo-pilot"]  # vo-2024 is already settled
    assert (Entry.objects.count(), Line.objects.count()) == (entries, lines)
    assert YearEnd.objects.filter(programme=prog).count() == 1
    assert checks.problems() == []


def test_third_party_remainder_goes_to_the_third_party():
    prog = programme()
    school = SchoolFactory()
    fund(school, third="250.00")
    with clock.frozen(IN_2024):
        ledger.debit_collective(school, prog, D("60.00"), description="Theater")
    with clock.frozen(MIDNIGHT):
        (row,) = jobs.run("close-year", {"programme": prog.pk})["schools"]
    assert row["unspent_third_party"] == "190.00"
    assert row["refund_school"] == "0.00"
    assert _balance(AccountKind.THIRD_PARTY_PAYABLE) == D("190.00")
    assert checks.problems() == []


def test_individual_unassigned_and_assigned_unredeemed_expire_to_the_ocw_fund():
    prog = programme()
    school = SchoolFactory()
    release_individual(school, prog, "27.50")
    assign_individual(school, prog, "5.50")
    fund_before = _balance(AccountKind.OCW_FUND)
    with clock.frozen(MIDNIGHT):
        jobs.run("close-year", {"programme": prog.pk})
    statement = Statement.objects.get(school=school)
    assert (statement.individual_unassigned, statement.individual_assigned) == (
        D("22.00"),
        D("5.50"),
    )
    assert _balance(AccountKind.INDIVIDUAL, school) == D("0.00")
    assert _balance(AccountKind.INDIVIDUAL_ASSIGNED, school) == D("0.00")
    assert fund_before - _balance(AccountKind.OCW_FUND) == D("27.50")
    assert checks.problems() == []


def test_closing_at_the_last_second_is_refused_and_at_midnight_allowed(admin_api):
    prog = programme()
    school = SchoolFactory()
    fund(school, school_amount="10.00")
    with clock.frozen(LAST_SECOND), pytest.raises(services.TooEarly):
        jobs.run("close-year", {"programme": prog.pk})
    assert not YearEnd.objects.exists()
    response = admin_api.post(
        "/admin/jobs/close-year",
        {"programme": prog.code},
        headers={"X-Clock": LAST_SECOND.isoformat()},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "too-early"
    response = admin_api.post(
        "/admin/jobs/close-year",
        {"programme": prog.code},
        headers={"X-Clock": MIDNIGHT.isoformat()},
    )
    assert response.status_code == 200
    assert response.json()["schools"][0]["refund_school"] == "10.00"
    assert checks.problems() == []


def test_a_web_order_approved_at_23_59_59_counts_and_one_at_midnight_is_refused():
    prog = programme()
    school = SchoolFactory()
    fund(school, school_amount="300.00", ocw="150.00")
    in_time = WebOrderFactory(school=school, amount=D("120.00"))
    late = WebOrderFactory(school=school, amount=D("50.00"))
    with clock.frozen(LAST_SECOND):
        weborders.approve_weborder(in_time)
    with clock.frozen(MIDNIGHT), pytest.raises(weborders.BudgetNotSpendable):
        weborders.approve_weborder(late)
    with clock.frozen(MIDNIGHT):
        (row,) = jobs.run("close-year", {"programme": prog.pk})["schools"]
    assert row["refund_school"] == "180.00"  # 300 − 120 approved at 23:59:59
    assert row["unspent_ocw"] == "150.00"
    assert checks.problems() == []


def test_after_close_year_no_money_of_the_programme_can_be_spent():
    prog = programme()
    school = SchoolFactory()
    fund(school, school_amount="100.00", ocw="50.00", third="20.00")
    release_individual(school, prog, "11.00")
    assign_individual(school, prog, "5.50")
    with clock.frozen(MIDNIGHT):
        jobs.run("close-year", {"programme": prog.pk})
    # A web order approval (even one that skips the window rule) finds empty buckets.
    with pytest.raises(ledger.InsufficientBudget):
        ledger.debit_collective(school, prog, D("0.01"), description="te laat")
    # A voucher redemption moves money out of INDIVIDUAL_ASSIGNED: nothing is left.
    with pytest.raises(ledger.InsufficientBudget):
        redeem(school, prog, "5.50", at=MIDNIGHT)
    with pytest.raises(ledger.InsufficientBudget):
        assign_individual(school, prog, "5.50", at=MIDNIGHT)
    assert checks.problems() == []


def test_a_programme_is_named_or_refused():
    with clock.frozen(MIDNIGHT):
        with pytest.raises(services.NotFound):
            jobs.run("close-year", {"programme": "no-such-programme"})
        with pytest.raises(services.NotFound):
            jobs.run("close-year", {"programme": 999999})


def test_only_the_admin_runs_the_job(api_as, budget_holder, admin_api):
    response = api_as(budget_holder).post(
        "/admin/jobs/close-year",
        {"programme": "vo-2024"},
        headers={"X-Clock": MIDNIGHT.isoformat()},
    )
    assert response.status_code == 403
    assert not YearEnd.objects.exists()
    assert (
        admin_api.post(
            "/admin/jobs/close-year",
            {"programme": "vo-2024"},
            headers={"X-Clock": MIDNIGHT.isoformat()},
        ).status_code
        == 200
    )


def test_the_statement_mail_exists_in_dutch_and_english():
    from cultuurkaart.core import mail

    school, prog = _worked_example()
    with clock.frozen(MIDNIGHT):
        jobs.run("close-year", {"programme": prog.pk})
    statement = Statement.objects.get(school=school)
    context = {"statement": statement, "school": school, "programme": prog}
    subject_nl, body_nl = mail.render("yearend_statement", context, "nl")
    subject_en, body_en = mail.render("yearend_statement", context, "en")
    assert subject_nl == "Jaarafrekening VO Cultuurkaart 2024"
    assert subject_en == "Year-end statement VO Cultuurkaart 2024"
    assert "binnen 30 dagen terug op rekening NL91ABNA0417164300" in body_nl
    assert "back within 30 days to account NL91ABNA0417164300" in body_en
