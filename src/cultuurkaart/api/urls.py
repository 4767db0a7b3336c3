"""Mounts every router on the one NinjaAPI. Each domain has its own router module."""

from . import (
    accounts_api,
    admin,
    auth,
    cmk,
    cmk_evaluation,
    dossier,
    dossier_transfer,
    jobs,
    ledger,
    marketplace,
    marketplace_search,
    memberships,
    orders,
    payouts,
    providers,
    requests,
    rosters,
    schools,
    teaching,
    vouchers,
    weborders,
)
from .base import api

for module in (
    auth,
    accounts_api,
    admin,
    schools,
    rosters,
    memberships,
    orders,
    ledger,
    providers,
    weborders,
    payouts,
    vouchers,
    marketplace,
    requests,
    marketplace_search,
    cmk,
    teaching,
    dossier,
    jobs,
    cmk_evaluation,
    dossier_transfer,
):
    api.add_router("", module.router)

urlpatterns = api.urls
