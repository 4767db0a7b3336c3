from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cultuurkaart.ledger import queries, services
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.ledger.models import Account, Entry, ImmutableError, Line
from cultuurkaart.schools.tests.factories import SchoolFactory, programme

pytestmark = pytest.mark.django_db

D = Decimal


def fund(school, prog, *, school_amount="0", ocw="0", third="0"):
    """Put money in the buckets as a release would (counter: the invoiced account)."""
    lines = []
    total = D(0)
    for kind, value in (
        (AccountKind.SCHOOL, school_amount),
        (AccountKind.OCW, ocw),
        (AccountKind.THIRD_PARTY, third),
    ):
        if D(value):
            lines.append((services.account(kind, school=school, programme=prog), -D(value)))
            total += D(value)
    lines.append((services.account(AccountKind.INVOICED, programme=prog), total))
    return services.post_entry(
        kind=EntryKind.RELEASE,
        description="Budget vrijgegeven",
        lines=lines,
        school=school,
        programme=prog,
    )


def test_entry_must_balance():
    prog = programme()
    bank = services.account(AccountKind.BANK)
    invoiced = services.account(AccountKind.INVOICED, programme=prog)
    with pytest.raises(services.UnbalancedEntry):
        services.post_entry(
            kind="other", description="x", lines=[(bank, D("1")), (invoiced, D("-0.99"))]
        )
    with pytest.raises(services.UnbalancedEntry):
        services.post_entry(kind="other", description="x", lines=[(bank, D("0"))])
    assert Entry.objects.count() == 0


def test_entries_and_lines_are_immutable():
    school, prog = SchoolFactory(), programme()
    entry = fund(school, prog, school_amount="10")
    entry.description = "changed"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(ImmutableError):
        Entry.objects.filter(pk=entry.pk).update(description="x")
    with pytest.raises(ImmutableError):
        Line.objects.all().delete()
    line = entry.lines.first()
    line.amount = D("1")
    with pytest.raises(ImmutableError):
        line.save()


def test_debit_collective_takes_school_then_ocw_then_third_party():
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="100", ocw="50", third="30")
    debit = services.debit_collective(school, prog, D("120.00"), description="Webbestelling 1")
    assert debit.split == {"school": D("100.00"), "ocw": D("20.00"), "third_party": D("0.00")}
    debit = services.debit_collective(school, prog, D("40.00"), description="Webbestelling 2")
    assert debit.split == {"school": D("0.00"), "ocw": D("30.00"), "third_party": D("10.00")}
    assert queries.balances(school, prog) == {
        "school": D("0.00"),
        "ocw": D("0.00"),
        "third_party": D("20.00"),
        "individual": D("0.00"),
    }
    payable = Account.objects.get(kind=AccountKind.PROVIDER_PAYABLE, programme=prog)
    assert payable.display_balance == D("160.00")
    assert problems() == []


def test_debit_collective_only_from_the_spendable_buckets():
    """Third-party money may be spendable before the school's own (issue 8 point 15)."""
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="100", ocw="50", third="30")
    debit = services.debit_collective(
        school, prog, D("25.00"), description="Webbestelling", only=["third_party"]
    )
    assert debit.split == {"school": D("0.00"), "ocw": D("0.00"), "third_party": D("25.00")}
    with pytest.raises(services.InsufficientBudget):
        services.debit_collective(
            school, prog, D("5.01"), description="te veel", only=["third_party"]
        )
    assert problems() == []


def test_debit_collective_is_all_or_nothing():
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="10", ocw="5")
    with pytest.raises(services.InsufficientBudget) as exc:
        services.debit_collective(school, prog, D("15.01"), description="te veel")
    assert exc.value.type == "insufficient-budget"
    assert exc.value.status == 409
    assert Entry.objects.filter(kind=EntryKind.WEBORDER).count() == 0
    assert services.debit_collective(school, prog, D("15.00"), description="precies").split[
        "ocw"
    ] == D("5.00")


def test_reversal_credits_exactly_the_buckets_debited_once():
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="10", ocw="50")
    debit = services.debit_collective(school, prog, D("30.00"), description="Webbestelling")
    services.reverse_entry(debit.entry)
    assert queries.balances(school, prog)["school"] == D("10.00")
    assert queries.balances(school, prog)["ocw"] == D("50.00")
    with pytest.raises(services.AlreadyReversed):
        services.reverse_entry(debit.entry)
    assert problems() == []


def test_reversing_spent_money_is_refused():
    school, prog = SchoolFactory(), programme()
    release = fund(school, prog, school_amount="10")
    services.debit_collective(school, prog, D("6.00"), description="Webbestelling")
    with pytest.raises(services.InsufficientBudget):
        services.reverse_entry(release)


def test_bucket_never_negative_even_by_direct_posting():
    school, prog = SchoolFactory(), programme()
    bucket = services.account(AccountKind.OCW, school=school, programme=prog)
    other = services.account(AccountKind.PROVIDER_PAYABLE, programme=prog)
    with pytest.raises(services.InsufficientBudget):
        services.post_entry(
            kind="other", description="x", lines=[(bucket, D("1")), (other, D("-1"))]
        )


def test_transactions_list_has_running_balance():
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="100", ocw="50")
    services.debit_collective(school, prog, D("120.00"), description="Webbestelling")
    rows = [
        (line.account.kind, -line.amount, line.running)
        for line in queries.collective_lines(school, prog)
    ]
    assert rows == [
        ("school", D("100.00"), D("100.00")),
        ("ocw", D("50.00"), D("150.00")),
        ("school", D("-100.00"), D("50.00")),
        ("ocw", D("-20.00"), D("30.00")),
    ]


def test_ledger_check_command_finds_tampering(capsys):
    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="10")
    call_command("ledger_check")
    assert "ledger ok" in capsys.readouterr().out
    Account.objects.filter(kind=AccountKind.SCHOOL).update(balance=D("-11.00"))
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert "cached balance" in capsys.readouterr().err


def test_ledger_check_finds_unbalanced_entry():
    from django.db import connection

    school, prog = SchoolFactory(), programme()
    entry = fund(school, prog, school_amount="10")
    # Bypass the append-only guard like a manual SQL edit would.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_line SET amount = amount + 1 WHERE entry_id = %s AND amount > 0",
            [entry.pk],
        )
    found = problems()
    assert any("does not balance" in p for p in found)


def test_admin_is_read_only(admin):
    from cultuurkaart.ledger.admin import EntryAdmin

    class Req:
        user = admin

    assert not EntryAdmin(Entry, None).has_change_permission(Req())
    assert not EntryAdmin(Entry, None).has_delete_permission(Req())
    assert not EntryAdmin(Entry, None).has_add_permission(Req())


def test_running_balance_is_stored_and_checked():
    from django.db import connection

    school, prog = SchoolFactory(), programme()
    fund(school, prog, school_amount="10", third="5")
    services.debit_collective(school, prog, D("12.00"), description="Webbestelling")
    afters = list(
        Line.objects.filter(account__kind__in=["school", "ocw", "third_party"])
        .order_by("id")
        .values_list("collective_after", flat=True)
    )
    assert afters == [D("10.00"), D("15.00"), D("5.00"), D("3.00")]
    assert problems() == []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_line SET collective_after = 99 WHERE id = %s",
            [Line.objects.filter(collective_after=D("3.00")).get().pk],
        )
    assert any("running balance" in p for p in problems())


def test_debit_individual_never_overdraws_the_pool():
    school, prog = SchoolFactory(), programme()
    pool = services.account(AccountKind.INDIVIDUAL, school=school, programme=prog)
    services.post_entry(
        kind=EntryKind.RELEASE,
        description="Budget vrijgegeven",
        lines=[
            (pool, D("-11.00")),
            (services.account(AccountKind.OCW_FUND, programme=prog), D("11.00")),
        ],
        school=school,
        programme=prog,
    )
    liability = services.account(AccountKind.PROVIDER_PAYABLE, programme=prog)
    services.debit_individual(
        school, prog, D("5.50"), description="Toegekend", counter_account=liability
    )
    services.debit_individual(
        school, prog, D("5.50"), description="Toegekend", counter_account=liability
    )
    with pytest.raises(services.InsufficientBudget):
        services.debit_individual(
            school, prog, D("0.01"), description="Toegekend", counter_account=liability
        )
    assert queries.balances(school, prog)["individual"] == 0
    assert queries.individual_assigned(school, prog) == D("11.00")
    assert problems() == []
