"""Web pages of payouts, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_payouts as v

urlpatterns: list = [
    path("backoffice/uitbetalingen/", v.backoffice_list, name="backoffice_payouts"),
    path("backoffice/uitbetalingen/nieuw/", v.backoffice_new, name="backoffice_payouts_new"),
    path(
        "backoffice/uitbetalingen/<int:payout_id>/",
        v.backoffice_detail,
        name="backoffice_payouts_detail",
    ),
    path(
        "backoffice/uitbetalingen/<int:payout_id>/sepa.xml",
        v.backoffice_sepa,
        name="backoffice_payouts_sepa",
    ),
    path(
        "aanbieder/<int:provider_id>/uitbetalingen/",
        v.provider_list,
        name="provider_payouts",
    ),
    path(
        "aanbieder/<int:provider_id>/uitbetalingen/<int:payout_id>/specificatie.xlsx",
        v.provider_specification,
        name="provider_payouts_specification",
    ),
    path(
        "aanbieder/<int:provider_id>/uitbetalingen/<int:payout_id>/specificatie.pdf",
        v.provider_specification_pdf,
        name="provider_payouts_specification_pdf",
    ),
    path(
        "aanbieder/<int:provider_id>/uitbetalingen/export.xlsx",
        v.provider_export,
        name="provider_payouts_export",
    ),
    path(
        "aanbieder/<int:provider_id>/webbestellingen/export.xlsx",
        v.provider_weborders_export,
        name="provider_weborders_export",
    ),
]
