"""Who may do what in the marketplace (SPEC §1, §10). Read by pages and API alike.

A provider's own people write and read its offers (another provider's offer is 404); the
back office moderates offers, marks providers as trusted and keeps the taxonomies. The
taxonomies are public; a published offer may be read by every signed-in person."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import (
    platform_action,
    provider_action,
    register,
    school_action,
)

PROVIDER = RoleName.PROVIDER
BH, DP, TEACHER = RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS, RoleName.TEACHER

ACTIONS = register(
    provider_action(
        "marketplace.manage_offers",
        {PROVIDER},
        description="Create, edit and list the provider's own offers, their sessions and images.",
    ),
    platform_action(
        "marketplace.moderate",
        "Offer worklist; approve, reject, hide and unhide offers; mark providers as trusted.",
    ),
    school_action(
        "marketplace.search",
        {BH, DP, TEACHER},
        description="Search offers for the school (distance) and see its suggestions.",
    ),
    platform_action(
        "marketplace.manage_taxonomies",
        "Add taxonomy terms, edit their labels and order, deactivate and reactivate them.",
    ),
)

BH, DP = RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

REQUEST_ACTIONS = register(
    school_action(
        "marketplace.request",
        {BH, DP},
        description=(
            "Send requests for offers, read the school's requests and their thread, write "
            "messages, accept or decline proposals, withdraw or cancel a request."
        ),
    ),
    provider_action(
        "marketplace.answer_requests",
        {PROVIDER},
        description=(
            "Read the provider's incoming requests, write messages, make proposals, decline "
            "or cancel, and create the web order of an accepted request."
        ),
    ),
)
