"""The provider portal's side menu: the same pages for every provider page, each entry shown
only when the permission table allows it (as the school menu does, portals/menu.py)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from cultuurkaart.core import permissions
from cultuurkaart.core.permissions import Outcome
from cultuurkaart.providers.models import Provider, ProviderStatus

register = template.Library()

# Statuses without payouts or own data to keep (an application, a rejected one).
NOT_YET = {ProviderStatus.PENDING, ProviderStatus.REJECTED}


def _allowed(user, action: str, provider_id: int) -> bool:
    return permissions.decide(user, action, provider_id=provider_id) is Outcome.ALLOWED


@register.simple_tag(takes_context=True)
def provider_nav(context) -> list[dict]:
    request = context["request"]
    user = request.user
    if not user.is_authenticated:
        return []
    match = request.resolver_match
    current = match.url_name if match else ""
    current_provider = (match.kwargs.get("provider_id") if match else None) or None
    providers = list(
        Provider.objects.filter(pk__in=user.provider_ids())
        .order_by("name", "pk")
        .only("pk", "name", "status")
    )
    several = len(providers) > 1
    items = [
        {"url": reverse("portals:provider_home"), "label": _("Overzicht"), "name": "provider_home"}
    ]
    if any(_allowed(user, "weborders.view_own", p.pk) for p in providers):
        items.append(
            {
                "url": reverse("portals:provider_weborders"),
                "label": _("Webbestellingen"),
                "name": "provider_weborders",
            }
        )
    if any(_allowed(user, "weborders.create", p.pk) for p in providers):
        items.append(
            {
                "url": reverse("portals:provider_weborders_new"),
                "label": _("Nieuwe webbestelling"),
                "name": "provider_weborders_new",
            }
        )
    for provider in providers:
        if provider.status in NOT_YET:
            continue
        suffix = f" · {provider.name}" if several else ""
        for name, action, label in (
            ("provider_payouts", "payouts.view_own", _("Uitbetalingen")),
            ("provider_details", "providers.change", _("Gegevens en IBAN")),
        ):
            if _allowed(user, action, provider.pk):
                items.append(
                    {
                        "url": reverse(f"portals:{name}", kwargs={"provider_id": provider.pk}),
                        "label": label + suffix,
                        "name": name,
                        "provider": provider.pk,
                    }
                )
    for item in items:
        same_provider = item.get("provider") in (None, current_provider)
        item["current"] = same_provider and (
            current == item["name"]
            or (
                current.startswith(item["name"] + "_")
                and not any(other["name"] == current for other in items)
            )
        )
    return items
