"""Marketplace search pages (issue 11 points 4–5), mounted by portals/urls.py."""

from django.urls import path

from . import views_search as v

urlpatterns: list = [
    path("school/<int:school_id>/aanbod/", v.school_offer_search, name="school_offer_search"),
    path(
        "school/<int:school_id>/aanbod/<int:pk>/",
        v.school_offer_detail,
        name="school_offer_detail",
    ),
    path("aanbieders/", v.public_providers, name="providers_public"),
]
