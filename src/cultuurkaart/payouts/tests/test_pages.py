from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.orders.pdf import format_iban
from cultuurkaart.payouts.models import PayoutBatch, PayoutItem, PayoutLine
from cultuurkaart.payouts.pdf import render_specification
from cultuurkaart.payouts.services import split
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.tests.factories import WebOrderFactory, provider_person
from cultuurkaart.weborders.tests.test_pages import client_for

from .factories import PAY_AT, checked

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.CK_PAYEE_NAME = "Stichting Cultuurkaartcentrale"
    settings.CK_PAYEE_IBAN = "NL91ABNA0417164300"
    settings.CK_PAYEE_BIC = "ABNANL2A"
    school = SchoolFactory()
    provider, person = provider_person(ProviderFactory(name="Theater Noord"))
    other, other_person = provider_person(ProviderFactory(name="Dans Zuid"))
    held = ProviderFactory(name="Museum Oost", iban_hold_until=PAY_AT + dt.timedelta(days=3))
    mine = checked(provider, school, "123.45")
    mine.description = '=HYPERLINK("http://evil")'
    mine.save(update_fields=["description"])
    theirs = checked(other, school, "80.00")
    checked(held, school, "20.00")
    admin = with_role(UserFactory(), RoleName.ADMIN)
    return {
        "provider": provider,
        "person": person,
        "other": other,
        "other_person": other_person,
        "mine": mine,
        "theirs": theirs,
        "admin": client_for(admin),
        "admin_user": admin,
    }


@pytest.fixture(autouse=True)
def _pay_time():
    with clock.frozen(PAY_AT):
        yield


def test_backoffice_confirms_then_makes_the_batch_and_offers_the_sepa_file(world):
    client = world["admin"]
    confirm = client.get("/backoffice/uitbetalingen/nieuw/")
    page = confirm.content.decode()
    assert "Theater Noord" in page and "Dans Zuid" in page
    assert "Museum Oost" in page  # on hold, listed as such
    hold_until = (PAY_AT + dt.timedelta(days=3)).astimezone(clock.AMSTERDAM)
    assert f"uitbetaling wacht tot {hold_until:%d-%m-%Y %H:%M}" in page  # Dutch date format
    assert "117,28" in page  # net of 123.45
    assert not PayoutBatch.objects.exists()  # the confirmation step pays nothing

    response = client.post(
        "/backoffice/uitbetalingen/nieuw/", {"until": PAY_AT.isoformat()}, follow=True
    )
    batch = PayoutBatch.objects.get()
    assert response.redirect_chain[-1][0] == f"/backoffice/uitbetalingen/{batch.pk}/"
    detail = response.content.decode()
    assert "Museum Oost" in detail and "NL91 ABNA 0417 1643 00" in detail
    world["mine"].refresh_from_db()
    assert world["mine"].status == WebOrderStatus.PAID_OUT

    listing = client.get("/backoffice/uitbetalingen/").content.decode()
    assert f"/backoffice/uitbetalingen/{batch.pk}/sepa.xml" in listing
    sepa = client.get(f"/backoffice/uitbetalingen/{batch.pk}/sepa.xml")
    assert sepa.status_code == 200 and sepa["Content-Type"].startswith("application/xml")
    assert b'<InstdAmt Ccy="EUR">117.28</InstdAmt>' in sepa.content

    # Confirming again (a second tab, a double click) pays nothing.
    again = client.post("/backoffice/uitbetalingen/nieuw/", {"until": PAY_AT.isoformat()})
    assert again.status_code == 302
    assert PayoutBatch.objects.count() == 1
    assert problems() == []


def test_provider_sees_its_payouts_per_weborder_and_downloads_the_specification(world):
    world["admin"].post("/backoffice/uitbetalingen/nieuw/", {})
    batch = PayoutBatch.objects.get()
    client = client_for(world["person"])
    pid = world["provider"].pk
    page = client.get(f"/aanbieder/{pid}/uitbetalingen/").content.decode()
    assert str(world["mine"].pk) in page
    assert "123,45" in page and "6,17" in page and "117,28" in page
    assert "80,00" not in page  # another provider's web order
    # Another provider's payouts: 404.
    assert client.get(f"/aanbieder/{world['other'].pk}/uitbetalingen/").status_code == 404

    spec = client.get(f"/aanbieder/{pid}/uitbetalingen/{batch.pk}/specificatie.xlsx")
    assert spec.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(spec.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    line = next(r for r in rows if r[0] == world["mine"].pk)
    assert line[4:7] == (123.45, 6.17, 117.28)
    assert line[2] == '=HYPERLINK("http://evil")'  # stored as text, not a formula
    cell = next(c for c in sheet["C"] if c.value == line[2])
    assert cell.data_type == "s" and cell.quotePrefix
    # The other provider's people cannot read this provider's specification.
    other = client_for(world["other_person"])
    assert (
        other.get(f"/aanbieder/{pid}/uitbetalingen/{batch.pk}/specificatie.xlsx").status_code == 404
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_specification_pdf_lists_every_weborder_with_fee_totals_iban_and_issuer(world):
    # 12.30 × 5% = 0.615: the half cent rounds up (fee 0.62, paid 11.68).
    half = checked(world["provider"], SchoolFactory(name="Lyceum West"), "12.30")
    world["admin"].post("/backoffice/uitbetalingen/nieuw/", {})
    batch = PayoutBatch.objects.get()
    item = batch.items.get(provider=world["provider"])
    assert (item.gross, item.fee, item.net) == (
        Decimal("135.75"),
        Decimal("6.79"),
        Decimal("128.96"),
    )
    client = client_for(world["person"])
    pid = world["provider"].pk
    listing = client.get(f"/aanbieder/{pid}/uitbetalingen/").content.decode()
    url = f"/aanbieder/{pid}/uitbetalingen/{batch.pk}/specificatie.pdf"
    assert url in listing
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()}
    mine = rows[str(world["mine"].pk)]
    assert "€ 123,45" in mine and "€ 6,17" in mine and "€ 117,28" in mine
    assert "20-03-2024" in mine  # the activity date
    halfway = rows[str(half.pk)]
    assert "Lyceum West" in halfway
    assert "€ 12,30" in halfway and "€ 0,62" in halfway and "€ 11,68" in halfway
    assert str(world["theirs"].pk) not in rows  # another provider's web order
    assert "€ 135,75" in text and "€ 6,79" in text and "€ 128,96" in text
    assert format_iban(item.iban) in text and " " in format_iban(item.iban)
    assert "Stichting Cultuurkaartcentrale" in text
    assert batch.created_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y") in text
    assert "De btw over de activiteit is de zaak van de aanbieder" in text
    assert "95%" in text
    # Another provider's people: 404, also for a batch it is not in.
    other = client_for(world["other_person"])
    assert other.get(url).status_code == 404
    assert (
        other.get(
            f"/aanbieder/{world['other'].pk}/uitbetalingen/{batch.pk + 1}/specificatie.pdf"
        ).status_code
        == 404
    )


def test_specification_pdf_is_english_for_an_english_account(world):
    world["admin"].post("/backoffice/uitbetalingen/nieuw/", {})
    batch = PayoutBatch.objects.get()
    world["person"].language = "en"
    world["person"].save(update_fields=["language"])
    client = client_for(world["person"])
    pid = world["provider"].pk
    text = _pdf_text(
        client.get(f"/aanbieder/{pid}/uitbetalingen/{batch.pk}/specificatie.pdf").content
    )
    assert "Payout specification" in text
    assert "VAT on the activity is the provider's own concern" in text
    assert "€ 117,28" in text


def _sheet_rows(content: bytes) -> tuple[list[tuple], object]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True)), sheet


def test_provider_downloads_its_weborders_and_payouts_as_excel(world):
    school = world["mine"].school
    pending = WebOrderFactory(provider=world["provider"], school=school, amount=Decimal("40.00"))
    world["admin"].post("/backoffice/uitbetalingen/nieuw/", {})
    batch = PayoutBatch.objects.get()
    client = client_for(world["person"])
    pid = world["provider"].pk
    assert (
        f"/aanbieder/{pid}/webbestellingen/export.xlsx"
        in client.get("/aanbieder/weborders/").content.decode()
    )
    assert (
        f"/aanbieder/{pid}/uitbetalingen/export.xlsx"
        in client.get(f"/aanbieder/{pid}/uitbetalingen/").content.decode()
    )

    response = client.get(f"/aanbieder/{pid}/webbestellingen/export.xlsx")
    assert response.status_code == 200
    rows, _sheet = _sheet_rows(response.content)
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {world["mine"].pk, pending.pk}  # not another provider's
    paid = by_id[world["mine"].pk]
    assert paid[2] == school.name and paid[8] == 123.45 and paid[9] == "Uitbetaald"
    assert paid[12] == batch.pk and paid[14:16] == (6.17, 117.28)
    waiting = by_id[pending.pk]
    assert waiting[8] == 40.0 and waiting[9] == "Wacht op goedkeuring"
    assert waiting[12:16] == (None, None, None, None)  # fee and net only once paid

    response = client.get(f"/aanbieder/{pid}/uitbetalingen/export.xlsx")
    rows, _sheet = _sheet_rows(response.content)
    assert rows[1][0] == batch.pk
    assert rows[1][2:] == (123.45, 6.17, 117.28, world["provider"].iban.replace(" ", ""), 1)
    assert len(rows) == 2

    other = client_for(world["other_person"])
    assert other.get(f"/aanbieder/{pid}/webbestellingen/export.xlsx").status_code == 404
    assert other.get(f"/aanbieder/{pid}/uitbetalingen/export.xlsx").status_code == 404


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@"])
def test_provider_weborder_export_neutralises_formulas(world, trigger):
    text = f'{trigger}HYPERLINK("http://evil","x")'
    weborder = WebOrderFactory(provider=world["provider"], description=text, request_ref=text)
    client = client_for(world["person"])
    response = client.get(f"/aanbieder/{world['provider'].pk}/webbestellingen/export.xlsx")
    rows, sheet = _sheet_rows(response.content)
    row = next(r for r in rows if r[0] == weborder.pk)
    assert row[4] == text and row[5] == text
    for column in ("E", "F"):
        cell = next(c for c in sheet[column] if c.value == text)
        assert cell.data_type == "s" and cell.quotePrefix


def test_specification_pdf_breaks_pages_and_fits_long_text(world):

    provider = world["provider"]
    batch = PayoutBatch.objects.create(
        until=PAY_AT, total_gross=0, total_fee=0, total_net=0, created_at=PAY_AT
    )
    item = PayoutItem.objects.create(
        batch=batch,
        provider=provider,
        name=provider.name,
        iban=provider.iban,
        gross=0,
        fee=0,
        net=0,
    )
    school = SchoolFactory(name="Stedelijk Gymnasium Johan de Witt en Scholengemeenschap " * 2)
    numbers = []
    for n in range(70):
        wo = WebOrderFactory(
            provider=provider,
            school=school,
            amount=Decimal("10.10"),
            description=f"Voorstelling {n} " + "met een heel lange omschrijving " * 5,
        )
        fee, net = split(wo.amount)
        PayoutLine.objects.create(item=item, weborder=wo, amount=wo.amount, fee=fee, net=net)
        numbers.append(wo.pk)
    reader = PdfReader(io.BytesIO(render_specification(item)))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    starts = {line.split()[0] for line in text.splitlines() if line.split()}
    assert {str(pk) for pk in numbers} <= starts  # every web order on some page
    wanted = {str(pk) for pk in numbers}
    for page in reader.pages:  # the column header on every page with lines
        page_text = page.extract_text()
        firsts = {line.split()[0] for line in page_text.splitlines() if line.split()}
        assert ("Nummer" in page_text) == bool(firsts & wanted)
    assert "\u2026" in text  # long text cut to its column
    assert "€ 0,51" in text  # 10.10 × 5% = 0.505 → 0.51


def test_provider_pages_are_english_for_an_english_account_also_where_text_has_percent(world):
    # A `{% translate %}` text with % is looked up with %% (as makemessages writes it).
    world["admin"].post("/backoffice/uitbetalingen/nieuw/", {})
    world["person"].language = "en"
    world["person"].save(update_fields=["language"])
    client = client_for(world["person"])
    pid = world["provider"].pk
    payouts = client.get(f"/aanbieder/{pid}/uitbetalingen/").content.decode()
    assert "Contribution 5%" in payouts and "Bijdrage 5%" not in payouts
    assert "We pay a web order once the school has approved it" in payouts
    weborders = client.get("/aanbieder/weborders/").content.decode()
    assert "we pay you 95% of the amount; 5% is your fee" in weborders
    home = client.get("/aanbieder/").content.decode()
    assert "see your payouts: you receive 95% of each web order" in home
    world["admin_user"].language = "en"
    world["admin_user"].save(update_fields=["language"])
    listing = client_for(world["admin_user"]).get("/backoffice/uitbetalingen/").content.decode()
    assert "minus the 5% contribution" in listing and "Contribution 5%" in listing
