"""Marketplace request pages (school and provider portal), mounted by portals/urls.py."""

from django.urls import path

from . import views_requests as v

urlpatterns: list = [
    path("school/<int:school_id>/aanvragen/", v.school_requests, name="school_requests"),
    path(
        "school/<int:school_id>/aanvragen/<int:pk>/",
        v.school_requests_detail,
        name="school_requests_detail",
    ),
    # The request form of an offer (the offer page for schools links here).
    path(
        "school/<int:school_id>/aanbod/<int:pk>/aanvragen/",
        v.school_offers_request,
        name="school_offers_request",
    ),
    path("aanbieder/<int:provider_id>/aanvragen/", v.provider_requests, name="provider_requests"),
    path(
        "aanbieder/<int:provider_id>/aanvragen/<int:pk>/",
        v.provider_requests_detail,
        name="provider_requests_detail",
    ),
]
