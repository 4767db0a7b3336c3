from django.urls import path

from . import (
    urls_cmk,
    urls_cmk_evaluation,
    urls_dossier,
    urls_dossier_transfer,
    urls_jobs,
    urls_marketplace,
    urls_memberships,
    urls_orders,
    urls_payouts,
    urls_providers,
    urls_requests,
    urls_rosters,
    urls_search,
    urls_teaching,
    urls_vouchers,
    urls_weborders,
    urls_yearend,
)
from . import views_backoffice as bo
from . import views_provider as provider
from . import views_public as public
from . import views_school as school

app_name = "portals"
urlpatterns = [
    path("", public.home, name="home"),
    path("aanmelden/", public.register_school, name="register"),
    path("aanmelden/ontvangen/", public.register_done, name="register_done"),
    path("help/", public.help_page, name="help"),
    path("school/<int:school_id>/", school.dashboard, name="school_dashboard"),
    path("school/<int:school_id>/instellingen/", school.settings_page, name="school_settings"),
    path("school/<int:school_id>/support/", school.support, name="school_support"),
    path("school/<int:school_id>/budgethouder/", school.budget_holder, name="school_budget_holder"),
    path("aanbieder/", provider.home, name="provider_home"),
    path("backoffice/", bo.dashboard, name="backoffice"),
    path("backoffice/aanmeldingen/", bo.registrations, name="backoffice_registrations"),
    path(
        "backoffice/aanmeldingen/<int:pk>/", bo.registration_detail, name="backoffice_registration"
    ),
    path(
        "backoffice/aanmeldingen/<int:pk>/goedkeuren/",
        bo.approve_registration,
        name="backoffice_approve",
    ),
    path(
        "backoffice/aanmeldingen/<int:pk>/afwijzen/",
        bo.reject_registration,
        name="backoffice_reject",
    ),
    path("backoffice/programmas/", bo.programmes, name="backoffice_programmes"),
    path("backoffice/programmas/nieuw/", bo.programme_edit, name="backoffice_programme_new"),
    path("backoffice/programmas/<slug:code>/", bo.programme_edit, name="backoffice_programme_edit"),
    path(
        "backoffice/programmas/<slug:code>/kopieren/",
        bo.programme_copy,
        name="backoffice_programme_copy",
    ),
    path("backoffice/register/", bo.registry, name="backoffice_registry"),
    path("backoffice/audit/", bo.audit_log, name="backoffice_audit"),
    path("backoffice/gebruikers/", bo.users, name="backoffice_users"),
    path("backoffice/budgethouders/", bo.budget_holder_changes, name="backoffice_bh_changes"),
    path(
        "backoffice/budgethouders/<int:pk>/",
        bo.decide_budget_holder_change,
        name="backoffice_bh_decide",
    ),
    path("backoffice/gebruikers/<int:pk>/", bo.user_action, name="backoffice_user_action"),
    *urls_rosters.urlpatterns,
    *urls_memberships.urlpatterns,
    *urls_orders.urlpatterns,
    *urls_providers.urlpatterns,
    *urls_weborders.urlpatterns,
    *urls_payouts.urlpatterns,
    *urls_yearend.urlpatterns,
    *urls_cmk.urlpatterns,
    *urls_cmk_evaluation.urlpatterns,
    *urls_jobs.urlpatterns,
    *urls_vouchers.urlpatterns,
    *urls_marketplace.urlpatterns,
    *urls_requests.urlpatterns,
    *urls_search.urlpatterns,
    *urls_dossier.urlpatterns,
    *urls_teaching.urlpatterns,
    *urls_dossier_transfer.urlpatterns,
]
