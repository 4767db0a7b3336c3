"""Pages of a signed-in person's own account (behind two-factor for finance roles)."""

from django.urls import path

from . import views

app_name = "account"
urlpatterns = [
    path("sleutels/", views.tokens, name="tokens"),
    path("sleutels/<int:pk>/intrekken/", views.revoke_token, name="revoke_token"),
]
