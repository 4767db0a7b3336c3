"""Who may do what with payouts (SPEC §8). The back office makes batches and downloads the
SEPA file; a provider's own people see its payouts and specifications (another provider's
is 404)."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, provider_action, register

ACTIONS = register(
    platform_action("payouts.manage", "Make payout batches, see them and download the SEPA file."),
    platform_action(
        "payouts.correct",
        "Correct a paid web order: the money back to the school, deducted from the provider's "
        "next payouts.",
    ),
    provider_action(
        "payouts.view_own",
        {RoleName.PROVIDER},
        description="Read the provider's own payouts and their specification.",
    ),
)
