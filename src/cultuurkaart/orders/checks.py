"""Deploy checks for invoicing: every invoice tells schools where to pay, so the payee's
details must be set (and the IBAN must be a valid one) before the platform runs for real."""

from django.conf import settings
from django.core.checks import Error, Tags, register

PAYEE_SETTINGS = (
    "CK_PAYEE_NAME",
    "CK_PAYEE_IBAN",
    "CK_PAYEE_BIC",
    "CK_PAYEE_KVK",
    "CK_PAYEE_VAT_NUMBER",
)


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 check digits (mod 97 == 1)."""
    compact = iban.replace(" ", "").upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact.isalnum()):
        return False
    if not compact.isascii():
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


@register(Tags.compatibility, deploy=True)
def payee_check(app_configs, **kwargs):
    errors = [
        Error(f"{name} is empty; invoices must say where to pay.", id="orders.E001")
        for name in PAYEE_SETTINGS
        if not getattr(settings, name, "")
    ]
    iban = getattr(settings, "CK_PAYEE_IBAN", "")
    if iban and not iban_is_valid(iban):
        errors.append(Error("CK_PAYEE_IBAN is not a valid IBAN.", id="orders.E002"))
    return errors
