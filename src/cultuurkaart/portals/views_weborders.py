"""Web-order pages (SPEC §8): the school's list with approve/reject (one or several, with a
confirmation step), the provider's create/list/withdraw under /aanbieder/weborders/, and the
back office's check worklist. Thin: read, check the permission table, call services."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cultuurkaart.core import clock, permissions
from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.fields import MoneyFormField, SaneDateFormField
from cultuurkaart.core.idempotency import run_once
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.money import MoneyError, parse_money
from cultuurkaart.core.permissions import Outcome
from cultuurkaart.core.replica import reads_from_replica
from cultuurkaart.payouts import services as payouts
from cultuurkaart.payouts.models import Correction
from cultuurkaart.providers.models import Provider
from cultuurkaart.weborders import queries, services
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.models import WebOrder

from .access import backoffice_page, check, may, school_page
from .forms import add_service_errors
from .menu import dossier_on

PAGE_SIZE = 50
MAX_SELECTED = 200


def _ids(values) -> list[int]:
    found = []
    for value in values:
        pk = parse_id(value)
        if pk is not None and pk not in found:
            found.append(pk)
    return found[:MAX_SELECTED]


# --- school ---------------------------------------------------------------------------

SCHOOL_FILTERS = [
    ("pending", _lazy("Wacht op goedkeuring")),
    ("approved", _lazy("Goedgekeurd")),
    ("all", _lazy("Alle")),
]


@school_page("weborders.view")
def school_list(request, school):
    status = request.GET.get("status") or "pending"
    if status not in dict(SCHOOL_FILTERS):
        status = "pending"
    qs = queries.for_school(school)
    if status == "approved":
        qs = qs.filter(
            status__in=[WebOrderStatus.APPROVED, WebOrderStatus.CHECKED, WebOrderStatus.PAID_OUT]
        )
    elif status == "pending":
        qs = qs.filter(status=WebOrderStatus.PENDING)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/weborders/school_list.html",
        {
            "school": school,
            "page": page,
            "status": status,
            "filters": SCHOOL_FILTERS,
            "can_decide": may(request, "weborders.decide", school.pk),
            "can_export": may(request, "weborders.export", school.pk),
            # the dossier's participants of a paid activity (dossier_transfer, issue 12 point 7)
            "dossier_participants": may(request, "dossier_transfer.select_participants", school.pk)
            and dossier_on(school),  # the menu's answer, asked once per page
        },
    )


class RejectReasonForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Reden van afwijzing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_lazy("Deze reden wordt naar de aanbieder gemaild."),
    )


@school_page("weborders.decide")
def school_decide(request, school):
    """Approve or reject the selected web orders. GET: the confirmation step (the rows, the
    total, a reason for a rejection); POST with `confirm`: do it. A single approval from the
    list posts `confirm` at once (one action)."""
    data = request.POST if request.method == "POST" else request.GET
    decision = data.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Kies goedkeuren of afwijzen."))
        return redirect("portals:school_weborders", school_id=school.pk)
    selected = list(
        queries.for_school(school)
        .filter(pk__in=_ids(data.getlist("ids")), status=WebOrderStatus.PENDING)
        .order_by("created_at", "id")  # oldest first: decided in the order they came in
    )
    if not selected:
        messages.error(
            request, _("Selecteer een of meer webbestellingen die wachten op goedkeuring.")
        )
        return redirect("portals:school_weborders", school_id=school.pk)
    form = RejectReasonForm(request.POST if decision == "reject" and "confirm" in data else None)
    if request.method == "POST" and "confirm" in data:
        if decision == "reject" and not form.is_valid():
            pass  # shown again with the error
        else:
            result = services.decide_many(
                selected,
                approve=decision == "approve",
                reason=form.cleaned_data["reason"] if decision == "reject" else "",
                actor=request.user,
            )
            if result["done"]:
                text = (
                    _("%(n)s webbestelling(en) goedgekeurd.")
                    if decision == "approve"
                    else _("%(n)s webbestelling(en) afgewezen.")
                )
                messages.success(request, text % {"n": len(result["done"])})
            for pk, message in result["failed"]:
                messages.error(
                    request, _("Webbestelling %(id)s: %(message)s") % {"id": pk, "message": message}
                )
            return redirect("portals:school_weborders", school_id=school.pk)
    return render(
        request,
        "portals/weborders/school_decide.html",
        {
            "school": school,
            "selected": selected,
            "decision": decision,
            "total": sum((w.amount for w in selected), start=0),
            "form": form,
        },
    )


@school_page("weborders.export")
@reads_from_replica  # inside the permission check: that reads the primary
def school_export(request, school):
    from cultuurkaart.api.weborders import export_response

    return export_response(school)


# --- provider -------------------------------------------------------------------------


def _own_providers(request, action: str) -> list[Provider]:
    """The providers the signed-in person may do `action` for; 403 when none."""
    permissions.record(request, action)
    ids = [
        pk
        for pk in sorted(request.user.provider_ids())
        if permissions.decide(request.user, action, provider_id=pk) is Outcome.ALLOWED
    ]
    if not ids:
        raise PermissionDenied
    return list(Provider.objects.filter(pk__in=ids).order_by("name", "pk"))


def provider_weborder_page(action: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return view(request, _own_providers(request, action), *args, **kwargs)

        return wrapper

    return decorator


@provider_weborder_page("weborders.view_own")
def provider_list(request, providers):
    qs = queries.with_duplicate_flag(
        WebOrder.objects.filter(provider__in=providers).select_related("school", "provider")
    ).order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "portals/weborders/provider_list.html", {"page": page, "providers": providers}
    )


class WebOrderForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), label=_lazy("Aanbieder"))
    school_number = forms.CharField(
        label=_lazy("CJP-schoolnummer"),
        max_length=20,
        help_text=_lazy("Het nummer dat de school u gaf toen u de activiteit afsprak."),
    )
    amount = MoneyFormField(label=_lazy("Bedrag (euro)"))
    students = forms.IntegerField(label=_lazy("Aantal leerlingen"), min_value=1, max_value=100_000)
    activity_on = SaneDateFormField(label=_lazy("Datum van de activiteit"))
    activity_time = forms.TimeField(
        label=_lazy("Tijd van de activiteit"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    description = forms.CharField(
        label=_lazy("Omschrijving"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    request_id = forms.CharField(
        label=_lazy("Aanvraagnummer (optioneel)"), max_length=100, required=False
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(pk__in=[p.pk for p in providers])
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].pk
            self.fields["provider"].widget = forms.HiddenInput()


@provider_weborder_page("weborders.create")
def provider_new(request, providers):
    """Form → check step (with the duplicate warning) → create."""
    form = WebOrderForm(request.POST or None, providers=providers)
    duplicate = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity_at = dt.datetime.combine(
            data["activity_on"], data["activity_time"], tzinfo=clock.AMSTERDAM
        )
        duplicate = queries.is_likely_duplicate(
            provider_id=data["provider"].pk,
            school_id=services.school_id_for_number(data["school_number"]),
            amount=data["amount"],
            activity_on=data["activity_on"],
        )
        if "confirm" in request.POST:
            payload = {
                "provider": data["provider"].pk,
                "school_number": data["school_number"],
                "amount": data["amount"],
                "students": data["students"],
                "activity_at": activity_at,
                "description": data["description"],
                "request_id": data["request_id"],
            }

            def compute():
                weborder = services.create_weborder(
                    data["provider"],
                    {k: v for k, v in payload.items() if k != "provider"},
                    actor=request.user,
                )
                return 201, {"id": weborder.pk}

            try:
                # The confirmation form's token is this click's idempotency key: a double
                # click or a resubmitted page maps to the first web order (core.idempotency).
                _status, answer = run_once(
                    user=request.user,
                    scope=f"weborder-create-page:{data['provider'].pk}",
                    key=request.POST.get("client_token", ""),
                    payload=payload,
                    compute=compute,
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            except DomainError as exc:
                if exc.errors:
                    add_service_errors(form, exc.errors)
                else:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Webbestelling %(id)s is naar de school gestuurd.") % {"id": answer["id"]},
                )
                return redirect("portals:provider_weborders")
        elif services.school_id_for_number(data["school_number"]) is None:
            form.add_error("school_number", _("Er is geen school met dit CJP-schoolnummer."))
        else:
            return render(
                request,
                "portals/weborders/provider_confirm.html",
                {
                    "form": form,
                    "data": data,
                    "activity_at": activity_at,
                    "school_name": services.school_name_for_number(data["school_number"]),
                    "duplicate": duplicate,
                    "client_token": secrets.token_urlsafe(16),
                },
            )
    return render(request, "portals/weborders/provider_new.html", {"form": form})


@login_required
def provider_withdraw(request, pk: int):
    weborder = WebOrder.objects.select_related("school", "provider").filter(pk=pk).first()
    if weborder is None:
        permissions.record(request, "weborders.withdraw")
        raise Http404
    permissions.record(request, "weborders.withdraw")
    outcome = permissions.decide(
        request.user, "weborders.withdraw", provider_id=weborder.provider_id
    )
    if outcome is Outcome.NOT_FOUND:
        raise Http404
    if outcome is Outcome.FORBIDDEN:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.withdraw_weborder(weborder, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("De webbestelling is ingetrokken."))
        return redirect("portals:provider_weborders")
    return render(request, "portals/weborders/provider_withdraw.html", {"weborder": weborder})


# --- back office ----------------------------------------------------------------------


def _worklist_filters(params) -> tuple[dict, dict]:
    raw = {k: (params.get(k) or "").strip() for k in ("provider", "school", "min", "max", "age")}
    kwargs: dict = {}
    if raw["provider"]:
        kwargs["provider"] = parse_id(raw["provider"]) or -1
    if raw["school"]:
        kwargs["school"] = parse_id(raw["school"]) or -1
    for key, name in (("min", "min_amount"), ("max", "max_amount")):
        if raw[key]:
            try:
                kwargs[name] = parse_money(raw[key].replace(",", "."))
            except MoneyError:
                raw[key] = ""
    if raw["age"]:
        days = parse_id(raw["age"], max_digits=4)
        kwargs["older_than_days"] = days or None
    return raw, kwargs


@backoffice_page("weborders.check")
def backoffice_list(request):
    raw, kwargs = _worklist_filters(request.GET)
    qs = queries.check_worklist(**kwargs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in raw.items() if v})
    return render(
        request,
        "portals/weborders/backoffice_list.html",
        {
            "page": page,
            "filters": raw,
            "query": query,
            # A semi-join on the ids (not DISTINCT over every provider column of the join).
            "providers": Provider.objects.filter(
                pk__in=WebOrder.objects.filter(status=WebOrderStatus.APPROVED).values("provider_id")
            )
            .only("id", "name")
            .order_by("name"),
            "now": clock.now(),
        },
    )


class CheckForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Reden (verplicht bij ongeldig, terugdraaien of corrigeren)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@backoffice_page("weborders.check")
def backoffice_detail(request, pk: int):
    weborder = (
        queries.with_duplicate_flag(
            WebOrder.objects.select_related("school", "provider", "programme", "entry")
        )
        .filter(pk=pk)
        .first()
    )
    if weborder is None:
        raise Http404
    form = CheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        reason = form.cleaned_data["reason"]
        try:
            if action in ("valid", "invalid"):
                services.check_weborder(
                    weborder, valid=action == "valid", reason=reason, actor=request.user
                )
            elif action == "reverse":
                check(request, "weborders.reverse")
                services.reverse_weborder(weborder, reason=reason, actor=request.user)
            elif action == "correct":
                check(request, "payouts.correct")
                payouts.correct_paid_weborder(weborder, reason=reason, actor=request.user)
            else:
                raise ValidationFailed(_("Kies een actie."))
        except ValidationFailed as exc:
            form.add_error("reason", exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portals:backoffice_weborders_detail", pk=weborder.pk)
        else:
            messages.success(request, _("Webbestelling %(id)s is bijgewerkt.") % {"id": pk})
            return redirect("portals:backoffice_weborders")
    correction = Correction.objects.filter(weborder=weborder).first()
    return render(
        request,
        "portals/weborders/backoffice_detail.html",
        {"weborder": weborder, "form": form, "correction": correction},
    )
