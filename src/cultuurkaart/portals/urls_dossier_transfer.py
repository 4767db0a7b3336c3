"""Pages of dossier export, import and the participants of a paid activity."""

from django.urls import path

from . import views_dossier_transfer as v

urlpatterns: list = [
    path("mijn-dossier/export/", v.my_export, name="my_dossier_export"),
    path(
        "mijn-dossier/export/<int:pk>/status/", v.my_export_status, name="my_dossier_export_status"
    ),
    path(
        "mijn-dossier/export/<int:pk>/download/",
        v.my_export_download,
        name="my_dossier_export_download",
    ),
    path("school/<int:school_id>/dossier/import/", v.school_import, name="school_dossier_import"),
    path(
        "school/<int:school_id>/webbestellingen/<int:pk>/deelnemers/",
        v.school_participants,
        name="school_weborders_participants",
    ),
]
