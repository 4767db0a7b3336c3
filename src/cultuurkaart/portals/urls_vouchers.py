"""Web pages of individual budget and vouchers, mounted under the site root by portals/urls.py."""

from django.urls import path

from . import views_vouchers as v

urlpatterns: list = [
    path(
        "school/<int:school_id>/individueel-budget/",
        v.school_individual_budget,
        name="school_individual_budget",
    ),
    path("mijn-tegoedbonnen/", v.my_vouchers, name="my_vouchers"),
    path(
        "aanbieder/<int:provider_id>/tegoedbonnen/",
        v.provider_vouchers,
        name="provider_vouchers",
    ),
]
