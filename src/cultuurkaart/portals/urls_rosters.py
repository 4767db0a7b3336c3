"""Web pages of the rosters domain, mounted under the site root by portals/urls.py.

Per list (students → /studenten/, teachers → /docenten/) the url names are
`portals:school_<kind>` (the list) and `portals:school_<kind>_<page>`, all with the
`school_id` kwarg (plus `job_id` / `person_id` where named).
"""

from django.urls import path

from . import views_rosters as views

SLUGS = {"students": "studenten", "teachers": "docenten"}


def _patterns(kind: str, slug: str) -> list:
    base = f"school/<int:school_id>/{slug}/"
    k = {"kind": kind}
    n = f"school_{kind}"
    return [
        path(base, views.people_list, k, name=n),
        path(f"{base}export.xlsx", views.export, k, name=f"{n}_export"),
        path(f"{base}sjabloon.xlsx", views.template_download, k, name=f"{n}_template"),
        path(f"{base}uitleg/", views.help_page, k, name=f"{n}_help"),
        path(f"{base}uploaden/", views.upload, k, name=f"{n}_upload"),
        path(f"{base}uploaden/<int:job_id>/", views.job_page, k, name=f"{n}_job"),
        path(f"{base}uploaden/<int:job_id>/status/", views.job_status, k, name=f"{n}_job_status"),
        path(
            f"{base}uploaden/<int:job_id>/doorvoeren/", views.job_import, k, name=f"{n}_job_import"
        ),
        path(f"{base}toevoegen/", views.person_add, k, name=f"{n}_add"),
        path(f"{base}verwijderen/", views.remove_selected, k, name=f"{n}_remove_selected"),
        path(f"{base}<int:person_id>/", views.person_edit, k, name=f"{n}_edit"),
        path(f"{base}<int:person_id>/verwijderen/", views.person_remove, k, name=f"{n}_remove"),
    ]


urlpatterns: list = [p for kind, slug in SLUGS.items() for p in _patterns(kind, slug)]
