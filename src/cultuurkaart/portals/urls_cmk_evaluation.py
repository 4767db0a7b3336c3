"""CmK evaluation pages, mounted under the site root by portals/urls.py
(docs/cmk-evaluation.md)."""

from django.urls import path

from . import views_cmk_evaluation as v

P = "cmk/<int:programme_id>/"
urlpatterns: list = [
    path(P + "vragenlijsten/", v.questionnaire_list, name="cmk_eval_questionnaires"),
    path(
        P + "vragenlijsten/<int:questionnaire_id>/",
        v.questionnaire_detail,
        name="cmk_eval_questionnaire",
    ),
    path(
        P + "vragenlijsten/<int:questionnaire_id>/wijzigen/",
        v.questionnaire_edit,
        name="cmk_eval_questionnaire_edit",
    ),
    path(
        P + "vragenlijsten/<int:questionnaire_id>/uitnodigen/",
        v.questionnaire_invite,
        name="cmk_eval_invite",
    ),
    path(
        P + "vragenlijsten/<int:questionnaire_id>/nieuwe-versie/",
        v.questionnaire_version,
        name="cmk_eval_version",
    ),
    path(P + "antwoorden/<int:response_id>/heropenen/", v.response_reopen, name="cmk_eval_reopen"),
    path(P + "analyse/", v.analysis_page, name="cmk_eval_analysis"),
    path(P + "analyse.csv", v.analysis_csv, name="cmk_eval_analysis_csv"),
    path(P + "onderzoek.csv", v.research_csv, name="cmk_eval_research_csv"),
    path(P + "begroting/<int:year>/", v.budget_page, name="cmk_eval_budget"),
    path(P + "begroting/<int:year>/wijzigen/", v.budget_edit, name="cmk_eval_budget_edit"),
    path(P + "begroting/<int:year>/realisatie/", v.budget_import, name="cmk_eval_budget_import"),
    path(P + "matching/", v.matching_page, name="cmk_eval_matching"),
    path(P + "matching/<int:year>/wijzigen/", v.matching_edit, name="cmk_eval_matching_edit"),
    path(P + "verantwoording/", v.report_list, name="cmk_eval_reports"),
    path(P + "verantwoording/nieuw/", v.report_create, name="cmk_eval_report_create"),
    path(P + "cultuurkaart/", v.money_page, name="cmk_eval_money"),
    path("cmk/verantwoording/<int:report_id>/", v.report_detail, name="cmk_eval_report"),
    path(
        "cmk/verantwoording/<int:report_id>/verantwoording.xlsx",
        v.report_xlsx,
        name="cmk_eval_report_xlsx",
    ),
    path(
        "cmk/verantwoording/<int:report_id>/verantwoording.pdf",
        v.report_pdf,
        name="cmk_eval_report_pdf",
    ),
    path(
        "cmk/deelname/<int:participation_id>/vragenlijst/<int:questionnaire_id>/",
        v.respond,
        name="cmk_eval_respond",
    ),
    path(
        "cmk/deelname/<int:participation_id>/resultaten/",
        v.results,
        name="cmk_eval_results",
    ),
]
