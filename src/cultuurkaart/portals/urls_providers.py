"""Provider portal pages and the back office's provider pages."""

from django.urls import path

from . import views_backoffice_providers as bo
from . import views_provider as provider

urlpatterns = [
    path("aanbieder/aanmelden/", provider.apply, name="provider_apply"),
    path("aanbieder/aanmelden/ontvangen/", provider.apply_done, name="provider_apply_done"),
    path("aanbieder/<int:provider_id>/gegevens/", provider.details, name="provider_details"),
    path("aanbieder/<int:provider_id>/intrekking/", provider.respond, name="provider_respond"),
    path("backoffice/aanbieders/", bo.provider_list, name="backoffice_providers"),
    path(
        "backoffice/aanbieders/<int:provider_id>/",
        bo.provider_detail,
        name="backoffice_provider",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/accepteren/",
        bo.approve,
        name="backoffice_provider_approve",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/afwijzen/",
        bo.reject,
        name="backoffice_provider_reject",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/intrekken/",
        bo.revoke,
        name="backoffice_provider_revoke",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/intrekking-doorzetten/",
        bo.resume_revocation,
        name="backoffice_provider_resume",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/intrekking-intrekken/",
        bo.withdraw_revocation,
        name="backoffice_provider_withdraw",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/individueel-budget/",
        bo.individual_budget,
        name="backoffice_provider_individual_budget",
    ),
]
