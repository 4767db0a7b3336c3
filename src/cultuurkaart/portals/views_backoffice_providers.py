"""Back-office pages for providers: applications, review, individual budget, revocation."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cultuurkaart.core import clock, terms
from cultuurkaart.core.errors import DomainError
from cultuurkaart.marketplace import services as marketplace
from cultuurkaart.providers import services as providers
from cultuurkaart.providers.constants import COMPONENTS, SUITABLE_FOR, ProviderStatus
from cultuurkaart.providers.models import Provider

from .access import backoffice_page
from .forms_providers import ReasonForm


@backoffice_page("providers.review")
def provider_list(request):
    status = request.GET.get("status", ProviderStatus.PENDING)
    qs = Provider.objects.order_by("created_at", "pk")
    if status in ProviderStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portals/backoffice/providers.html",
        {"page": page, "status": status, "statuses": ProviderStatus.choices},
    )


def _detail(request, provider, *, reject_form=None, revoke_form=None, status=200):
    criteria = provider.criteria or {}
    return render(
        request,
        "portals/backoffice/provider_detail.html",
        {
            "provider": provider,
            "reject_form": reject_form or ReasonForm(prefix="reject"),
            "revoke_form": revoke_form or ReasonForm(prefix="revoke"),
            "consents": terms.consents_for(provider),
            "suitable_for": [SUITABLE_FOR.get(k, k) for k in criteria.get("suitable_for", [])],
            "components": [COMPONENTS.get(k, k) for k in criteria.get("components", [])],
            "payout_hold": providers.payout_hold(provider, clock.now()),
            "trusted": marketplace.is_trusted(provider),
        },
        status=status,
    )


@backoffice_page("providers.review")
def provider_detail(request, provider_id: int):
    return _detail(request, get_object_or_404(Provider, pk=provider_id))


def _act(request, provider_id: int, do, success):
    provider = get_object_or_404(Provider, pk=provider_id)
    try:
        do(provider)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("portals:backoffice_provider", provider_id=provider_id)


@backoffice_page("providers.review")
@require_POST
def approve(request, provider_id: int):
    return _act(
        request,
        provider_id,
        lambda p: providers.approve_provider(p, actor=request.user),
        _("De aanbieder is geaccepteerd en krijgt een e-mail om in te loggen."),
    )


def _with_reason(request, provider_id: int, prefix: str, do, success):
    provider = get_object_or_404(Provider, pk=provider_id)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            do(provider, form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
        return redirect("portals:backoffice_provider", provider_id=provider_id)
    return _detail(request, provider, status=422, **{f"{prefix}_form": form})


@backoffice_page("providers.review")
@require_POST
def reject(request, provider_id: int):
    return _with_reason(
        request,
        provider_id,
        "reject",
        lambda p, reason: providers.reject_provider(p, reason=reason, actor=request.user),
        _("De aanvraag is afgewezen; de aanbieder krijgt een e-mail."),
    )


@backoffice_page("providers.revoke")
@require_POST
def revoke(request, provider_id: int):
    return _with_reason(
        request,
        provider_id,
        "revoke",
        lambda p, reason: providers.announce_revocation(p, reason=reason, actor=request.user),
        _("De intrekking is aangekondigd; de aanbieder krijgt een e-mail."),
    )


@backoffice_page("providers.revoke")
@require_POST
def resume_revocation(request, provider_id: int):
    return _act(
        request,
        provider_id,
        lambda p: providers.resume_revocation(p, actor=request.user),
        _("De intrekking gaat door; de aanbieder krijgt een e-mail."),
    )


@backoffice_page("providers.revoke")
@require_POST
def withdraw_revocation(request, provider_id: int):
    return _act(
        request,
        provider_id,
        lambda p: providers.withdraw_revocation(p, actor=request.user),
        _("De intrekking is ingetrokken; de aanbieder blijft acceptant."),
    )


@backoffice_page("providers.set_individual_budget")
@require_POST
def individual_budget(request, provider_id: int):
    accepts = request.POST.get("accepts") == "1"
    return _act(
        request,
        provider_id,
        lambda p: providers.set_individual_budget(p, accepts, actor=request.user),
        _("Individueel budget: opgeslagen."),
    )
