from django.contrib import admin
from django.urls import include, path

from cultuurkaart.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("cultuurkaart.accounts.urls")),
    path("account/", include("cultuurkaart.accounts.urls_account")),
    path("django-admin/", admin.site.urls),
    path("", include("cultuurkaart.portals.urls")),
]
