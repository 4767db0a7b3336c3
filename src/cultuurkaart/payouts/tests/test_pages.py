from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger.checks import problems
from cultuurkaart.payouts.models import PayoutBatch
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.tests.factories import provider_person
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
    assert "117,28" in page  # net of 123.45
    assert not PayoutBatch.objects.exists()  # the confirmation step pays nothing

    response = client.post(
        "/backoffice/uitbetalingen/nieuw/", {"until": PAY_AT.isoformat()}, follow=True
    )
    batch = PayoutBatch.objects.get()
    assert response.redirect_chain[-1][0] == f"/backoffice/uitbetalingen/{batch.pk}/"
    detail = response.content.decode()
    assert "Museum Oost" in detail and "NL91ABNA0417164300" in detail
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
