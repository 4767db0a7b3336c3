"""Web pages of the dossier (SPEC §11), mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_dossier as d

urlpatterns: list = [
    path("dossier/media/<str:token>/", d.media_file, name="dossier_media"),
    path("mijn-dossier/", d.my_dossier, name="my_dossier"),
    path("mijn-dossier/nieuw/", d.my_dossier_new, name="my_dossier_new"),
    path("mijn-dossier/toestemming/", d.my_dossier_consent, name="my_dossier_consent"),
    path("mijn-dossier/klas/", d.my_dossier_class, name="my_dossier_class"),
    path(
        "mijn-dossier/eerdere-feedback/",
        d.my_dossier_earlier_feedback,
        name="my_dossier_earlier_feedback",
    ),
    path("mijn-dossier/<int:item_id>/", d.my_dossier_item, name="my_dossier_item"),
    path("mijn-dossier/<int:item_id>/bewerken/", d.my_dossier_edit, name="my_dossier_edit"),
    path("mijn-dossier/<int:item_id>/verwijderen/", d.my_dossier_delete, name="my_dossier_delete"),
    path("mijn-dossier/<int:item_id>/afsluiten/", d.my_dossier_close, name="my_dossier_close"),
    path(
        "school/<int:school_id>/dossier/leerlingen/",
        d.school_dossier_students,
        name="school_dossier_students",
    ),
    path(
        "school/<int:school_id>/dossier/leerlingen/<int:person_id>/",
        d.school_dossier_student,
        {"kind": "students"},
        name="school_dossier_students_detail",
    ),
    path(
        "school/<int:school_id>/dossier/inzage/",
        d.school_dossier_views,
        name="school_dossier_views",
    ),
    path("backoffice/dossier/", d.backoffice_dossier, name="backoffice_dossier"),
    path(
        "backoffice/dossier/<int:school_id>/",
        d.backoffice_dossier_school,
        name="backoffice_dossier_school",
    ),
]
