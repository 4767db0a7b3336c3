"""Marketplace pages (provider portal, back office, offer images), mounted by portals/urls.py."""

from django.urls import path

from . import views_marketplace as v

urlpatterns: list = [
    path("aanbieder/<int:provider_id>/aanbod/", v.provider_offers, name="provider_offers"),
    path(
        "aanbieder/<int:provider_id>/aanbod/nieuw/",
        v.provider_offer_new,
        name="provider_offers_new",
    ),
    path(
        "aanbieder/<int:provider_id>/aanbod/<int:pk>/",
        v.provider_offer_edit,
        name="provider_offers_edit",
    ),
    path(
        "aanbieder/<int:provider_id>/aanbod/<int:pk>/afbeeldingen/",
        v.provider_offer_images,
        name="provider_offers_images",
    ),
    path(
        "aanbieder/<int:provider_id>/aanbod/<int:pk>/afbeeldingen/<int:image_id>/verwijderen/",
        v.provider_offer_image_remove,
        name="provider_offers_image_remove",
    ),
    path(
        "aanbod/afbeeldingen/<int:image_id>/<slug:size>/",
        v.offer_image,
        name="offer_image",
    ),
    path("backoffice/aanbod/", v.backoffice_offers, name="backoffice_offers"),
    path(
        "backoffice/aanbod/<int:pk>/", v.backoffice_offers_detail, name="backoffice_offers_detail"
    ),
    path(
        "backoffice/aanbod/<int:pk>/goedkeuren/",
        v.backoffice_offers_approve,
        name="backoffice_offers_approve",
    ),
    path(
        "backoffice/aanbod/<int:pk>/afwijzen/",
        v.backoffice_offers_reject,
        name="backoffice_offers_reject",
    ),
    path(
        "backoffice/aanbod/<int:pk>/verbergen/",
        v.backoffice_offers_hide,
        name="backoffice_offers_hide",
    ),
    path(
        "backoffice/aanbod/<int:pk>/tonen/",
        v.backoffice_offers_unhide,
        name="backoffice_offers_unhide",
    ),
    path(
        "backoffice/aanbieders/<int:provider_id>/vertrouwd/",
        v.backoffice_provider_trust,
        name="backoffice_provider_trust",
    ),
    path("backoffice/taxonomieen/", v.backoffice_terms, name="backoffice_terms"),
    path("backoffice/taxonomieen/<int:pk>/", v.backoffice_terms_edit, name="backoffice_terms_edit"),
]
