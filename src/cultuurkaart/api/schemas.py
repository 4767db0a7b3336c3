"""Response body schemas of the /api/v1 operations (the OpenAPI contract, API.md).

Every schema derives from `base.Out` (`extra="forbid"`): a key an endpoint returns that is
not declared here fails loudly instead of vanishing from the answer, so the document and the
wire cannot drift apart. Request schemas stay next to their endpoints.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .base import Date, DateTime, Id, Money, Out, ProblemItem

# --- accounts -----------------------------------------------------------------------------------


class TokenOut(Out):
    token: str


class RoleOut(Out):
    role: str
    school: Id | None
    provider: Id | None
    cmk_programme: Id | None = None
    cmk_municipality: Id | None = None
    cmk_participation: Id | None = None


class UserOut(Out):
    id: Id
    email: str
    name: str
    language: str
    roles: list[RoleOut]


class ApiTokenOut(Out):
    id: Id
    name: str
    prefix: str
    created_at: DateTime
    last_used_at: DateTime | None
    expires_at: DateTime | None
    revoked: bool
    active: bool


class ApiTokenCreated(ApiTokenOut):
    token: str


# --- schools and programmes ---------------------------------------------------------------------


class RatesOut(Out):
    ocw: Money
    school: Money
    admin_fee: Money
    teacher_fee: Money
    teacher_free_count: int
    voucher: Money
    dossier: Money | None


class ProgrammeOut(Out):
    id: Id
    code: str
    kind: str
    name: str
    rates: RatesOut
    teacher_free_before: Date | None
    order_from: Date
    order_until: Date
    roster_after: Date
    spend_from: Date
    spend_until: Date
    membership_until: Date | None
    register_from: Date | None
    register_until: Date | None
    ocw_total: Money | None
    max_orders: int | None


class LocationOut(Out):
    id: Id
    code: str
    kind: str
    name: str
    postcode: str
    municipality: str
    province: str
    students: int | None


class RegistryImportOut(Out):
    id: Id
    created: int
    updated: int
    rows: int


class ContactOut(Out):
    name: str
    email: str


class ContactsOut(Out):
    board: ContactOut
    directie: ContactOut
    budget_holder: ContactOut


class SchoolOut(Out):
    """Contacts, invoice data and the rejection reason only for the school's managers and
    the platform admin; absent for teachers and students."""

    id: Id
    name: str
    kind: str
    status: str
    school_number: str | None
    location: LocationOut | None
    locations: list[LocationOut]
    duo_count: int | None
    programmes: list[str]
    contacts: ContactsOut | None = None
    invoice_email: str | None = None
    invoice_address: str | None = None
    refund_iban: str | None = None
    registered_at: DateTime
    rejection_reason: str | None = None


class SchoolRegistered(Out):
    id: Id
    status: str


class SchoolApproved(Out):
    id: Id
    status: str
    school_number: str | None


class SchoolRejected(Out):
    id: Id
    status: str
    reason: str


class BudgetHolderChangeOut(Out):
    id: Id
    school: Id
    name: str
    email: str
    replaces: Id | None
    status: str
    requested_at: DateTime


# --- rosters -------------------------------------------------------------------------------------


class PersonOut(Out):
    """`type` (the teacher type) only on the teachers' list."""

    id: Id
    first_name: str
    last_name: str
    email: str
    mobile: str
    location: str
    year: int | None
    group: str
    status: str
    type: str | None = None


class RosterValidation(Out):
    valid: bool
    rows: int
    errors: list[ProblemItem]
    error_count: int


class RosterReplaced(Out):
    added: int
    kept: int
    removed: int
    total: int
    removed_with_active_membership: list[Id]


# --- memberships ---------------------------------------------------------------------------------


class InvitationBatchOut(Out):
    id: Id
    status: str
    sent: int
    skipped: int
    emails: int
    mailed: int
    failed: int
    progress: int
    created_at: DateTime


class ActivationCodeOut(Out):
    person_id: Id
    code: str


class ActivatedMembership(Out):
    id: Id
    status: str
    valid_until: Date
    school: Id
    programme: str


class ActivationOut(Out):
    membership: ActivatedMembership


class PassOut(Out):
    first_name: str
    last_name: str
    birth_date: Date | None
    school: str
    programme_mark: str
    valid_until: Date
    status: str
    valid: bool
    verification_url: str


class DeletionRequestOut(Out):
    id: Id
    status: str
    due_on: Date


class TeacherOut(Out):
    membership_id: Id
    user_id: Id | None
    first_name: str
    last_name: str
    docent_plus: bool


class CodeRequestCreated(Out):
    id: Id
    status: str


class CodeRequestOut(Out):
    id: Id
    kind: str
    first_name: str
    last_name: str
    email: str
    status: str
    created_at: DateTime
    person_id: Id | None


class MembershipAdminOut(Out):
    id: Id
    school: Id
    programme: str
    kind: str
    status: str
    valid_until: Date
    end_reason: str | None
    ended_at: DateTime | None


class MembershipsEnded(Out):
    ended: int


# --- orders, invoices, ledger --------------------------------------------------------------------


class VatOut(Out):
    rate: str
    amount: Money


class QuoteLineOut(Out):
    code: str
    description: str
    quantity: int
    unit_price: Money
    amount: Money


class BudgetsOut(Out):
    collective: Money
    individual: Money


class QuoteOut(Out):
    lines: list[QuoteLineOut]
    subtotal: Money
    vat: VatOut
    total: Money
    ocw_top_up: Money
    budget: BudgetsOut


class OrderQuoteOut(Out):
    lines: list[QuoteLineOut]
    subtotal: Money
    vat: VatOut
    total: Money
    ocw_top_up: Money


class OrderOut(Out):
    id: Id
    school: Id
    programme: str
    kind: str
    status: str
    with_contribution: int
    without_contribution: int
    teachers: int
    dossier_interest: bool
    reference: str
    duo_count: int
    submitted_at: DateTime | None
    objection_deadline: DateTime | None
    decided_at: DateTime | None
    rejection_reason: str
    quote: OrderQuoteOut
    budget: BudgetsOut
    invoice: Id | None


class InvoiceLineOut(Out):
    code: str
    description: str
    quantity: int
    unit_price: Money
    amount: Money


class InvoiceOut(Out):
    id: Id
    number: str
    kind: str
    school: Id
    programme: str
    order: Id | None
    recipient: str
    reference: str
    date: Date
    due_date: Date
    lines: list[InvoiceLineOut]
    subtotal: Money
    vat: VatOut
    total: Money
    ocw_top_up: Money
    amount_paid: Money
    outstanding: Money
    credit: Money
    status: str
    credit_for: Id | None


class OrderApproved(Out):
    id: Id
    status: str
    invoice: InvoiceOut


class OrderRejected(Out):
    id: Id
    status: str
    reason: str


class PaymentOut(Out):
    id: Id
    amount: Money
    paid_on: Date
    invoice: InvoiceOut


class ContributionOut(Out):
    id: Id
    funder: str
    amount: Money
    invoice: InvoiceOut


class BucketsOut(Out):
    school: Money
    ocw: Money
    third_party: Money


class CollectiveOut(Out):
    available: Money
    buckets: BucketsOut


class IndividualOut(Out):
    available: Money
    assigned: Money


class ThirdPartyBudgetOut(Out):
    released: bool
    spendable_from: Date | None


class BudgetOut(Out):
    programme: str
    collective: CollectiveOut
    individual: IndividualOut
    spendable_from: Date | None
    spendable_until: Date
    released: bool
    third_party: ThirdPartyBudgetOut
    held_for_refund: Money


class LedgerLineOut(Out):
    id: Id
    entry: Id
    at: DateTime
    kind: str
    bucket: str
    description: str
    amount: Money
    balance: Money


# --- jobs ----------------------------------------------------------------------------------------


class JobResult(BaseModel):
    """What the job reports: counts by name, its keys depend on the job (see core.jobs).
    A plain pydantic model: django-ninja's `Schema` would drop the undeclared keys."""

    model_config = ConfigDict(extra="allow")


# --- providers ----------------------------------------------------------------------------------


class ProviderContactOut(Out):
    name: str
    email: str
    phone: str


class ProviderCriteriaOut(Out):
    cultural_educational: bool
    professional: bool
    suitable_for: list[str]
    employed_by_school: bool
    components: list[str]


class ProviderOut(Out):
    id: Id
    name: str
    kind: str
    status: str
    sector: str
    activity_type: str
    address: str
    contact: ProviderContactOut
    coordinator: ProviderContactOut
    iban: str
    bic: str
    criteria: ProviderCriteriaOut | None
    accepts_individual_budget: bool
    created_at: DateTime
    decided_at: DateTime | None
    rejection_reason: str
    iban_changed_at: DateTime | None
    iban_hold_until: DateTime | None
    payout_hold: bool
    revocation: ProviderRevocationOut | None


class ProviderRevocationOut(Out):
    reason: str
    announced_at: DateTime | None
    effective_on: Date | None
    respond_until: Date | None
    response: str
    responded_at: DateTime | None
    revoked_at: DateTime | None


ProviderOut.model_rebuild()


class ProviderApplied(Out):
    id: Id
    status: str


class ProviderDecided(Out):
    id: Id
    status: str


class ProviderRejected(Out):
    id: Id
    status: str
    reason: str


class ProviderRevocationAnnounced(Out):
    id: Id
    status: str
    effective_on: Date | None


# --- web orders (API.md "Providers, web orders, payouts") -----------------------------------


class SplitOut(Out):
    school: Money
    ocw: Money
    third_party: Money


class WebOrderOut(Out):
    id: Id
    status: str
    provider: Id
    provider_name: str
    school: Id
    school_number: str
    school_name: str
    programme: str | None
    amount: Money
    students: int
    activity_at: DateTime
    description: str
    request_id: str | None
    likely_duplicate: bool
    created_at: DateTime
    decided_at: DateTime | None
    rejection_reason: str
    checked_at: DateTime | None
    check_reason: str
    split: SplitOut | None


class WebOrderCreated(WebOrderOut):
    pass


class WebOrderApproved(Out):
    id: Id
    status: str
    split: SplitOut


class WebOrderStatusOut(Out):
    id: Id
    status: str


# --- payouts (issue 9 point 5) -----------------------------------------------------------


class PayoutItemOut(Out):
    provider: Id
    weborders: list[Id]
    vouchers: list[Id] = []
    gross: Money
    fee: Money
    net: Money


class PayoutHeldOut(Out):
    provider: Id
    name: str
    reason: str  # "iban-hold" | "no-iban"
    until: DateTime | None


class PayoutBatchOut(Out):
    id: Id
    created_at: DateTime
    until: DateTime
    items: list[PayoutItemOut]
    held: list[PayoutHeldOut]
    total_gross: Money
    total_fee: Money
    total_net: Money


# --- individual budget and vouchers --------------------------------------------------------------


class AssignmentsOut(Out):
    assigned: int
    amount_each: Money


class VoucherClaimed(Out):
    code: str
    amount: Money
    expires_on: Date


class VoucherRedeemed(Out):
    amount: Money


# --- marketplace (issue 11: taxonomies, offers, moderation) -------------------------------


class TermOut(Out):
    code: str
    label: str


class LevelOut(Out):
    code: str
    label: str
    kind: str
    parent: str | None


class TaxonomiesOut(Out):
    disciplines: list[TermOut]
    formats: list[TermOut]
    themes: list[TermOut]
    levels: list[LevelOut]
    provinces: list[TermOut]
    access: list[TermOut]


class VenueOut(Out):
    name: str
    address: str
    postcode: str
    city: str
    latitude: str | None
    longitude: str | None


class OfferSessionOut(Out):
    starts_at: DateTime
    ends_at: DateTime
    capacity: int
    book_by: DateTime


class OfferImageOut(Out):
    id: Id
    url: str
    small_url: str
    alt: str
    credit: str
    width: int
    height: int


class OfferOut(Out):
    id: Id
    status: str
    provider: Id
    provider_name: str
    title: str
    description: str
    disciplines: list[str]
    format: str
    levels: list[str]
    themes: list[str]
    location_mode: str
    venue: VenueOut | None
    provinces: list[str]
    national: bool
    duration_minutes: int
    price_model: str
    price: Money
    group_size: int | None
    min_students: int | None
    max_students: int | None
    cjp_discount: str
    access: list[str]
    sessions: list[OfferSessionOut]
    on_request: bool
    images: list[OfferImageOut]
    rejection_reason: str
    hidden_reason: str
    created_at: DateTime
    updated_at: DateTime
    published_at: DateTime | None


class OfferCreated(Out):
    id: Id
    status: str


class OfferStatusOut(Out):
    id: Id
    status: str


class ProviderTrustOut(Out):
    id: Id
    trusted: bool


class TermAdminOut(Out):
    vocabulary: str
    code: str
    label_nl: str
    label_en: str
    active: bool
    position: int
    kind: str
    parent: str | None
    used: bool


# --- marketplace requests and proposals (issue 11 points 6, 7, 9) ------------------------------


class RequestCreated(Out):
    id: Id
    status: str


class RequestMessageOut(Out):
    id: Id
    side: str  # "school" | "provider"
    text: str
    created_at: DateTime


class ProposalOut(Out):
    id: Id
    version: int
    status: str  # "open" | "superseded" | "accepted"
    starts_at: DateTime
    students: int
    amount: Money
    description: str
    created_at: DateTime
    accepted_at: DateTime | None


class RequestHistoryOut(Out):
    at: DateTime
    action: str


class RequestSummaryOut(Out):
    id: Id
    status: str
    offer: Id
    offer_title: str
    school: Id
    school_name: str
    provider: Id
    provider_name: str
    students: int
    created_at: DateTime
    updated_at: DateTime
    unread: int


class RequestOut(RequestSummaryOut):
    preferred_dates: list[Date]
    period: dict[str, Date | None] | None
    teachers: int | None
    level: str | None
    access_needs: str
    message: str
    messages: list[RequestMessageOut]
    proposals: list[ProposalOut]
    weborder: Id | None
    weborder_status: str | None
    weborder_ended_reason: str
    closed_reason: str
    history: list[RequestHistoryOut]


class RequestStatusOut(Out):
    id: Id
    status: str


class ProposalCreated(Out):
    id: Id
    version: int


class MessageCreated(Out):
    id: Id
    request_status: str


# --- marketplace search, suggestions, providers (issue 11 points 4–5) ------------------------


class OfferHitOut(OfferOut):
    """An offer in a search result: `provider` (id), its distance from the `school` (km,
    great circle, null without a school or a known venue) and whether it can be booked now
    (on request, or a session whose booking deadline is ahead)."""

    distance_km: float | None
    bookable: bool


class SupportPointOut(Out):
    province: str
    name: str
    url: str


class SuggestionsOut(Out):
    comes_to_school: list[OfferHitOut]
    nearby: list[OfferHitOut]
    new_offers: list[OfferHitOut]
    new_providers: list[OfferHitOut]
    support_point: SupportPointOut | None


class PublicProviderOut(Out):
    id: Id
    name: str
    city: str
    disciplines: list[str]
