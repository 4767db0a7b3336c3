"""Corrections after payout (SPEC §8, issue 9 point 4; decision PO7): a new ledger entry
gives the school its money back in the buckets it came from, the fee is given up, and what
the provider received is deducted from its next payouts, in part when a payout is smaller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail as outbox
from django.urls import reverse

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.errors import Conflict, ValidationFailed
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.checks import problems
from cultuurkaart.ledger.constants import AccountKind
from cultuurkaart.ledger.models import Entry, Line
from cultuurkaart.payouts import services
from cultuurkaart.payouts.models import Correction, Deduction, PayoutItem
from cultuurkaart.payouts.sepa import sepa_xml
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.tests.factories import fund, programme

from .factories import CHECK_AT, PAY_AT, checked

pytestmark = pytest.mark.django_db
LATER = PAY_AT + dt.timedelta(days=7)


def _balances(school, prog):
    return {
        kind: ledger.account(kind, school=school, programme=prog).balance
        for kind in (AccountKind.SCHOOL, AccountKind.OCW, AccountKind.THIRD_PARTY)
    }


def _receivable(prog):
    return ledger.account(AccountKind.PROVIDER_RECEIVABLE, programme=prog).balance


@pytest.fixture
def paid_out(settings):
    settings.CK_PAYEE_IBAN = "NL91ABNA0417164300"
    settings.CK_PAYEE_BIC = "ABNANL2A"
    school = SchoolFactory()
    with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)  # gets the school's mail
    prog = programme()
    fund(school, prog, school_amount="40.00", ocw="100.00")
    before = _balances(school, prog)
    provider = ProviderFactory(iban="NL02ABNA0123456789", bic="ABNANL2A")
    with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    weborder = checked(provider, school, "123.45", funded=True)  # 40 school + 83.45 OCW
    with clock.frozen(PAY_AT):
        services.create_payout_batch()
    weborder.refresh_from_db()
    assert weborder.status == WebOrderStatus.PAID_OUT
    admin = with_role(UserFactory(), RoleName.ADMIN)
    return {
        "school": school,
        "prog": prog,
        "before": before,
        "provider": provider,
        "weborder": weborder,
        "admin": admin,
    }


def test_a_correction_returns_the_money_gives_up_the_fee_and_books_a_receivable(
    paid_out, django_capture_on_commit_callbacks
):
    school, prog, wo = paid_out["school"], paid_out["prog"], paid_out["weborder"]
    approval_lines = list(Line.objects.filter(entry=wo.entry).values_list("pk", "amount"))
    entries = Entry.objects.count()
    fee_income = ledger.account(AccountKind.PROVIDER_FEE_INCOME, programme=prog).balance
    outbox.outbox.clear()
    with clock.frozen(LATER), django_capture_on_commit_callbacks(execute=True):
        correction = services.correct_paid_weborder(
            wo, reason="Geen voorstelling gegeven.", actor=paid_out["admin"]
        )
    wo.refresh_from_db()
    assert wo.status == WebOrderStatus.CORRECTED
    # €123.45: fee €6.17 given up, €117.28 owed by the provider (what it received)
    assert (correction.amount, correction.fee, correction.net) == (
        Decimal("123.45"),
        Decimal("6.17"),
        Decimal("117.28"),
    )
    assert _balances(school, prog) == paid_out["before"]  # every bucket as before approval
    assert _receivable(prog) == Decimal("117.28")  # debit: the provider owes it
    fee_after = ledger.account(AccountKind.PROVIDER_FEE_INCOME, programme=prog).balance
    assert fee_after - fee_income == Decimal("6.17")  # a credit account back by the fee
    # a new entry, nothing edited
    assert Entry.objects.count() == entries + 1
    assert list(Line.objects.filter(entry=wo.entry).values_list("pk", "amount")) == (approval_lines)
    assert correction.entry.school_id == school.pk
    assert problems() == []
    by_subject = {m.subject: m for m in outbox.outbox}
    assert len(outbox.outbox) == 2
    to_provider = next(m for s, m in by_subject.items() if "verrekening" in s)
    to_school = next(m for s, m in by_subject.items() if "budget" in s)
    assert "117,28" in to_provider.body and "Geen voorstelling gegeven." in to_provider.body
    assert "123,45" in to_school.body and to_school.to != to_provider.to


def test_only_a_paid_web_order_is_corrected_once_with_a_reason(paid_out):
    wo, admin = paid_out["weborder"], paid_out["admin"]
    with pytest.raises(ValidationFailed):
        services.correct_paid_weborder(wo, reason="  ", actor=admin)
    services.correct_paid_weborder(wo, reason="Fraude", actor=admin)
    with pytest.raises(Conflict) as twice:
        services.correct_paid_weborder(wo, reason="Fraude", actor=admin)
    assert twice.value.type == "invalid-transition"
    unpaid = checked(paid_out["provider"], paid_out["school"], "10.00")
    with pytest.raises(Conflict):  # checked, not paid: reverse it instead
        services.correct_paid_weborder(unpaid, reason="Fraude", actor=admin)
    assert Correction.objects.count() == 1 and problems() == []


def test_the_next_batches_deduct_what_the_provider_owes_in_part_when_small(paid_out):
    provider, school, prog = paid_out["provider"], paid_out["school"], paid_out["prog"]
    services.correct_paid_weborder(paid_out["weborder"], reason="Fraude", actor=None)
    # a next payout of €50.00 (net €47.50) settles €47.50 of the €117.28 and transfers 0
    checked(provider, school, "50.00", at=LATER)
    other = ProviderFactory(iban="NL39RABO0300065264", bic="RABONL2U")
    checked(other, school, "20.00", at=LATER)
    with clock.frozen(LATER + dt.timedelta(hours=1)):
        preview = services.preview()
        first = services.create_payout_batch()
    mine = PayoutItem.objects.get(batch=first, provider=provider)
    assert (mine.gross, mine.fee, mine.deducted, mine.net) == (
        Decimal("50.00"),
        Decimal("2.50"),
        Decimal("47.50"),
        Decimal("0.00"),
    )
    row = next(r for r in preview["items"] if r["provider"].pk == provider.pk)
    assert (row["deducted"], row["net"]) == (Decimal("47.50"), Decimal("0.00"))
    assert (first.total_deducted, first.total_net) == (Decimal("47.50"), Decimal("19.00"))
    assert first.total_gross - first.total_fee - first.total_deducted == first.total_net
    correction = Correction.objects.get()
    assert correction.settled == Decimal("47.50") and correction.open == Decimal("69.78")
    assert _receivable(prog) == Decimal("69.78")
    xml = sepa_xml(first).decode()
    assert "NL02ABNA0123456789" not in xml and "NL39RABO0300065264" in xml  # nothing to send
    # the next one of €100.00 (net €95.00) settles the rest and transfers €25.22
    checked(provider, school, "100.00", at=LATER + dt.timedelta(days=1))
    with clock.frozen(LATER + dt.timedelta(days=1, hours=1)):
        second = services.create_payout_batch()
    mine = PayoutItem.objects.get(batch=second, provider=provider)
    assert (mine.deducted, mine.net) == (Decimal("69.78"), Decimal("25.22"))
    assert '<InstdAmt Ccy="EUR">25.22</InstdAmt>' in sepa_xml(second).decode()
    correction.refresh_from_db()
    assert correction.open == 0 and _receivable(prog) == 0
    assert Deduction.objects.filter(correction=correction).count() == 2
    # settled: a third payout deducts nothing
    checked(provider, school, "10.00", at=LATER + dt.timedelta(days=2))
    with clock.frozen(LATER + dt.timedelta(days=2, hours=1)):
        third = services.create_payout_batch()
    assert PayoutItem.objects.get(batch=third, provider=provider).deducted == 0
    assert problems() == []


def test_the_api_and_the_back_office_page(paid_out, api_as, client):
    wo, admin = paid_out["weborder"], paid_out["admin"]
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=paid_out["school"])
    path = f"/api/v1/admin/weborders/{wo.pk}/correction"
    assert api_as(bh).post(path, {"reason": "x"}).status_code == 403
    assert (
        api_as(admin).post("/api/v1/admin/weborders/999999/correction", {"reason": "x"}).status_code
        == 404
    )
    assert api_as(admin).post(path, {"reason": ""}).status_code == 422
    response = api_as(admin).post(path, {"reason": "Geen voorstelling"})
    assert response.status_code == 201, response.content
    assert response.json() | {"id": "-"} == {
        "id": "-",
        "weborder": str(wo.pk),
        "status": "corrected",
        "amount": "123.45",
        "fee": "6.17",
        "owed": "117.28",
        "settled": "0.00",
    }
    again = api_as(admin).post(path, {"reason": "Geen voorstelling"})
    assert again.status_code == 409 and again.json()["type"] == "invalid-transition"
    # the back office page shows the correction
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.tests.factories import totp_device

    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(admin).persistent_id
    session.save()
    page = client.get(reverse("portals:backoffice_weborders_detail", args=[wo.pk]))
    text = page.content.decode()
    assert 'data-testid="correction"' in text and "117,28" in text
    assert 'value="correct"' not in text  # corrected: no second correction


def test_the_back_office_corrects_from_the_page(paid_out, client):
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.tests.factories import totp_device

    wo, admin = paid_out["weborder"], paid_out["admin"]
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(admin).persistent_id
    session.save()
    url = reverse("portals:backoffice_weborders_detail", args=[wo.pk])
    assert 'value="correct"' in client.get(url).content.decode()
    response = client.post(url, {"action": "correct", "reason": "Dubbel betaald"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.status == WebOrderStatus.CORRECTED
    assert Correction.objects.get().reason == "Dubbel betaald"
    assert CHECK_AT < PAY_AT


def test_the_provider_sees_the_deduction_on_its_page_pdf_and_excel(paid_out):
    import io

    import openpyxl
    from pypdf import PdfReader

    from cultuurkaart.weborders.tests.test_pages import client_for

    provider, school = paid_out["provider"], paid_out["school"]
    services.correct_paid_weborder(paid_out["weborder"], reason="Fraude", actor=None)
    checked(provider, school, "200.00", at=LATER)  # net 190.00 − 117.28 = 72.72
    with clock.frozen(LATER + dt.timedelta(hours=1)):
        batch = services.create_payout_batch()
    person = provider.roles.first().user
    client = client_for(person)
    page = client.get(f"/aanbieder/{provider.pk}/uitbetalingen/").content.decode()
    assert 'data-testid="deducted"' in page and "117,28" in page and "72,72" in page
    base = f"/aanbieder/{provider.pk}/uitbetalingen/{batch.pk}"
    pdf = client.get(f"{base}/specificatie.pdf").content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Verrekend met correcties" in text and "€ 117,28" in text and "€ 72,72" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/specificatie.xlsx").content))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "Verrekend met correcties na eerdere uitbetalingen" in values
    assert -117.28 in values and 72.72 in values and 190.0 in values
