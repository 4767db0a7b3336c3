"""The SEPA credit-transfer file of a payout batch (pain.001.001.03, SPEC §8).

Made with `sepaxml`, which validates the file against the pain.001.001.03 XSD it ships
before returning it. Debtor: the Stichting Cultuurkaartcentrale (settings `CK_PAYEE_NAME`,
`CK_PAYEE_IBAN`, `CK_PAYEE_BIC`); one transaction per provider item, amount = the item's net,
end-to-end id = the item id, remittance information naming the batch and the item."""

from __future__ import annotations

from django.conf import settings
from sepaxml import SepaTransfer

from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError

from .models import PayoutBatch

SCHEMA = "pain.001.001.03"


class PayeeNotConfigured(DomainError):
    type = "payee-not-configured"
    status = 500
    title = "The paying party's bank account is not configured"


def end_to_end_id(item) -> str:
    return str(item.pk)


def remittance(item) -> str:
    return f"Cultuurkaart uitbetaling {item.batch_id} specificatie {item.pk}"


def sepa_xml(batch: PayoutBatch) -> bytes:
    if not (settings.CK_PAYEE_NAME and settings.CK_PAYEE_IBAN):
        raise PayeeNotConfigured("CK_PAYEE_NAME and CK_PAYEE_IBAN must be set.")
    config = {
        "name": settings.CK_PAYEE_NAME,
        "IBAN": settings.CK_PAYEE_IBAN.replace(" ", "").upper(),
        "batch": True,
        "currency": "EUR",
    }
    if settings.CK_PAYEE_BIC:
        config["BIC"] = settings.CK_PAYEE_BIC
    transfer = SepaTransfer(config, schema=SCHEMA, clean=True)
    execution = clock.today()
    # An item whose net went entirely to settling corrections transfers nothing.
    for item in batch.items.filter(net__gt=0).order_by("provider_id", "id"):
        payment = {
            "name": item.name,
            "IBAN": item.iban,
            "amount": int(item.net * 100),  # cents (net has exactly two places)
            "execution_date": execution,
            "description": remittance(item),
            "endtoend_id": end_to_end_id(item),
        }
        if item.bic:
            payment["BIC"] = item.bic
        transfer.add_payment(payment)
    return transfer.export(validate=True)
