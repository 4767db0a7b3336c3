"""Marketplace request pages (SPEC §10; docs/marketplace.md "Requests"): the school sends a
request from an offer, follows its requests (thread, proposals, accept/decline, the chain
offer → request → proposals → web order → approval → check → payout); the provider answers
(thread, proposal, decline, the web order in one action). Thin: read, check, call
`marketplace.services.requests`. Every POST goes to the detail page with an `action`."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.fields import MoneyFormField, SaneDateFormField
from cultuurkaart.core.idempotency import run_once
from cultuurkaart.marketplace.constants import (
    OPEN_REQUEST_STATUSES,
    REQUEST_MESSAGE_MAX,
    ProposalStatus,
    RequestStatus,
    Side,
)
from cultuurkaart.marketplace.models import Offer, OfferRequest
from cultuurkaart.marketplace.services import request_insights
from cultuurkaart.marketplace.services import requests as service

from .access import may, provider_page, school_page
from .forms import add_service_errors

R = RequestStatus
SCHOOL_ACTION = "marketplace.request"
PROVIDER_ACTION = "marketplace.answer_requests"
STEP_LIMIT = 500


# --- forms ------------------------------------------------------------------------------------


class RequestForm(forms.Form):
    date_1 = SaneDateFormField(
        label=_lazy("Voorkeursdatum 1"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_2 = SaneDateFormField(
        label=_lazy("Voorkeursdatum 2"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_3 = SaneDateFormField(
        label=_lazy("Voorkeursdatum 3"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_from = SaneDateFormField(
        label=_lazy("Of een periode: van"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_until = SaneDateFormField(
        label=_lazy("tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    students = forms.IntegerField(label=_lazy("Aantal leerlingen"), min_value=1, max_value=10_000)
    teachers = forms.IntegerField(
        label=_lazy("Aantal docenten"), min_value=0, max_value=10_000, required=False
    )
    level = forms.ChoiceField(label=_lazy("Niveau"), required=False)
    access_needs = forms.CharField(
        label=_lazy("Toegankelijkheidswensen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message = forms.CharField(
        label=_lazy("Bericht aan de aanbieder"),
        max_length=REQUEST_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm_duplicate = forms.BooleanField(
        label=_lazy("Ik weet dat er al een aanvraag loopt en wil er nog een sturen"),
        required=False,
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—")] + [(t.code, t.label) for t in levels]

    def as_service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "preferred_dates": [
                d for d in (data.get("date_1"), data.get("date_2"), data.get("date_3")) if d
            ],
            "period": {"from": data.get("period_from"), "until": data.get("period_until")},
            "students": data["students"],
            "teachers": data.get("teachers"),
            "level": data.get("level") or None,
            "access_needs": data.get("access_needs", ""),
            "message": data["message"],
            "confirm_duplicate": data.get("confirm_duplicate", False),
        }


FIELD_MAP = {
    "preferred_dates": "date_1",
    "period.from": "period_from",
    "period.until": "period_until",
}


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Bericht"),
        max_length=REQUEST_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Reden"),
        max_length=REQUEST_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProposalForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_lazy("Datum en tijd"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    students = forms.IntegerField(label=_lazy("Aantal leerlingen"), min_value=1, max_value=10_000)
    amount = MoneyFormField(label=_lazy("Bedrag (euro, totaal)"))
    description = forms.CharField(
        label=_lazy("Omschrijving"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WebOrderForm(forms.Form):
    amount = MoneyFormField(
        label=_lazy("Bedrag van de webbestelling"),
        help_text=_lazy(
            "Het afgesproken bedrag. Een lager bedrag mag; een hoger bedrag wordt een nieuw "
            "voorstel dat de school eerst moet accepteren."
        ),
    )


# --- helpers ----------------------------------------------------------------------------------


def _request_of(queryset, pk: int) -> OfferRequest:
    found = (
        queryset.select_related(
            "offer", "offer__provider", "school", "provider", "weborder", "level"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _chain(offer_request: OfferRequest) -> list[dict]:
    """The steps offer → request → proposals → web order → approval → check → payout, each
    with whether it is done and when."""
    proposals = list(offer_request.proposals.order_by("version"))
    accepted = next((p for p in reversed(proposals) if p.status == ProposalStatus.ACCEPTED), None)
    weborder = offer_request.weborder
    payout = getattr(weborder, "payout_line", None) if weborder else None
    return [
        {"label": _("Aanbod"), "done": True, "text": offer_request.offer.title},
        {"label": _("Aanvraag"), "done": True, "at": offer_request.created_at},
        {
            "label": _("Voorstel"),
            "done": accepted is not None,
            "at": accepted.accepted_at if accepted else None,
            "text": (
                _("Versie %(v)s geaccepteerd") % {"v": accepted.version}
                if accepted
                else (_("%(n)s voorstel(len)") % {"n": len(proposals)} if proposals else "")
            ),
        },
        {
            "label": _("Webbestelling"),
            "done": weborder is not None,
            "at": weborder.created_at if weborder else None,
            "text": weborder.get_status_display() if weborder else "",
        },
        {
            "label": _("Goedkeuring"),
            "done": bool(weborder and weborder.entry_id),
            "at": weborder.decided_at if weborder and weborder.entry_id else None,
        },
        {
            "label": _("Controle"),
            "done": bool(weborder and weborder.checked_at),
            "at": weborder.checked_at if weborder else None,
        },
        {
            "label": _("Uitbetaling"),
            "done": payout is not None,
            "at": payout.item.batch.created_at if payout else None,
        },
    ]


def _act(request, form, do, success: str) -> bool:
    """Run a service call for a valid form; put its errors on the form or as a message."""
    if not form.is_valid():
        return False
    try:
        do(form.cleaned_data)
    except ValidationFailed as exc:
        add_service_errors(form, exc.errors)
        return False
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


# --- school -----------------------------------------------------------------------------------


@school_page(SCHOOL_ACTION)
def school_requests(request, school):
    rows = list(service.for_school(school)[:STEP_LIMIT])
    projected = (
        request_insights.projected_spend(school) if may(request, "ledger.view", school.pk) else None
    )
    return render(
        request,
        "portals/requests/school_list.html",
        {"school": school, "rows": rows, "projected": projected},
    )


@school_page(SCHOOL_ACTION)
def school_offers_request(request, school, pk: int):
    """Send a request for a published offer (the school is the page's, never typed)."""
    offer = Offer.objects.published().select_related("provider", "format").filter(pk=pk).first()
    if offer is None:
        raise Http404
    levels = service.levels_for_school(school)
    form = RequestForm(request.POST or None, levels=levels)
    duplicate = False
    if request.method == "POST" and form.is_valid():
        payload = form.as_service_data()
        try:
            _status, answer = run_once(
                user=request.user,
                scope=f"offer-request-page:{school.pk}:{offer.pk}",
                key=request.POST.get("client_token", ""),
                payload={k: str(v) for k, v in payload.items()},
                compute=lambda: (
                    201,
                    {"id": service.send_request(offer, school, payload, actor=request.user).pk},
                ),
            )
        except service.DuplicateRequest as exc:
            duplicate = True
            form.add_error("confirm_duplicate", exc.message)
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors, FIELD_MAP)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Uw aanvraag is verstuurd naar de aanbieder."))
            return redirect("portals:school_requests_detail", school_id=school.pk, pk=answer["id"])
    return render(
        request,
        "portals/requests/school_new.html",
        {
            "school": school,
            "offer": offer,
            "form": form,
            "duplicate": duplicate,
            "client_token": secrets.token_urlsafe(16),
            "responsiveness": request_insights.responsiveness(offer.provider),
            "expiry_days": service.expiry_days(),
        },
        status=200 if request.method == "GET" or not form.errors else 422,
    )


@school_page(SCHOOL_ACTION)
def school_requests_detail(request, school, pk: int):
    offer_request = _request_of(OfferRequest.objects.filter(school=school), pk)
    message_form = MessageForm(request.POST if request.POST.get("action") == "message" else None)
    reason_form = ReasonForm(request.POST if request.POST.get("action") == "decline" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        actor = request.user
        done = False
        if action == "message":
            done = _act(
                request,
                message_form,
                lambda d: service.post_message(offer_request, Side.SCHOOL, d["text"], actor=actor),
                _("Uw bericht is verstuurd."),
            )
        elif action == "accept":
            try:
                service.accept_proposal(
                    offer_request, int(request.POST.get("proposal_id") or 0), actor=actor
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("U hebt het voorstel geaccepteerd."))
            done = True
        elif action == "decline":
            target = service.cancel_request if offer_request.status == R.ACCEPTED else None
            done = _act(
                request,
                reason_form,
                lambda d: (target or service.decline_request)(
                    offer_request, Side.SCHOOL, d["reason"], actor=actor
                ),
                _("De aanvraag is afgesloten."),
            )
        elif action == "withdraw":
            try:
                service.withdraw_request(offer_request, actor=actor)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("U hebt de aanvraag ingetrokken."))
            done = True
        if done:
            return redirect("portals:school_requests_detail", school_id=school.pk, pk=pk)
    context = _detail_context(offer_request, Side.SCHOOL)
    service.mark_read(offer_request, Side.SCHOOL)
    return render(
        request,
        "portals/requests/school_detail.html",
        context
        | {
            "school": school,
            "message_form": message_form,
            "reason_form": reason_form,
            "chain": _chain(offer_request),
        },
    )


def _detail_context(offer_request: OfferRequest, side: str) -> dict:
    proposals = list(offer_request.proposals.order_by("version"))
    latest = proposals[-1] if proposals else None
    unread = service.with_unread(OfferRequest.objects.filter(pk=offer_request.pk), side).get()
    return {
        "r": offer_request,
        "proposals": proposals,
        "latest": latest,
        "thread": list(offer_request.messages.all()),
        "unread": unread.unread,
        "seen": offer_request.school_seen if side == Side.SCHOOL else offer_request.provider_seen,
        "is_open": offer_request.status in OPEN_REQUEST_STATUSES,
        "can_accept": latest is not None
        and latest.status == ProposalStatus.OPEN
        and offer_request.status == R.PROPOSED,
        "can_decline": offer_request.status in (R.SENT, R.IN_CONVERSATION, R.PROPOSED),
        "can_cancel": offer_request.status == R.ACCEPTED,
        "can_withdraw": offer_request.status in (R.SENT, R.IN_CONVERSATION, R.PROPOSED),
        "thread_open": offer_request.status in service.THREAD_OPEN,
    }


# --- provider ---------------------------------------------------------------------------------


@provider_page(PROVIDER_ACTION)
def provider_requests(request, provider):
    rows = list(service.for_provider(provider)[:STEP_LIMIT])
    return render(
        request, "portals/requests/provider_list.html", {"provider": provider, "rows": rows}
    )


@provider_page(PROVIDER_ACTION)
def provider_requests_detail(request, provider, pk: int):
    offer_request = _request_of(OfferRequest.objects.filter(provider=provider), pk)
    action = request.POST.get("action") if request.method == "POST" else None
    agreed = service.accepted_proposal(offer_request)
    message_form = MessageForm(request.POST if action == "message" else None)
    reason_form = ReasonForm(request.POST if action == "decline" else None)
    latest = service.latest_proposal(offer_request)
    proposal_form = ProposalForm(
        request.POST if action == "propose" else None,
        initial={
            "students": latest.students if latest else offer_request.students,
            "amount": latest.amount if latest else None,
            "description": latest.description if latest else offer_request.offer.title,
        },
    )
    weborder_form = WebOrderForm(
        request.POST if action == "weborder" else None,
        initial={"amount": agreed.amount if agreed else None},
    )
    if request.method == "POST":
        actor = request.user
        done = False
        if action == "message":
            done = _act(
                request,
                message_form,
                lambda d: service.post_message(
                    offer_request, Side.PROVIDER, d["text"], actor=actor
                ),
                _("Uw bericht is verstuurd."),
            )
        elif action == "propose":
            done = _act(
                request,
                proposal_form,
                lambda d: service.make_proposal(offer_request, d, actor=actor),
                _("Uw voorstel is naar de school gestuurd."),
            )
        elif action == "decline":
            target = service.cancel_request if offer_request.status == R.ACCEPTED else None
            done = _act(
                request,
                reason_form,
                lambda d: (target or service.decline_request)(
                    offer_request, Side.PROVIDER, d["reason"], actor=actor
                ),
                _("De aanvraag is afgesloten."),
            )
        elif action == "weborder" and weborder_form.is_valid():
            try:
                weborder, created = service.create_weborder_for(
                    offer_request, actor=actor, amount=weborder_form.cleaned_data["amount"]
                )
            except ValidationFailed as exc:
                add_service_errors(weborder_form, exc.errors)
            except DomainError as exc:
                messages.error(request, exc.message)
                done = True
            else:
                if weborder is None:
                    messages.warning(
                        request,
                        _(
                            "Het bedrag is hoger dan afgesproken: de school krijgt een nieuw "
                            "voorstel en moet dat eerst accepteren."
                        ),
                    )
                elif created:
                    messages.success(
                        request,
                        _("Webbestelling %(id)s is gemaakt; de school keurt hem goed.")
                        % {"id": weborder.pk},
                    )
                else:
                    messages.info(
                        request,
                        _("Deze aanvraag heeft al webbestelling %(id)s.") % {"id": weborder.pk},
                    )
                done = True
        if done:
            return redirect("portals:provider_requests_detail", provider_id=provider.pk, pk=pk)
    context = _detail_context(offer_request, Side.PROVIDER)
    service.mark_read(offer_request, Side.PROVIDER)
    return render(
        request,
        "portals/requests/provider_detail.html",
        context
        | {
            "provider": provider,
            "message_form": message_form,
            "reason_form": reason_form,
            "proposal_form": proposal_form,
            "weborder_form": weborder_form,
            "agreed": agreed,
            "can_propose": offer_request.status
            in (R.SENT, R.IN_CONVERSATION, R.PROPOSED, R.ACCEPTED),
            "can_order": offer_request.status == R.ACCEPTED,
        },
    )
