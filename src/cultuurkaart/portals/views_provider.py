"""The provider portal (aanbiederportaal): its home page. Thin: read, render."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cultuurkaart.accounts.models import ApiToken
from cultuurkaart.providers.models import Provider, ProviderStatus

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
