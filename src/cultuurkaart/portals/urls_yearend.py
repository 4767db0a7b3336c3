"""Year-end pages, mounted under the site root by portals/urls.py (docs/yearend.md)."""

from django.urls import path

from . import views_yearend as v

urlpatterns: list = [
    path(
        "school/<int:school_id>/jaarafrekening/<slug:code>/",
        v.school_statement,
        name="school_yearend_statement",
    ),
    path("backoffice/jaarafsluiting/", v.overview, name="backoffice_yearend"),
    path(
        "backoffice/jaarafsluiting/<slug:code>/",
        v.close,
        name="backoffice_yearend_close",
    ),
    path(
        "backoffice/jaarafsluiting/<slug:code>/jaarafsluiting.xlsx",
        v.close_export,
        name="backoffice_yearend_export",
    ),
    path(
        "backoffice/herverdeling/<slug:code>/",
        v.redistribution,
        name="backoffice_yearend_redistribution",
    ),
    path(
        "backoffice/herverdeling/<slug:code>/herverdeling.xlsx",
        v.redistribution_export,
        name="backoffice_yearend_redistribution_export",
    ),
]
