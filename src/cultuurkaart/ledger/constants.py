"""Ledger account kinds and entry kinds (SPEC §6). See docs/ledger.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    # A school's money for one programme (credit-normal: a positive balance is money held
    # for the school). The collective budget is SCHOOL + OCW + THIRD_PARTY.
    SCHOOL = "school", _("Bijdrage school")
    OCW = "ocw", _("Bijdrage OCW")
    THIRD_PARTY = "third_party", _("Bijdrage derden")
    INDIVIDUAL = "individual", _("Individueel budget")
    # Individual budget assigned to students (vouchers app): assignment moves a student's
    # share here from INDIVIDUAL; a redeemed voucher moves its value on to PROVIDER_PAYABLE.
    INDIVIDUAL_ASSIGNED = "individual_assigned", _("Toegekend individueel budget")
    # Per school × programme, platform side.
    RECEIVABLE = "receivable", _("Te ontvangen (facturen)")
    CUSTOMER_CREDIT = "customer_credit", _("Tegoed (te veel betaald)")
    # Platform accounts (per programme, or global for the bank).
    BANK = "bank", _("Bank")
    INVOICED = "invoiced", _("Gefactureerd, nog niet vrijgegeven")
    OCW_FUND = "ocw_fund", _("Landelijk OCW-budget")
    ADMIN_FEE_INCOME = "admin_fee_income", _("Administratiekosten")
    MEMBERSHIP_INCOME = "membership_income", _("Lidmaatschappen docenten")
    DOSSIER_INCOME = "dossier_income", _("Cultuurkaart-dossier")
    VAT_PAYABLE = "vat_payable", _("Af te dragen btw")
    PROVIDER_PAYABLE = "provider_payable", _("Te betalen aan acceptanten")
    PROVIDER_FEE_INCOME = "provider_fee_income", _("Bijdrage acceptanten (5%)")
    REFUND_PAYABLE = "refund_payable", _("Terug te betalen aan scholen")
    THIRD_PARTY_PAYABLE = "third_party_payable", _("Terug te betalen aan derden")


# The school's buckets, in the spending order of SPEC §6.
SPENDING_ORDER = [AccountKind.SCHOOL, AccountKind.OCW, AccountKind.THIRD_PARTY]
BUCKETS = {*SPENDING_ORDER, AccountKind.INDIVIDUAL}
SCHOOL_SCOPED = {
    *BUCKETS,
    AccountKind.INDIVIDUAL_ASSIGNED,
    AccountKind.RECEIVABLE,
    AccountKind.CUSTOMER_CREDIT,
}

# Accounts whose natural balance is a credit (money owed to someone / held for someone).
# Line amounts are signed with debit positive; a credit-normal account shows −(sum).
CREDIT_NORMAL = {
    AccountKind.SCHOOL,
    AccountKind.OCW,
    AccountKind.THIRD_PARTY,
    AccountKind.INDIVIDUAL,
    AccountKind.INDIVIDUAL_ASSIGNED,
    AccountKind.CUSTOMER_CREDIT,
    AccountKind.INVOICED,
    AccountKind.ADMIN_FEE_INCOME,
    AccountKind.MEMBERSHIP_INCOME,
    AccountKind.DOSSIER_INCOME,
    AccountKind.VAT_PAYABLE,
    AccountKind.PROVIDER_PAYABLE,
    AccountKind.PROVIDER_FEE_INCOME,
    AccountKind.REFUND_PAYABLE,
    AccountKind.THIRD_PARTY_PAYABLE,
}

# Accounts that may never show a negative balance (SPEC §6: a payment never makes a
# bucket negative, also under concurrency).
NEVER_NEGATIVE = {*BUCKETS, AccountKind.INDIVIDUAL_ASSIGNED}


class EntryKind(models.TextChoices):
    INVOICE_ISSUED = "invoice_issued", _("Factuur verstuurd")
    PAYMENT_RECEIVED = "payment_received", _("Betaling ontvangen")
    RELEASE = "release", _("Budget vrijgegeven")
    WEBORDER = "weborder", _("Webbestelling")
    VOUCHER = "voucher", _("Tegoedbon")
    PAYOUT = "payout", _("Uitbetaling")
    EXPIRY = "expiry", _("Vervallen")
    REFUND = "refund", _("Terugbetaling")
    REDISTRIBUTION = "redistribution", _("Herverdeling")
    REVERSAL = "reversal", _("Tegenboeking")
    CREDIT_NOTE = "credit_note", _("Creditnota")
    OTHER = "other", _("Overig")
