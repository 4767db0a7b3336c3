"""CmK programme monitoring pages (docs/cmk.md), mounted under the site root."""

from django.urls import path

from . import views_cmk as v

urlpatterns: list = [
    path("cmk/", v.home, name="cmk_home"),
    path("cmk/<int:programme_id>/", v.dashboard, name="cmk_dashboard"),
    path("cmk/<int:programme_id>/doelen/", v.targets, name="cmk_targets"),
    path("cmk/<int:programme_id>/scholen/", v.participation_list, name="cmk_participations"),
    path("cmk/<int:programme_id>/gesprekken/", v.conversation_overview, name="cmk_conversations"),
    path("cmk/<int:programme_id>/activiteiten/", v.activity_list, name="cmk_activities"),
    path("cmk/<int:programme_id>/kennisdeling/", v.meeting_list, name="cmk_meetings"),
    path("cmk/<int:programme_id>/kalender/", v.calendar, name="cmk_calendar"),
    path(
        "cmk/<int:programme_id>/kennisdeling/<int:meeting_id>/gehouden/",
        v.meeting_held,
        name="cmk_meeting_held",
    ),
    path("cmk/<int:programme_id>/sporen/", v.track_list, name="cmk_tracks"),
    path(
        "cmk/<int:programme_id>/sporen/<slug:track_code>/wijzigen/",
        v.track_edit,
        name="cmk_track_edit",
    ),
    path(
        "cmk/gesprek/<int:conversation_id>/gehouden/",
        v.conversation_held,
        name="cmk_conversation_held",
    ),
    path("cmk/deelname/<int:participation_id>/", v.participation_detail, name="cmk_participation"),
    path(
        "cmk/deelname/<int:participation_id>/stap/",
        v.participation_step,
        name="cmk_participation_step",
    ),
    path(
        "cmk/deelname/<int:participation_id>/adviseur/",
        v.participation_advisor,
        name="cmk_participation_advisor",
    ),
    path(
        "cmk/deelname/<int:participation_id>/beeindigen/",
        v.participation_end,
        name="cmk_participation_end",
    ),
    path(
        "cmk/deelname/<int:participation_id>/cyclus/",
        v.participation_cycle,
        name="cmk_participation_cycle",
    ),
    path(
        "cmk/deelname/<int:participation_id>/gesprek/",
        v.participation_conversation,
        name="cmk_participation_conversation",
    ),
    path(
        "cmk/deelname/<int:participation_id>/contactpersoon/",
        v.participation_contact,
        name="cmk_participation_contact",
    ),
    path("cmk/actie/<int:action_id>/afronden/", v.action_close, name="cmk_action_close"),
    path("backoffice/cmk/nieuw/", v.backoffice_programme_new, name="backoffice_cmk_programme_new"),
]
