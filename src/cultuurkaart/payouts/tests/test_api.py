from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.ledger.checks import problems
from cultuurkaart.payouts.models import PayoutBatch, PayoutItem
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import CHECK_AT, PAY_AT, checked

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
CLOCK = PAY_AT.isoformat()


@pytest.fixture
def paid(api_as, admin, settings):
    settings.CK_PAYEE_NAME = "Stichting Cultuurkaartcentrale"
    settings.CK_PAYEE_IBAN = "NL91ABNA0417164300"
    settings.CK_PAYEE_BIC = "ABNANL2A"
    school = SchoolFactory()
    p1 = ProviderFactory(iban="NL02ABNA0123456789", bic="ABNANL2A", name="Theater Één & Co")
    p2 = ProviderFactory(iban="DE89370400440532013000", bic="")
    held = ProviderFactory(
        iban="GB29NWBK60161331926819", iban_hold_until=PAY_AT + dt.timedelta(days=3)
    )
    a = checked(p1, school, "123.45")
    b = checked(p1, school, "10.00")
    c = checked(p2, school, "0.10")
    checked(held, school, "50.00")
    api = api_as(admin, clock=CLOCK)
    return {"api": api, "p1": p1, "p2": p2, "held": held, "a": a, "b": b, "c": c}


def test_admin_creates_a_batch_201_with_items_and_totals(paid):
    response = paid["api"].post("/admin/payouts", {})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["items"] == [
        {
            "provider": str(paid["p1"].pk),
            "weborders": [str(paid["a"].pk), str(paid["b"].pk)],
            "vouchers": [],
            "gross": "133.45",
            "fee": "6.67",
            "deducted": "0.00",
            "net": "126.78",
        },
        {
            "provider": str(paid["p2"].pk),
            "weborders": [str(paid["c"].pk)],
            "vouchers": [],
            "gross": "0.10",
            "fee": "0.01",
            "deducted": "0.00",
            "net": "0.09",
        },
    ]
    assert (body["total_gross"], body["total_fee"], body["total_net"]) == (
        "133.55",
        "6.68",
        "126.87",
    )
    assert [h["provider"] for h in body["held"]] == [str(paid["held"].pk)]
    assert body["held"][0]["reason"] == "iban-hold"
    # Again: nothing left to pay.
    again = paid["api"].post("/admin/payouts", {})
    assert again.status_code == 409
    assert again.json()["type"] == "nothing-to-pay"
    assert PayoutBatch.objects.count() == 1
    assert problems() == []


def test_until_in_the_body_limits_the_batch(paid):
    response = paid["api"].post(
        "/admin/payouts", {"until": (CHECK_AT - dt.timedelta(hours=1)).isoformat()}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "nothing-to-pay"


def test_same_idempotency_key_answers_the_first_batch(paid):
    first = paid["api"].post("/admin/payouts", {}, headers={"Idempotency-Key": "k-1"})
    second = paid["api"].post("/admin/payouts", {}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert PayoutBatch.objects.count() == 1


@pytest.mark.parametrize("role", [RoleName.BUDGET_HOLDER, RoleName.PROVIDER])
def test_only_the_admin_makes_batches(paid, api_as, role, school):
    kwargs = {"provider": paid["p1"]} if role == RoleName.PROVIDER else {"school": school}
    user = with_role(UserFactory(), role, **kwargs)
    response = api_as(user, clock=CLOCK).post("/admin/payouts", {})
    assert response.status_code == 403
    assert not PayoutBatch.objects.exists()


def test_sepa_file_validates_and_holds_the_net_amounts_and_ibans(paid):
    from sepaxml.validation import try_valid_xml

    batch_id = paid["api"].post("/admin/payouts", {}).json()["id"]
    response = paid["api"].get(f"/admin/payouts/{batch_id}/sepa.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    content = response.content
    try_valid_xml(content, "pain.001.001.03")  # raises on any XSD violation
    schema = xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")
    schema.validate(content.decode())  # the XSD itself, too
    root = ET.fromstring(content)
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "126.87"
    assert root.findtext(".//p:Dbtr/p:Nm", namespaces=NS) == "Stichting Cultuurkaartcentrale"
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "NL91ABNA0417164300"
    txs = {
        tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS): tx
        for tx in root.iterfind(".//p:CdtTrfTxInf", namespaces=NS)
    }
    assert set(txs) == {"NL02ABNA0123456789", "DE89370400440532013000"}
    one = txs["NL02ABNA0123456789"]
    item = PayoutItem.objects.get(batch_id=batch_id, provider=paid["p1"])
    assert Decimal(one.findtext("p:Amt/p:InstdAmt", namespaces=NS)) == Decimal("126.78")
    assert one.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == str(item.pk)
    assert f"{batch_id}" in one.findtext("p:RmtInf/p:Ustrd", namespaces=NS)
    assert one.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Theater Een & Co"  # transliterated
    assert Decimal(
        txs["DE89370400440532013000"].findtext("p:Amt/p:InstdAmt", namespaces=NS)
    ) == Decimal("0.09")
    assert b"GB29NWBK60161331926819" not in content  # the held provider is not paid


def test_sepa_of_an_unknown_batch_is_404(paid):
    assert paid["api"].get("/admin/payouts/999/sepa.xml").status_code == 404
    assert paid["api"].get("/admin/payouts/x1/sepa.xml").status_code == 404
