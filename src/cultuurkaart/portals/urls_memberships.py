"""Web pages of the memberships domain, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_memberships as views

urlpatterns: list = [
    path("activeren/", views.activate, name="activate"),
    path("activeren/<str:code>/", views.activate_legacy_link, name="activate_legacy_link"),
    path("mijn-pas/", views.my_pass, name="my_pass"),
    path("mijn-pas/gegevens-verwijderen/", views.delete_my_data, name="delete_my_data"),
    path("pas/controle/<str:token>/", views.verify_pass, name="verify_pass"),
    path("code-aanvragen/", views.request_code, name="request_code"),
    path("school/<int:school_id>/uitnodigen/", views.invite, name="school_invite"),
    path(
        "school/<int:school_id>/uitnodigingen/<int:batch_id>/",
        views.invitation_batch,
        name="school_invitation_batch",
    ),
    path("school/<int:school_id>/docenten-plus/", views.docent_plus, name="school_docent_plus"),
    path(
        "school/<int:school_id>/code-aanvragen/",
        views.code_requests,
        name="school_code_requests",
    ),
]
