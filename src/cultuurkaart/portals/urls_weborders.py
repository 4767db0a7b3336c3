"""Web pages of web orders, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_weborders as v

urlpatterns: list = [
    path("school/<int:school_id>/webbestellingen/", v.school_list, name="school_weborders"),
    path(
        "school/<int:school_id>/webbestellingen/beslissen/",
        v.school_decide,
        name="school_weborders_decide",
    ),
    path(
        "school/<int:school_id>/webbestellingen/export.xlsx",
        v.school_export,
        name="school_weborders_export",
    ),
    path("aanbieder/weborders/", v.provider_list, name="provider_weborders"),
    path("aanbieder/weborders/nieuw/", v.provider_new, name="provider_weborders_new"),
    path(
        "aanbieder/weborders/<int:pk>/intrekken/",
        v.provider_withdraw,
        name="provider_weborders_withdraw",
    ),
    path("backoffice/webbestellingen/", v.backoffice_list, name="backoffice_weborders"),
    path(
        "backoffice/webbestellingen/<int:pk>/",
        v.backoffice_detail,
        name="backoffice_weborders_detail",
    ),
]
