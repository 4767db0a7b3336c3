"""The provider portal (aanbiederportaal): its home page. Thin: read, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from cultuurkaart.accounts.models import ApiToken
from cultuurkaart.accounts.services import ReauthenticationFailed
from cultuurkaart.core import clock
from cultuurkaart.core.errors import DomainError, ValidationFailed
from cultuurkaart.core.ratelimit import client_ip
from cultuurkaart.providers import services as providers
from cultuurkaart.providers.models import Provider, ProviderStatus

from .access import provider_page as provider_page_for
from .forms import add_service_errors
from .forms_providers import (
    FIELD_MAP,
    ProviderApplicationForm,
    ProviderUpdateForm,
    RevocationResponseForm,
    initial_from,
)

# What each status means for the provider, in a sentence it can act on (SPEC §7).
STATUS_TEXT = {
    ProviderStatus.PENDING: _(
        "CJP beoordeelt uw aanvraag. U krijgt een e-mail zodra er een besluit is."
    ),
    ProviderStatus.ACCEPTED: _(
        "Uw organisatie is acceptant: scholen kunnen hun Cultuurkaart-budget bij u besteden."
    ),
    ProviderStatus.REJECTED: _(
        "Uw aanvraag is afgewezen; u hebt hierover een e-mail gekregen. Neem contact op met "
        "CJP als u vragen hebt."
    ),
    ProviderStatus.REVOCATION_ANNOUNCED: _(
        "CJP heeft aangekondigd uw acceptatie in te trekken. Tot de datum in de e-mail "
        "blijft u acceptant; rond uw openstaande weborders af. U kunt binnen 14 dagen reageren."
    ),
    ProviderStatus.REVOCATION_ON_HOLD: _(
        "U hebt gereageerd op de aangekondigde intrekking. CJP houdt de intrekking aan tot "
        "er een besluit is; tot dan blijft u acceptant."
    ),
    ProviderStatus.REVOKED: _(
        "Uw acceptatie is ingetrokken. U kunt geen nieuwe weborders meer maken; "
        "goedgekeurde weborders worden nog uitbetaald."
    ),
}


def provider_page(view):
    """For people with the provider role; 403 for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.provider_ids():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@provider_page
def home(request):
    user = request.user
    providers = [
        {"provider": p, "status_text": STATUS_TEXT.get(p.status, "")}
        for p in Provider.objects.filter(pk__in=user.provider_ids()).order_by("name", "pk")
    ]
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return render(
        request,
        "portals/provider/home.html",
        {
            "providers": providers,
            "active_tokens": tokens.count(),
            "last_token_use": tokens.exclude(last_used_at=None)
            .order_by("-last_used_at")
            .values_list("last_used_at", flat=True)
            .first(),
            "two_factor_on": bool(getattr(user, "is_verified", lambda: False)()),
        },
    )


# --- application (public) and the provider's own data ---------------------------------------


def apply(request):
    """Public application as acceptant (SPEC §7): organisation, contact, IBAN, the five
    criteria and the provider terms."""
    form = ProviderApplicationForm(request.POST or None, initial={"kind": "organisation"})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actor = request.user if request.user.is_authenticated else None
            providers.apply(form.to_service(), actor=actor)
        except ValidationFailed as exc:
            add_service_errors(form, exc.errors, FIELD_MAP)
        except providers.CriteriaNotMet as exc:
            add_service_errors(form, exc.errors, FIELD_MAP)
        else:
            return redirect("portals:provider_apply_done")
    if request.method == "POST":
        status = 422
    return render(request, "portals/provider/apply.html", {"form": form}, status=status)


def apply_done(request):
    return render(request, "portals/provider/apply_done.html")


@provider_page_for("providers.change")
def details(request, provider):
    """The provider keeps its data up to date; a new IBAN needs a fresh two-factor code."""
    form = ProviderUpdateForm(request.POST or None, initial=initial_from(provider))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                providers.update_provider(
                    provider,
                    form.organisation_data(),
                    actor=request.user,
                    otp=form.cleaned_data.get("otp"),
                    ip=client_ip(request),
                )
            except ReauthenticationFailed:
                form.add_error(
                    "otp",
                    _("Een nieuw IBAN bevestigt u met een nieuwe, nog niet gebruikte code."),
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors, FIELD_MAP)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Uw gegevens zijn opgeslagen."))
                return redirect("portals:provider_details", provider_id=provider.pk)
        status = 422
    return render(
        request,
        "portals/provider/details.html",
        {
            "provider": provider,
            "form": form,
            "on_hold": providers_hold(provider),
        },
        status=status,
    )


@provider_page_for("providers.respond_to_revocation")
def respond(request, provider):
    """Respond to an announced revocation within 14 days (puts it on hold)."""
    form = RevocationResponseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                providers.respond_to_revocation(
                    provider, response=form.cleaned_data["response"], actor=request.user
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc.errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Uw reactie is verstuurd. De intrekking is aangehouden.")
                )
                return redirect("portals:provider_home")
        status = 422
    return render(
        request,
        "portals/provider/respond.html",
        {"provider": provider, "form": form},
        status=status,
    )


def providers_hold(provider) -> bool:
    return providers.payout_hold(provider, clock.now())
