from django import template

from cultuurkaart.core.money import format_eur, quantize
from cultuurkaart.orders.constants import InvoiceStatus

register = template.Library()


@register.filter
def signed_eur(line_amount):
    """A ledger line of a school bucket as the school sees it: credit +, debit −."""
    value = quantize(-line_amount)
    text = format_eur(abs(value))
    return f"+\u00a0{text}" if value >= 0 else f"−\u00a0{text}"


@register.filter
def invoice_status(invoice, today=None):
    """(code, label) of the invoice's shown status (open becomes overdue after due date)."""
    code = invoice.shown_status(today)
    return code, InvoiceStatus(code).label
