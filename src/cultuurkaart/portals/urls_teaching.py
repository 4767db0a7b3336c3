"""Web pages of the teaching part of the dossier, mounted under the site root by
portals/urls.py."""

from django.urls import path

from . import views_teaching as v

S = "school/<int:school_id>/dossier"

urlpatterns: list = [
    path(f"{S}/klassen/", v.classes_page, name="school_dossier_classes"),
    path(f"{S}/klassen/<str:class_id>/", v.overview_page, name="school_dossier_overview"),
    path(
        f"{S}/klassen/<str:class_id>/overzicht.csv",
        v.overview_csv,
        name="school_dossier_overview_csv",
    ),
    path(f"{S}/klassen/<str:class_id>/groepen/", v.groups_page, name="school_dossier_groups"),
    path(f"{S}/groepen/<int:group_id>/", v.group_page, name="school_dossier_group"),
    path(f"{S}/opdrachten/", v.assignments_page, name="school_dossier_assignments"),
    path(f"{S}/opdrachten/nieuw/", v.assignment_new, name="school_dossier_assignment_new"),
    path(
        f"{S}/opdrachten/<int:assignment_id>/",
        v.assignment_page,
        name="school_dossier_assignment",
    ),
    path(
        f"{S}/inleveringen/<int:submission_id>/",
        v.submission_page,
        name="school_dossier_submission",
    ),
    path(
        f"{S}/inleveringen/<int:submission_id>/bestand/<int:position>/",
        v.submission_file,
        name="school_dossier_submission_file",
    ),
    path(f"{S}/groei/<int:student_id>/", v.student_page, name="school_dossier_growth"),
    path(
        f"{S}/notities/<int:student_id>/",
        v.student_notes,
        name="school_dossier_notes",
    ),
    path(f"{S}/lesmateriaal/", v.materials_page, name="school_dossier_materials"),
    path(
        f"{S}/lesmateriaal/<int:material_id>/bijlage/",
        v.material_file,
        name="school_dossier_material_file",
    ),
    path(
        "aanbieder/<int:provider_id>/lesmateriaal/",
        v.provider_materials,
        name="provider_materials",
    ),
    path("mijn-opdrachten/", v.my_assignments, name="my_assignments"),
    path("mijn-opdrachten/<int:assignment_id>/", v.my_assignment, name="my_assignment"),
    path(
        "mijn-opdrachten/<int:assignment_id>/bestand/<int:file_id>/",
        v.my_submission_file,
        name="my_submission_file",
    ),
    path(
        "mijn-opdrachten/<int:assignment_id>/materiaal/<int:material_id>/",
        v.my_material_file,
        name="my_material_file",
    ),
    path("mijn-groei/", v.my_growth, name="my_growth"),
]
