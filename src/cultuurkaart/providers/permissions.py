"""Who may do what with providers (SPEC §1, §7). Read by pages and API alike (core.permissions).

Provider-scoped actions: a provider user acts only for its own provider; another provider's
object is 404; the admin only where `admin=True`."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, provider_action, register

PROVIDER = RoleName.PROVIDER

ACTIONS = register(
    provider_action(
        "providers.view",
        {PROVIDER},
        admin=True,
        description="The provider's organisation, contact and payout data and its status.",
    ),
    provider_action(
        "providers.change",
        {PROVIDER},
        description="Keep organisation and contact data up to date; an IBAN change needs a "
        "fresh two-factor code. Never the admin.",
    ),
    provider_action(
        "providers.respond_to_revocation",
        {PROVIDER},
        description="Respond to an announced revocation within 14 days (puts it on hold).",
    ),
    platform_action("providers.review", "List provider applications; approve or reject them."),
    platform_action(
        "providers.revoke", "Announce a revocation; resume or withdraw one that is on hold."
    ),
    platform_action(
        "providers.set_individual_budget", "Mark whether a provider accepts individual budget."
    ),
)
