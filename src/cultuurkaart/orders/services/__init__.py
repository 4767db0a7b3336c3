"""Budget orders, invoices, payments and third-party contributions: every write (SPEC §5).

Split by aggregate as pretix does: `orders` (checks, submission, objection period,
decision), `quotes`, `invoices` (numbering, issue, credit notes, reminders, third-party
invoices), `payments` (registration, release, cancellation for non-payment); `common`
holds the errors and contacts. Everything is re-exported here: callers use
`orders.services.<name>`.

Lock order (docs/invoicing.md): programme → budget order → invoice → invoice sequence →
ledger accounts (ascending id, inside ledger.services). Every service runs in its own
transaction, writes its audit entry there and sends mail on commit.
"""

from .common import (
    PAYMENT_TERM_DAYS,
    REMINDER_INTERVAL_DAYS,
    ObjectionPeriodOver,
    ObjectionPeriodRunning,
    OcwFundsExhausted,
    OrderRefused,
    _programme_for,
    _refuse,
    _transition,
    budget_holder_emails,
    order_contacts,
    vat_rate,
)
from .invoices import (
    _issue_invoice,
    create_third_party_contribution,
    issue_credit_note,
    next_invoice_number,
    send_reminders,
)
from .orders import (
    OrderInput,
    _check_decidable,
    _check_deviation,
    _check_registration,
    _kind,
    _live_students,
    _locked_order,
    _mail_order,
    _whole,
    approve_order,
    cancel_order,
    change_order,
    check_order,
    clean_numbers,
    close_objection_periods,
    is_mbo,
    ocw_allocated,
    quote_for,
    reject_order,
    submit_order,
)
from .payments import (
    _release,
    cancel_unpaid,
    register_payment,
)
from .quotes import (
    Quote,
    QuoteLine,
    first_initial_submission,
    free_teachers_apply,
    make_quote,
    order_quote,
)

__all__ = [
    "PAYMENT_TERM_DAYS",
    "REMINDER_INTERVAL_DAYS",
    "ObjectionPeriodOver",
    "ObjectionPeriodRunning",
    "OcwFundsExhausted",
    "OrderInput",
    "OrderRefused",
    "Quote",
    "QuoteLine",
    "_check_decidable",
    "_check_deviation",
    "_check_registration",
    "_issue_invoice",
    "_kind",
    "_live_students",
    "_locked_order",
    "_mail_order",
    "_programme_for",
    "_refuse",
    "_release",
    "_transition",
    "_whole",
    "approve_order",
    "budget_holder_emails",
    "cancel_order",
    "cancel_unpaid",
    "change_order",
    "check_order",
    "clean_numbers",
    "close_objection_periods",
    "create_third_party_contribution",
    "first_initial_submission",
    "free_teachers_apply",
    "is_mbo",
    "issue_credit_note",
    "make_quote",
    "next_invoice_number",
    "ocw_allocated",
    "order_contacts",
    "order_quote",
    "quote_for",
    "register_payment",
    "reject_order",
    "send_reminders",
    "submit_order",
    "vat_rate",
]
