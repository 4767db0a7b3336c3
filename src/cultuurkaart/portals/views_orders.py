"""Web pages for budget orders, budget, transactions and invoices (school and backoffice).
Thin: every write goes through orders.services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from cultuurkaart.core import clock, wording
from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.fields import MoneyFormField, SaneDateFormField
from cultuurkaart.ledger import queries as ledger_queries
from cultuurkaart.orders import queries, services
from cultuurkaart.orders.constants import InvoiceStatus, OrderKind, OrderStatus
from cultuurkaart.orders.models import BudgetOrder, Invoice
from cultuurkaart.orders.pdf import format_iban, payee
from cultuurkaart.rosters import queries as roster_queries
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.models import School
from cultuurkaart.vouchers import services as vouchers_services

from .access import backoffice_page, may, school_page
from .forms import RejectForm, add_service_errors


class OrderForm(forms.Form):
    with_contribution = forms.IntegerField(
        label=_l("Aantal studenten mét bijdrage school"),
        min_value=0,
        help_text=_l(
            "Voor deze studenten betaalt de school de bijdrage; zij vormen samen met "
            "de OCW-bijdrage het collectieve budget."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-ck": "with"}),
    )
    without_contribution = forms.IntegerField(
        label=_l("Aantal studenten zónder bijdrage school"),
        min_value=0,
        help_text=_l(
            "Voor deze studenten betaalt de school alleen administratiekosten; zij "
            "krijgen een individueel budget."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-ck": "without"}),
    )
    teachers = forms.IntegerField(
        label=_l("Aantal lidmaatschappen docenten en medewerkers"),
        min_value=0,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-ck": "teachers"}),
    )
    dossier_interest = forms.BooleanField(
        label=_l(
            "Wij hebben interesse in het Cultuurkaart-dossier (€ 2,00 per student per "
            "jaar, wordt apart geregeld)"
        ),
        required=False,
    )
    reference = forms.CharField(
        label=_l("Uw bestel- of referentienummer (optioneel)"),
        max_length=60,
        required=False,
        help_text=_l("Dit nummer zetten wij op de factuur."),
    )

    def __init__(self, *args, school_kind: str = SchoolKind.VO, **kwargs):
        super().__init__(*args, **kwargs)
        words = {"learners": wording.learners(school_kind)}
        self.fields["with_contribution"].label = (
            _("Aantal %(learners)s mét bijdrage school") % words
        )
        self.fields["with_contribution"].help_text = (
            _(
                "Voor deze %(learners)s betaalt de school de bijdrage; zij vormen samen met "
                "de OCW-bijdrage het collectieve budget."
            )
            % words
        )
        self.fields["without_contribution"].label = (
            _("Aantal %(learners)s zónder bijdrage school") % words
        )
        self.fields["without_contribution"].help_text = (
            _(
                "Voor deze %(learners)s betaalt de school alleen administratiekosten; zij "
                "krijgen een individueel budget."
            )
            % words
        )
        self.fields["dossier_interest"].label = _(
            "Wij hebben interesse in het Cultuurkaart-dossier (€ 2,00 per %(learner)s "
            "per jaar, wordt apart geregeld)"
        ) % {"learner": wording.learners(school_kind, plural=False)}
        if school_kind != SchoolKind.VO:
            del self.fields["teachers"]
            del self.fields["dossier_interest"]

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["teachers"] = d.get("teachers") or 0
        return d


def _programme_or_404(school: School, code: str | None):
    programme = queries.current_programme(school, code)
    if programme is None:
        raise Http404
    return programme


def _rates(programme, kind: str, first_submitted_at=None) -> dict:
    free = services.free_teachers_apply(programme, kind, first_submitted_at or clock.now())
    return {
        "school": str(programme.rate_school),
        "admin": str(programme.rate_admin_fee),
        "teacher": str(programme.rate_teacher_fee),
        "ocw": str(programme.rate_ocw),
        "free": programme.teacher_free_count if free else 0,
        "vat": str(services.vat_rate()),
    }


def _tabs_context(request, school: School, programme) -> dict:
    return {
        "school": school,
        "programme": programme,
        "show_invoices": may(request, "orders.view_invoices", school.pk),
    }


# --- school: products (001 §2.1.2) ---------------------------------------------------


@school_page("orders.submit")
def products(request, school):
    """Menu Producten: per programme the Cultuurkaart-budget (the first order) and
    Bijbestellen (after it), with the rates and whether ordering is open today."""
    today = clock.today()
    last = roster_queries.last_full_upload_at(school, "students")
    uploaded_on = last.astimezone(clock.AMSTERDAM).date() if last else None
    rows = []
    for programme in sorted(school.programmes.all(), key=lambda p: p.spend_from, reverse=True):
        rows.append(
            {
                "programme": programme,
                "ordering_open": programme.is_ordering_open(today),
                "ordered": queries.has_live_initial(school, programme),
                "roster_too_old": uploaded_on is None or uploaded_on < programme.roster_after,
            }
        )
    return render(
        request,
        "portals/school/orders/products.html",
        {
            "school": school,
            "rows": rows,
            "is_vo": school.kind == SchoolKind.VO,
            "roster_empty": roster_queries.roster_size(school, "students") == 0,
            "last_upload": last,
        },
    )


# --- school: orders -----------------------------------------------------------------


@school_page("orders.view")
def orders(request, school):
    programme = _programme_or_404(school, request.GET.get("programme"))
    rows = queries.order_overview(school, programme)
    order_list = (
        BudgetOrder.objects.filter(school=school, programme=programme)
        .select_related("programme", "invoice")
        .order_by("-submitted_at", "-id")
    )
    return render(
        request,
        "portals/school/orders/list.html",
        {
            **_tabs_context(request, school, programme),
            "orders": order_list,
            "overview": rows,
            "has_initial": queries.has_live_initial(school, programme),
            "ordering_open": programme.is_ordering_open(clock.today()),
            "can_order": may(request, "orders.submit", school.pk),
            "now": clock.now(),
        },
    )


def _order_form_page(request, school, programme, kind, *, order: BudgetOrder | None = None):
    """Form → check step → confirm. Shared by new orders and changes."""
    initial = (
        {
            "with_contribution": order.with_contribution,
            "without_contribution": order.without_contribution,
            "teachers": order.teachers,
            "dossier_interest": order.dossier_interest,
            "reference": order.reference,
        }
        if order
        else {"with_contribution": school.duo_count, "without_contribution": 0, "teachers": 0}
    )
    data = request.POST if request.method == "POST" else None
    form = OrderForm(data, initial=initial, school_kind=school.kind)
    step = "form"
    quote = None
    if request.method == "POST" and form.is_valid():
        payload = {**form.service_data(), "programme": programme.code, "kind": kind}
        try:
            if request.POST.get("action") == "confirm":
                if order is None:
                    created = services.submit_order(school, payload, actor=request.user)
                    messages.success(
                        request,
                        _("Uw bestelling is ontvangen. U krijgt een bevestiging per e-mail."),
                    )
                    return redirect(
                        "portals:school_orders_detail", school_id=school.pk, pk=created.pk
                    )
                services.change_order(order, payload, actor=request.user)
                messages.success(request, _("De bestelling is gewijzigd."))
                return redirect("portals:school_orders_detail", school_id=school.pk, pk=order.pk)
            if request.POST.get("action") == "check":
                if order is None:
                    services.check_order(school, programme, kind, payload)
                else:
                    services.check_order(school, programme, kind, payload, exclude=order.pk)
                quote = services.make_quote(
                    programme,
                    kind=kind,
                    with_contribution=payload["with_contribution"],
                    without_contribution=payload["without_contribution"],
                    teachers=payload["teachers"],
                    dossier=bool(payload.get("dossier_interest")),
                    first_submitted_at=services.first_initial_submission(
                        school, programme, order.submitted_at if order else clock.now()
                    ),
                )
                step = "check"
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "portals/school/orders/form.html",
        {
            **_tabs_context(request, school, programme),
            "form": form,
            "kind": kind,
            "order": order,
            "step": step,
            "quote": quote,
            "rates": _rates(
                programme,
                kind,
                services.first_initial_submission(
                    school, programme, order.submitted_at if order else clock.now()
                ),
            ),
            "duo_count": school.duo_count,
            "is_vo": school.kind == SchoolKind.VO,
        },
    )


@school_page("orders.submit")
def order_new(request, school):
    programme = _programme_or_404(
        school, request.GET.get("programme") or request.POST.get("programme")
    )
    kind = request.GET.get("kind") or request.POST.get("kind") or OrderKind.INITIAL
    if kind not in OrderKind.values:
        raise Http404
    return _order_form_page(request, school, programme, kind)


def _school_order(school, pk) -> BudgetOrder:
    return get_object_or_404(
        BudgetOrder.objects.select_related("programme", "school"), pk=pk, school=school
    )


@school_page("orders.view")
def order_detail(request, school, pk):
    order = _school_order(school, pk)
    return render(
        request,
        "portals/school/orders/detail.html",
        {
            **_tabs_context(request, school, order.programme),
            "order": order,
            "quote": services.order_quote(order),
            "invoice": Invoice.objects.filter(order=order).first(),
            "can_change": order.status == OrderStatus.SUBMITTED
            and order.in_objection_period()
            and may(request, "orders.change", school.pk),
        },
    )


@school_page("orders.change")
def order_change(request, school, pk):
    order = _school_order(school, pk)
    if order.status != OrderStatus.SUBMITTED or not order.in_objection_period():
        messages.error(
            request,
            _("De bezwaartermijn is voorbij; de bestelling kan niet meer worden gewijzigd."),
        )
        return redirect("portals:school_orders_detail", school_id=school.pk, pk=order.pk)
    return _order_form_page(request, school, order.programme, order.kind, order=order)


@school_page("orders.change")
def order_cancel(request, school, pk):
    order = _school_order(school, pk)
    if request.method == "POST":
        try:
            services.cancel_order(order, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De bestelling is geannuleerd."))
        return redirect("portals:school_orders_detail", school_id=school.pk, pk=order.pk)
    return render(
        request,
        "portals/school/orders/cancel.html",
        {**_tabs_context(request, school, order.programme), "order": order},
    )


# --- school: budget, transactions, invoices -----------------------------------------


@school_page("ledger.view")
def budget(request, school):
    programme = _programme_or_404(school, request.GET.get("programme"))
    summary = queries.budget_summary(school, programme)
    return render(
        request,
        "portals/school/orders/budget.html",
        {
            **_tabs_context(request, school, programme),
            "summary": summary,
            "individual": vouchers_services.pool_summary(school, programme),
            "can_assign": may(request, "vouchers.assign", school.pk),
            "today": clock.today(),
            "programmes": school.programmes.all(),
        },
    )


@school_page("ledger.view")
def transactions(request, school):
    programme = _programme_or_404(school, request.GET.get("programme"))
    lines = ledger_queries.collective_lines(school, programme)
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/school/orders/transactions.html",
        {**_tabs_context(request, school, programme), "page": page},
    )


@school_page("orders.view_invoices")
def invoices(request, school):
    invoice_list = (
        Invoice.objects.filter(school=school)
        .select_related("programme")
        .order_by("-issued_at", "-id")
    )
    page = Paginator(invoice_list, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/school/orders/invoices.html",
        {
            **_tabs_context(request, school, queries.current_programme(school)),
            "page": page,
            "today": clock.today(),
            "payee": payee(),
            "payee_iban": format_iban(payee()["iban"]),
        },
    )


def _pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="factuur-{invoice.number}.pdf"'
    return response


@school_page("orders.view_invoices")
def invoice_pdf(request, school, pk):
    return _pdf_response(get_object_or_404(Invoice, pk=pk, school=school))


# --- backoffice -----------------------------------------------------------------------


@backoffice_page("orders.review")
def bo_orders(request):
    status = request.GET.get("status", "awaiting")
    qs = BudgetOrder.objects.select_related("school", "programme").order_by(
        "objection_deadline", "id"
    )
    if status == "awaiting":
        qs = qs.awaiting_decision()
    elif status == "running":
        qs = qs.filter(status=OrderStatus.SUBMITTED, objection_deadline__gte=clock.now())
    elif status in OrderStatus.values:
        qs = qs.filter(status=status).order_by("-submitted_at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    filters = [
        ("awaiting", _("Te beoordelen")),
        ("running", _("Bezwaartermijn loopt")),
        (OrderStatus.APPROVED, _("Goedgekeurd")),
        (OrderStatus.REJECTED, _("Afgewezen")),
        (OrderStatus.CANCELLED, _("Geannuleerd")),
        (OrderStatus.CANCELLED_UNPAID, _("Vervallen wegens niet betalen")),
    ]
    return render(
        request,
        "portals/backoffice/orders/list.html",
        {"page": page, "status": status, "filters": filters},
    )


@backoffice_page("orders.review")
def bo_order(request, pk):
    order = get_object_or_404(BudgetOrder.objects.select_related("school", "programme"), pk=pk)
    return render(
        request,
        "portals/backoffice/orders/detail.html",
        {
            "order": order,
            "quote": services.order_quote(order),
            "invoice": Invoice.objects.filter(order=order).first(),
            "reject_form": RejectForm(),
            "decidable": order.status in (OrderStatus.SUBMITTED, OrderStatus.AWAITING_DECISION)
            and not order.in_objection_period(),
            "ocw_allocated": services.ocw_allocated(order.programme),
        },
    )


@backoffice_page("orders.review")
@require_POST
def bo_order_approve(request, pk):
    order = get_object_or_404(BudgetOrder, pk=pk)
    try:
        invoice = services.approve_order(order, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portals:backoffice_orders_detail", pk=pk)
    messages.success(
        request, _("Goedgekeurd; factuur %(number)s is verstuurd.") % {"number": invoice.number}
    )
    return redirect("portals:backoffice_orders_detail", pk=pk)


@backoffice_page("orders.review")
@require_POST
def bo_order_reject(request, pk):
    order = get_object_or_404(BudgetOrder, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_order(order, form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De bestelling is afgewezen; de school is gemaild."))
    else:
        messages.error(request, _("Vul een reden in."))
    return redirect("portals:backoffice_orders_detail", pk=pk)


class PaymentForm(forms.Form):
    amount = MoneyFormField(label=_l("Bedrag (€)"))
    paid_on = SaneDateFormField(label=_l("Betaald op"))


class CreditNoteForm(forms.Form):
    reason = forms.CharField(
        label=_l("Reden van de creditering"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_l(
            "Staat op de creditnota. Een bestelling met deze factuur wordt beëindigd; de "
            "school kan daarna opnieuw bestellen."
        ),
    )


class ThirdPartyForm(forms.Form):
    school_number = forms.CharField(label=_l("CJP-schoolnummer"), max_length=10)
    programme = forms.CharField(label=_l("Programma (code)"), max_length=40)
    funder = forms.CharField(
        label=_l("Naam van de derde (gemeente, provincie of fonds)"), max_length=200
    )
    funder_email = forms.EmailField(label=_l("E-mailadres voor de factuur"), required=False)
    funder_address = forms.CharField(
        label=_l("Factuuradres"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    amount = MoneyFormField(label=_l("Bedrag (€)"))


@backoffice_page("orders.manage_invoices")
def bo_invoices(request):
    status = request.GET.get("status", "open")
    qs = Invoice.objects.select_related("school", "programme").order_by("-issued_at", "-id")
    if status == "overdue":
        qs = qs.filter(status=InvoiceStatus.OPEN, due_on__lt=clock.today())
    elif status in InvoiceStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    form = ThirdPartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = School.objects.filter(school_number=form.cleaned_data["school_number"]).first()
        if school is None:
            form.add_error("school_number", _("Onbekend CJP-schoolnummer."))
        else:
            data = {**form.cleaned_data, "amount": str(form.cleaned_data["amount"])}
            try:
                contribution = services.create_third_party_contribution(
                    school, data, actor=request.user
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            else:
                messages.success(
                    request,
                    _("Factuur %(number)s aan de derde is aangemaakt.")
                    % {"number": contribution.invoice.number},
                )
                return redirect("portals:backoffice_invoices_detail", pk=contribution.invoice.pk)
    filters = [
        ("open", _("Open")),
        ("overdue", _("Te laat")),
        ("paid", _("Betaald")),
        ("cancelled", _("Gecrediteerd")),
    ]
    return render(
        request,
        "portals/backoffice/orders/invoices.html",
        {"page": page, "status": status, "filters": filters, "form": form, "today": clock.today()},
    )


@backoffice_page("orders.manage_invoices")
def bo_invoice(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("school", "programme"), pk=pk)
    form = PaymentForm(
        request.POST or None, initial={"amount": invoice.outstanding, "paid_on": clock.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.register_payment(
                invoice,
                str(form.cleaned_data["amount"]),
                form.cleaned_data["paid_on"],
                actor=request.user,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("De betaling is geregistreerd."))
            return redirect("portals:backoffice_invoices_detail", pk=pk)
    return render(
        request,
        "portals/backoffice/orders/invoice.html",
        {
            "invoice": invoice,
            "form": form,
            "payments": invoice.payments.all(),
            "today": clock.today(),
            "credit_form": CreditNoteForm(),
        },
    )


@backoffice_page("orders.manage_invoices")
@require_POST
def bo_invoice_credit(request, pk):
    """Credit an open, unpaid invoice in full (SPEC §5, decision M8-3): the credit note is
    e-mailed and a budget order on it ends as `credited`."""
    invoice = get_object_or_404(Invoice, pk=pk)
    form = CreditNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vul een reden in."))
        return redirect("portals:backoffice_invoices_detail", pk=pk)
    try:
        note = services.issue_credit_note(
            invoice, reason=form.cleaned_data["reason"], actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portals:backoffice_invoices_detail", pk=pk)
    messages.success(
        request,
        _("Creditnota %(number)s is gemaakt en verstuurd.") % {"number": note.number},
    )
    return redirect("portals:backoffice_invoices_detail", pk=note.pk)


@backoffice_page("orders.manage_invoices")
def bo_invoice_pdf(request, pk):
    return _pdf_response(get_object_or_404(Invoice, pk=pk))
