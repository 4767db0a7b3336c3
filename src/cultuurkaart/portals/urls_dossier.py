"""Web pages of the dossier (SPEC §11), mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_dossier as d

urlpatterns: list = [
    path("dossier/media/<str:token>/", d.media_file, name="dossier_media"),
]
