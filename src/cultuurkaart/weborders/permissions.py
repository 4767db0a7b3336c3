"""Who may do what with web orders (SPEC §1, §8). Read by pages and API alike.

School side: the budget holder decides; Docent+ and the board see (Docent+ sees balances
read-only, SPEC §1) but may not decide (403). Provider side: its own people create, see and
withdraw their web orders; another provider's is 404. The back office sees all money and
checks and reverses; it never decides as the school."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, provider_action, register, school_action

BOARD, BH, DP = RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS
PROVIDER = RoleName.PROVIDER

ACTIONS = register(
    school_action(
        "weborders.view",
        {BH, DP, BOARD},
        admin=True,
        description="Read the school's web orders (amounts, statuses, split).",
    ),
    school_action("weborders.decide", {BH}, description="Approve or reject a web order."),
    school_action(
        "weborders.export", {BH, BOARD}, admin=True, description="The school's spending as Excel."
    ),
    provider_action("weborders.create", {PROVIDER}, description="Create a web order for a school."),
    provider_action(
        "weborders.view_own", {PROVIDER}, description="Read the provider's web orders."
    ),
    provider_action("weborders.withdraw", {PROVIDER}, description="Withdraw a pending web order."),
    platform_action("weborders.check", "The check worklist; mark web orders valid or invalid."),
    platform_action(
        "weborders.reverse", "Reverse an approved or checked web order (before payout)."
    ),
)
